import json

import pytest

from shared.monday.columns import (
    ColumnInfo,
    ColumnValueError,
    column_value,
    column_values,
    item_name,
    labels_from_settings,
    subitems_board_id,
)

STATUS = ColumnInfo("status_delivery", "Delivery", "status", ("SEA", "AIR", "COURIER", "TRUCK"))
DROPDOWN = ColumnInfo("dropdown_order_type", "Order type", "dropdown", ("ACTIVE", "REPEAT"))


def col(type_: str, id_: str = "c1") -> ColumnInfo:
    return ColumnInfo(id_, id_, type_)


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("text", "  PO-77 ", "PO-77"),
        ("long_text", "line one\nline two", {"text": "line one\nline two"}),
        ("numbers", "1200", "1200"),
        ("numbers", "-4.50", "-4.50"),
        ("numbers", "1,200", "1200"),
        ("date", "2026-03-01", {"date": "2026-03-01"}),
        ("date", "2026-03-01T14:30:00", {"date": "2026-03-01", "time": "14:30:00"}),
        ("date", "2026-03-01 00:00:00", {"date": "2026-03-01"}),
        ("email", "a@b.co", {"email": "a@b.co", "text": "a@b.co"}),
        ("link", "https://x.example/po", {"url": "https://x.example/po", "text": "https://x.example/po"}),
        ("checkbox", "yes", {"checked": "true"}),
        ("checkbox", "no", None),
        ("checkbox", None, None),
    ],
)
def test_converts_store_text_by_column_type(type_, raw, expected):
    assert column_value(col(type_), raw) == expected


@pytest.mark.parametrize(
    ("type_", "cleared"),
    [
        ("text", ""),
        ("numbers", ""),
        ("date", ""),
        ("status", ""),
        ("dropdown", {"labels": []}),
        ("long_text", ""),
    ],
)
def test_blank_clears_the_column(type_, cleared):
    assert column_value(col(type_), None) == cleared
    assert column_value(col(type_), "   ") == cleared


def test_labels_are_matched_case_insensitively_and_sent_in_the_boards_spelling():
    assert column_value(STATUS, "sea") == {"label": "SEA"}
    assert column_value(DROPDOWN, "repeat") == {"labels": ["REPEAT"]}


def test_unknown_label_names_column_value_and_the_known_labels():
    with pytest.raises(ColumnValueError) as caught:
        column_value(STATUS, "RAIL")
    message = str(caught.value)
    assert "status_delivery" in message and "'RAIL'" in message and "'SEA'" in message
    assert "create_labels_if_missing" in message


def test_unknown_label_passes_when_the_column_may_create_labels():
    assert column_value(STATUS, "RAIL", create_labels=True) == {"label": "RAIL"}


@pytest.mark.parametrize(
    ("type_", "raw", "problem"),
    [
        ("numbers", "n/a", "not a number"),
        ("numbers", "12 pcs", "not a number"),
        ("date", "31/12/2026", "not a date"),
        ("date", "2026-02-30", "not a date"),
        ("email", "nobody", "not an email"),
        ("link", "www.example.com", "not a link"),
        ("checkbox", "maybe", "yes/no"),
        ("long_text", "x" * 2001, "2001 characters"),
        ("formula", "1", "not supported"),
    ],
)
def test_bad_values_raise_with_column_and_value(type_, raw, problem):
    with pytest.raises(ColumnValueError) as caught:
        column_value(col(type_, "the_column"), raw)
    assert caught.value.column_id == "the_column"
    assert problem in str(caught.value) and "the_column" in str(caught.value)


def test_item_names_must_be_present_and_short_enough():
    assert item_name("  STYLE RED 123 ") == "STYLE RED 123"
    with pytest.raises(ColumnValueError, match="empty"):
        item_name("  ")
    with pytest.raises(ColumnValueError, match="300 characters long") as caught:
        item_name("N" * 300)
    assert len(str(caught.value)) < 200  # the message shortens the value instead of repeating 300 characters


def test_column_values_converts_a_record_and_names_an_unknown_column():
    columns = {"numbers_qty": col("numbers", "numbers_qty"), "status_delivery": STATUS}
    assert column_values(columns, {"numbers_qty": "5", "status_delivery": "AIR"}) == {
        "numbers_qty": "5",
        "status_delivery": {"label": "AIR"},
    }
    with pytest.raises(ColumnValueError, match="no such column"):
        column_values(columns, {"numbers_missing": "5"})
    json.dumps(column_values(columns, {"numbers_qty": "5"}))  # JSON-ready


def test_labels_from_each_settings_shape():
    status_2026 = {
        "labels": [
            {"id": 0, "label": "SEA", "index": 0},
            {"id": 1, "label": "OLD", "is_deactivated": True},
            {"id": 2, "label": "AIR", "index": 1},
        ]
    }
    dropdown_2026 = {"labels": [{"id": 1, "name": "ACTIVE"}, {"id": 2, "name": "REPEAT"}]}
    legacy = {"labels": {"1": "AIR", "0": "SEA", "5": ""}}
    assert labels_from_settings(status_2026) == ("SEA", "AIR")
    assert labels_from_settings(dropdown_2026) == ("ACTIVE", "REPEAT")
    assert labels_from_settings(legacy) == ("SEA", "AIR")
    assert labels_from_settings({}) == ()


def test_subitems_board_comes_from_the_subtasks_columns_settings():
    subtasks = ColumnInfo.from_api(
        {
            "id": "subitems",
            "title": "Subitems",
            "type": "subtasks",
            "settings": {"allowMultipleItems": True, "boardIds": [9609317402]},
        }
    )
    assert subitems_board_id(subtasks) == "9609317402"
    assert subitems_board_id(col("text")) is None
