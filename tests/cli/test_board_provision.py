"""``board provision`` against the emulator: the acceptance scenario (a board lacking three mapped item
columns and the subitem quantity column), dry runs, and the columns it refuses to guess."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shared.excel import ingest_files
from shared.monday_emulator import order_book_board, run_emulator_in_thread

from ..conftest import ROOT
from ..sync.mirror import BOARD, assert_mirror, database
from .conftest import run

LACKING = ("numbers_total_qty", "status_delivery", "dropdown_order_type")
SAMPLE = ROOT / "samples" / "johnnie_o.xlsx"


def board_lacking(item_columns=LACKING, subitem_columns=("numbers_qty",), subitems=True):
    spec = order_book_board()
    sub = dataclasses.replace(spec.subitems, columns=tuple(c for c in spec.subitems.columns
                                                           if c.id not in subitem_columns))
    return dataclasses.replace(spec, columns=tuple(c for c in spec.columns if c.id not in item_columns),
                               subitems=sub if subitems else None)


@pytest.fixture
def lacking(world, monkeypatch):
    with run_emulator_in_thread([board_lacking()], complexity_budget=10**9) as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        yield emulator


def stored_values(world, column: str) -> list[str]:
    with database(world.config) as db:
        rows = db.execute(f'SELECT DISTINCT "{column}" FROM "ORDER_LIST_V2" WHERE "{column}" IS NOT NULL')
        return sorted(row[0] for row in rows)


def test_acceptance_2_check_names_them_provision_creates_four_then_nothing_and_sync_fills(world, lacking,
                                                                                         capsys):
    ingest_files(world.config, [SAMPLE])  # the labels of the new status and dropdown columns come from here

    code, out, _ = run(capsys, "board", "check", "--json")
    verdict = json.loads(out)
    assert code == 1 and not verdict["ok"]
    assert sorted((p["kind"], p["where"]) for p in verdict["problems"]) == [
        ("missing_column", 'item_columns."ORDER TYPE"'),
        ("missing_column", 'item_columns."PLANNED DELIVERY METHOD"'),
        ("missing_column", 'item_columns."TOTAL QTY"'), ("missing_column", 'subitem_columns."qty"')]

    code, out, _ = run(capsys, "board", "provision", "--dry-run", "--json")
    planned = json.loads(out)
    assert code == 0 and len(planned["created"]) == 4 and lacking.counters.fields["create_column"] == 0

    code, out, err = run(capsys, "board", "provision")
    assert (code, err) == (0, "")
    assert lacking.counters.fields["create_column"] == 4
    assert "board provision: created 4 column(s)" in out and "the mapping fits the board" in out
    items, subitems = lacking.board(BOARD), lacking.board("9609317402")
    made = {c["id"]: c for c in items["columns"] + subitems["columns"]}
    assert (made["numbers_total_qty"]["type"], made["numbers_total_qty"]["title"]) == ("numbers", "TOTAL QTY")
    assert (made["numbers_qty"]["type"], made["numbers_qty"]["title"]) == ("numbers", "Quantity")
    assert made["status_delivery"]["type"] == "status"
    assert made["status_delivery"]["labels"] == stored_values(world, "PLANNED DELIVERY METHOD")
    assert made["dropdown_order_type"]["type"] == "dropdown"
    assert made["dropdown_order_type"]["labels"] == stored_values(world, "ORDER TYPE")

    code, out, _ = run(capsys, "board", "provision")
    assert code == 0 and out.startswith("board provision: nothing to create")
    assert lacking.counters.fields["create_column"] == 4  # idempotent: nothing created the second time
    assert run(capsys, "board", "check")[:2] == (0, "board check: the mapping fits the board\n")

    code, out, _ = run(capsys, "sync")
    assert code == 0 and "result: OK" in out
    assert_mirror(world.config, lacking)


def with_mapping(world, extra: str) -> None:
    """Add lines to the development environment's item_columns table of the test's configuration."""
    text = world.config_path.read_text(encoding="utf-8")
    marker = "[environments.development.item_columns]"
    world.config_path.write_text(text.replace(marker, f"{marker}\n{extra}", 1), encoding="utf-8")


def test_a_column_it_cannot_make_as_configured_is_named_and_nothing_is_created(world, lacking, capsys):
    with_mapping(world, '"DESTINATION" = "destination"\n"PO NUMBER" = "text_po7"')
    text = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(text.replace('"PO NUMBER" = "text_po_number"\n', ""), encoding="utf-8")
    code, out, err = run(capsys, "board", "provision")
    assert code == 1 and out == ""
    assert "destination (Excel \"DESTINATION\"): no type" in err and "column_types" in err
    assert "text_po7 (Excel \"PO NUMBER\"): monday creates a column with a chosen id only when" in err
    assert lacking.counters.fields["create_column"] == 0

    # a type given in column_types is used; the id still has to be one monday accepts
    text = world.config_path.read_text(encoding="utf-8").replace('"text_po7"', '"text_po_number"')
    world.config_path.write_text(text + '\n[environments.development.column_types]\ndestination = "text"\n',
                                 encoding="utf-8")
    code, out, err = run(capsys, "board", "provision", "--json")
    assert code == 0 and err == ""
    assert {c["column_id"]: c["type"] for c in json.loads(out)["created"]}["destination"] == "text"
    assert lacking.counters.fields["create_column"] == 5


def test_no_subitems_board_yet_is_explained(world, capsys, monkeypatch):
    with run_emulator_in_thread([board_lacking(subitems=False)], complexity_budget=10**9) as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        code, _, err = run(capsys, "board", "provision")
    assert code == 1 and "has no subitems board yet" in err and "add one subitem on the board by hand" in err
    assert emulator.counters.fields["create_column"] == 0
