"""``board describe`` / ``board check``: the mapping check as a function, and the commands on a server."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shared import cli
from shared.config import load_config
from shared.monday.board import Board, BoardSchema, GroupInfo, check, check_text, describe, source_kind
from shared.monday.columns import ColumnInfo
from shared.monday_emulator import BoardSpec, ColumnSpec, order_book_board, run_emulator_in_thread

from ..conftest import DEFAULT_CONFIG


def board(board_id, *columns, groups=()):
    return Board(board_id, f"board {board_id}", {c.id: c for c in columns}, tuple(groups))


def development_schema(**replace_items) -> BoardSchema:
    items = [
        ColumnInfo("name", "Name", "name"),
        ColumnInfo("subitems", "Subitems", "subtasks", settings={"boardIds": [9609317402]}),
        *(
            ColumnInfo(c, c, "text")
            for c in (
                "text_sync_key",
                "text_order_number",
                "text_customer",
                "text_po_number",
                "text_style",
                "text_colour",
                "text_season",
            )
        ),
        ColumnInfo("numbers_total_qty", "Total qty", "numbers"),
        ColumnInfo("numbers_price", "Price", "numbers"),
        ColumnInfo("date_eta", "ETA", "date"),
        ColumnInfo("date_ex_factory", "Ex factory", "date"),
        ColumnInfo("status_delivery", "Delivery", "status", ("SEA", "AIR", "COURIER", "TRUCK")),
        ColumnInfo(
            "dropdown_order_type", "Order type", "dropdown", ("ACTIVE", "REPEAT", "SAMPLE", "CANCELLED")
        ),
        ColumnInfo("long_text_notes", "Notes", "long_text"),
    ]
    columns = {c.id: c for c in items}
    for column_id, column in replace_items.items():
        if column is None:
            columns.pop(column_id)
        else:
            columns[column_id] = column
    subitems = board(
        "9609317402",
        ColumnInfo("name", "Name", "name"),
        ColumnInfo("text_size", "Size", "text"),
        ColumnInfo("numbers_qty", "Qty", "numbers"),
    )
    return BoardSchema(
        items=board("9609317401", *columns.values(), groups=[GroupInfo("topics", "GREYSON SS26")]),
        subitems=subitems,
    )


@pytest.fixture(scope="module")
def env():
    return load_config(DEFAULT_CONFIG, "development").environment


def run_check(schema, env, **mapping):
    return check(
        schema,
        mapping.get("key_column", env.key_column),
        mapping.get("item_columns", env.item_columns),
        mapping.get("subitem_columns", env.subitem_columns),
    )


def test_the_development_mapping_fits_the_development_board(env):
    assert run_check(development_schema(), env) == []
    assert check_text([]).startswith("board check: the mapping fits")


def test_missing_column_is_named(env):
    problems = run_check(development_schema(date_eta=None), env)
    assert [(p.kind, p.where) for p in problems] == [
        ("missing_column", 'item_columns."ETA CUSTOMER WAREHOUSE DATE"')
    ]
    assert "'date_eta' does not exist on board 9609317401" in problems[0].message


def test_wrong_type_for_the_source_is_named(env):
    problems = run_check(development_schema(date_eta=ColumnInfo("date_eta", "ETA", "numbers")), env)
    assert [(p.kind, p.where) for p in problems] == [
        ("wrong_type", 'item_columns."ETA CUSTOMER WAREHOUSE DATE"')
    ]
    assert "numbers column and cannot take date values" in problems[0].message


def test_unwritable_column_type_is_a_wrong_type(env):
    problems = run_check(development_schema(text_style=ColumnInfo("text_style", "Style", "formula")), env)
    assert [p.kind for p in problems] == ["wrong_type"] and "cannot write" in problems[0].message


def test_duplicate_target_is_caught_on_a_mapping_given_directly(env):
    # The config loader refuses such a mapping, so check() must catch it on a mapping passed in directly.
    mapping = {**env.item_columns, "CUSTOMER ALT PO": "text_po_number", "DROP": "text_sync_key"}
    problems = run_check(development_schema(), env, item_columns=mapping)
    duplicates = {p.where: p.message for p in problems if p.kind == "duplicate_target"}
    assert set(duplicates) == {
        'item_columns."PO NUMBER"',
        'item_columns."CUSTOMER ALT PO"',
        'item_columns."DROP"',
    }
    assert "'PO NUMBER'" in duplicates['item_columns."CUSTOMER ALT PO"']
    assert "key_column" in duplicates['item_columns."DROP"']


def test_missing_or_non_text_key_column(env):
    missing = run_check(development_schema(text_sync_key=None), env)
    assert [p.kind for p in missing] == ["missing_key_column"]
    status = run_check(development_schema(text_sync_key=ColumnInfo("text_sync_key", "Key", "status")), env)
    assert [p.kind for p in status] == ["key_not_text"]


def test_subitem_columns_need_a_subitems_board(env):
    schema = development_schema(subitems=None)
    schema = BoardSchema(items=schema.items, subitems=None)
    problems = run_check(schema, env)
    assert [p.kind for p in problems] == ["no_subitems"]
    assert run_check(schema, env, subitem_columns={}) == []


def test_subitem_columns_are_checked_on_the_subitems_board(env):
    problems = run_check(
        development_schema(), env, subitem_columns={"size_code": "text_size", "qty": "text_qty"}
    )
    assert [(p.kind, p.where) for p in problems] == [("missing_column", 'subitem_columns."qty"')]
    assert "board 9609317402" in problems[0].message


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("ETA CUSTOMER WAREHOUSE DATE", "date"),
        ("TOTAL QTY", "quantity"),
        ("qty", "quantity"),
        ("CUSTOMER PRICE", "price"),
        ("FINAL FOB (USD)", "price"),
        ("BUYER EMAIL", "email"),
        ("ARTWORK LINK", "link"),
        ("IS SAMPLE", "flag"),
        ("CUSTOMER NAME", "text"),
        ("size_code", "text"),
    ],
)
def test_source_kinds_come_from_column_names(source, kind):
    assert source_kind(source) == kind


def test_describe_lists_columns_labels_and_groups():
    described = describe(development_schema())
    columns = {c["id"]: c for c in described["items_board"]["columns"]}
    assert columns["status_delivery"] == {
        "id": "status_delivery",
        "title": "Delivery",
        "type": "status",
        "labels": ["SEA", "AIR", "COURIER", "TRUCK"],
    }
    assert described["items_board"]["groups"] == [{"id": "topics", "title": "GREYSON SS26"}]
    assert [c["id"] for c in described["subitems_board"]["columns"]] == ["name", "text_size", "numbers_qty"]


# -- the commands, end to end against the emulator -----------------------------------------------------------

TOKEN = "board-check-token"


def emulator_board(replace: dict | None = None, subitems: bool = True) -> BoardSpec:
    """The development board, with columns replaced (None: removed) to build a broken board."""
    spec = order_book_board()
    columns = []
    for column in spec.columns:
        if replace and column.id in replace:
            if replace[column.id] is not None:
                columns.append(replace[column.id])
        else:
            columns.append(column)
    return dataclasses.replace(spec, columns=tuple(columns), subitems=spec.subitems if subitems else None)


def run_cli(monkeypatch, capsys, spec: BoardSpec, *argv: str) -> tuple[int, str]:
    with run_emulator_in_thread([spec], token=TOKEN) as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
        code = cli.main(["--config", str(DEFAULT_CONFIG), "--env", "development", *argv])
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, captured.out + captured.err


def test_describe_prints_both_boards(monkeypatch, capsys):
    code, out = run_cli(monkeypatch, capsys, emulator_board(), "board", "describe", "--json")
    described = json.loads(out)
    assert code == 0
    columns = {c["id"]: c for c in described["items_board"]["columns"]}
    assert columns["status_delivery"]["labels"] == ["SEA", "AIR", "COURIER", "TRUCK"]
    assert columns["subitems"]["type"] == "subtasks"
    assert described["subitems_board"]["id"] == "9609317402"
    code, text = run_cli(monkeypatch, capsys, emulator_board(), "board", "describe")
    assert (
        code == 0 and "dropdown_order_type" in text and "ACTIVE, REPEAT" in text and "subitems board" in text
    )


def test_check_passes_on_the_development_board(monkeypatch, capsys):
    code, out = run_cli(monkeypatch, capsys, emulator_board(), "board", "check")
    assert code == 0 and "fits the board" in out


@pytest.mark.parametrize(
    ("replace", "subitems", "kind", "named"),
    [
        ({"date_eta": None}, True, "missing_column", "date_eta"),
        (
            {"numbers_total_qty": ColumnSpec("numbers_total_qty", "date")},
            True,
            "wrong_type",
            "numbers_total_qty",
        ),
        ({"text_sync_key": None}, True, "missing_key_column", "text_sync_key"),
        ({"text_sync_key": ColumnSpec("text_sync_key", "numbers")}, True, "key_not_text", "text_sync_key"),
        ({}, False, "no_subitems", "subitem_columns"),
    ],
)
def test_check_catches_each_broken_board(monkeypatch, capsys, replace, subitems, kind, named):
    code, out = run_cli(monkeypatch, capsys, emulator_board(replace, subitems), "board", "check", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert [p["kind"] for p in report["problems"]] == [kind]
    assert named in report["problems"][0]["message"] or named in report["problems"][0]["where"]
    code, text = run_cli(monkeypatch, capsys, emulator_board(replace, subitems), "board", "check")
    assert code == 1 and named in text


def test_check_with_a_refused_token_is_an_error_without_the_token(monkeypatch, capsys):
    with run_emulator_in_thread([emulator_board()], token="another-token") as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
        code = cli.main(["--config", str(DEFAULT_CONFIG), "board", "check"])
    captured = capsys.readouterr()
    assert code == 1 and "401" in captured.err and TOKEN not in captured.out + captured.err
