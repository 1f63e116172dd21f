"""Ingest-time warnings (issue 11): what the sync would refuse is found at ingest, stored with the ingest log,
and listed by `status`; the warned row is stored all the same."""

from __future__ import annotations

import pytest

from shared.common.column_values import column_type
from shared.config import load_config
from shared.excel import ingest_file
from shared.excel.order_list import parse_order_list
from shared.store import open_store

from ..conftest import DEFAULT_CONFIG
from ..corpus import HEADER, order, xlsx


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    return load_config(DEFAULT_CONFIG)


def messages(parsed) -> list[str]:
    return [warning.message for warning in parsed.warnings]


@pytest.mark.parametrize(("column_id", "expected"), [
    ("text_po_number", "text"), ("numbers_total_qty", "numbers"), ("numeric_mkr7qty", "numbers"),
    ("date_eta", "date"), ("date4", "date"), ("status_delivery", "status"), ("color_mkr7method", "status"),
    ("dropdown_order_type", "dropdown"), ("long_text_notes", "long_text"), ("email_x", "email"),
    ("person", None), ("textual", None),
])
def test_the_monday_type_is_read_from_the_column_id(column_id, expected):
    assert column_type(column_id) == expected


def test_a_given_column_type_wins_over_the_id(config):
    assert column_type("text_po_number", {"text_po_number": "date"}) == "date"
    parsed = parse_order_list(config, xlsx([order(1, **{"PO NUMBER": "PO-1"})],
                                           header=[*HEADER, "PO NUMBER"]),
                              "typed.xlsx", column_types={"text_po_number": "date"})
    assert messages(parsed) == [
        "Row 2: PO NUMBER 'PO-1' cannot go into monday column 'text_po_number' (date): it is not a date "
        "(expected YYYY-MM-DD); this order will fail to sync until it is fixed."]
    assert len(list(parsed.batch.orders)) == 1  # warned, still stored


def test_text_in_a_numbers_column_and_a_wrong_total_are_warned(config):
    parsed = parse_order_list(config, xlsx([order(1, **{"CUSTOMER PRICE": "twelve"}), order(2, S=11)]),
                              "warn.xlsx")
    assert [(w.row, w.column, w.value) for w in parsed.warnings] == [
        (2, "CUSTOMER PRICE", "twelve"), (3, "TOTAL QTY", "30")]
    assert messages(parsed) == [
        "Row 2: CUSTOMER PRICE 'twelve' cannot go into monday column 'numbers_price' (numbers): it is not a "
        "number (a numbers column takes digits such as 12 or 4.50); this order will fail to sync until it is "
        "fixed.",
        "Row 3: TOTAL QTY is 30 but the sizes add up to 31."]


def test_a_customer_close_to_a_known_one_is_named(config):
    parsed = parse_order_list(config, xlsx([order(1, customer="Greysen Clothiers")]), "typo.xlsx")
    assert messages(parsed) == [
        "Customer 'Greysen Clothiers' is not in the configuration; its 1 row(s) (first row 2) are stored "
        "under that name; it is close to 'GREYSON CLOTHIERS' (customer 'GREYSON'): a typo? Add the name as "
        "an alias if it is that customer."]


def test_warnings_are_stored_and_status_lists_them(config):
    with open_store(config) as store:
        report = ingest_file(config, store, xlsx([order(1), order(2, S=11)]), "week.xlsx")
        assert report.ingest_id is not None
        stored = store.ingest_issues(report.ingest_id)
        status = store.status()
    assert [(issue.kind, issue.row, issue.message) for issue in stored] == [
        ("warning", 3, "Row 3: TOTAL QTY is 30 but the sizes add up to 31.")]
    assert status["ingests"][0]["rows_warned"] == 1
    assert status["warnings"] == [{"ingest_id": report.ingest_id, "file_name": "week.xlsx", "row": 3,
                                   "column": "TOTAL QTY", "value": "30",
                                   "message": "Row 3: TOTAL QTY is 30 but the sizes add up to 31."}]


def test_look_alike_names_and_keys_are_one(config):
    """A zero-width space or full-width letters in a customer name or key make no second order or group."""
    plain = parse_order_list(config, xlsx([order(1)]), "plain.xlsx").batch.orders[0]
    sneaky = parse_order_list(config, xlsx([order(1, customer="GREY\u200bSON", **{
        "CUSTOMER STYLE": "ＳＴ-1", "AAG ORDER NUMBER": "AAG-\ufeff1"})]), "sneaky.xlsx").batch.orders[0]
    assert (sneaky.business_key, sneaky.customer) == (plain.business_key, "GREYSON")


def test_plain_data_keeps_its_key_and_hash(config):
    """NFKC changes nothing of ordinary text: a file ingested before this change stays unchanged."""
    incoming = parse_order_list(config, xlsx([order(1, NOTES="Café – rush")]), "plain.xlsx").batch.orders[0]
    assert incoming.business_key == "AAG-1|SEA|ST-1"
    # the hash the code gave this row before names and keys were normalised (commit 81a996c)
    assert incoming.row_hash == "ade853a82a7b8d99139a43da87d3ac676df994bbbc7463a63d9fa825f3f13277"
