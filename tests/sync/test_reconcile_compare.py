"""The pure comparison of a board snapshot with the store's rows: what counts as drift and what does not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.common.records import LineRow, LineState, OrderRow, OrderState
from shared.config import load_config
from shared.monday import BoardItem, BoardSchema, BoardSnapshot, FoundSubitem
from shared.monday.board import Board
from shared.monday.columns import ColumnInfo
from shared.monday_emulator import order_book_board
from shared.sync import compare_board

from ..conftest import DEFAULT_CONFIG

GROUPS = {"g1": "GREYSON SS27", "g2": "TITLE NINE SS27", "topics": "Group Title"}


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def schema():
    spec = order_book_board()

    def board(spec) -> Board:
        columns = {c.id: ColumnInfo(c.id, c.title, c.type, c.labels) for c in spec.columns}
        return Board(spec.id, spec.name, columns)

    return BoardSchema(board(spec), board(spec.subitems))


def order(n: int, customer="GREYSON", state=OrderState.SYNCED, item_id: str | None = "auto") -> OrderRow:
    values = {"AAG ORDER NUMBER": f"AAG-{n}", "CUSTOMER NAME": customer, "CUSTOMER SEASON": "SS27",
              "CUSTOMER STYLE": f"ST-{n}", "CUSTOMER COLOUR DESCRIPTION": "NAVY",
              "PLANNED DELIVERY METHOD": "SEA",
              "TOTAL QTY": "30", "ETA CUSTOMER WAREHOUSE DATE": "2027-03-01", "ORDER TYPE": "ACTIVE",
              "NOTES": "two\r\nlines"}
    return OrderRow(f"o{n}", f"AAG-{n}|SEA|ST-{n}", values, f"h{n}", state,
                    f"10{n}" if item_id == "auto" else item_id)


def line(n: int, size: str, qty: str = "10", state=LineState.SYNCED, subitem_id: str | None = "auto"
         ) -> LineRow:
    subitem_id = f"20{n}{size}" if subitem_id == "auto" else subitem_id
    return LineRow(f"l{n}{size}", f"o{n}", size, qty, state, subitem_id)


def item_of(row: OrderRow, subitems=(), values=None, **changes) -> BoardItem:
    """The item exactly as monday shows the order (numbers as 30.0, labels in other case, CRLF as LF)."""
    values = {"text_order_number": row.values["AAG ORDER NUMBER"], "text_customer": row.customer,
              "text_po_number": "", "text_style": row.values["CUSTOMER STYLE"], "text_colour": "NAVY",
              "text_season": "SS27", "numbers_total_qty": "30.0", "numbers_price": "",
              "date_eta": "2027-03-01", "date_ex_factory": "", "status_delivery": "Sea",
              "dropdown_order_type": "active", "long_text_notes": "two\nlines", **(values or {})}
    group = "g1" if row.customer == "GREYSON" else "g2"
    base = BoardItem(row.monday_item_id, f"ST-{row.values['AAG ORDER NUMBER'][4:]} NAVY "
                     f"{row.values['AAG ORDER NUMBER']}", group, row.business_key, values, tuple(subitems))
    return replace(base, **changes)


def sub(row: LineRow, **values) -> FoundSubitem:
    return FoundSubitem(row.monday_subitem_id, row.size_code,
                        {"text_size": row.size_code, "numbers_qty": values.get("qty", f"{row.qty}.0")})


def kinds(drift) -> dict[str, int]:
    return {kind: count for kind, count in drift.counts.items() if count}


def test_an_exact_board_shown_monday_s_way_has_no_drift(config, schema):
    orders = [order(1), order(2, "TITLE NINE")]
    lines = [line(1, "S"), line(1, "M", "20"), line(2, "S")]
    items = (item_of(orders[0], [sub(lines[0]), sub(lines[1])]), item_of(orders[1], [sub(lines[2])]))
    drift = compare_board(config, schema, BoardSnapshot(GROUPS, items), orders, lines)
    assert drift.total == 0 and (drift.orders_compared, drift.items_read, drift.subitems_read) == (2, 2, 3)


def test_orders_waiting_for_a_sync_or_held_by_a_worker_are_not_compared_but_duplicates_are(config, schema):
    new, changed = order(1, state=OrderState.NEW, item_id=None), order(2, state=OrderState.CHANGED)
    held, removed = order(3), order(4, state=OrderState.REMOVED)
    items = (item_of(changed, values={"text_season": "FW27"}), item_of(removed),
             replace(item_of(new), id="301"), replace(item_of(new), id="302"),  # twins of a NEW order's key
             replace(item_of(removed), id="401"))  # a REMOVED order's twin: archived too
    drift = compare_board(config, schema, BoardSnapshot(GROUPS, items), [new, changed, held, removed], [],
                          held=frozenset({"o3"}))
    assert kinds(drift) == {"duplicate_items": 2}  # o3's missing item is in flight; o2's values are pending
    assert sorted(e.item_id for e in drift.entries) == ["302", "401"]  # the oldest twin is the one adopted


def test_each_difference_is_named(config, schema):
    rows = [order(n) for n in range(1, 6)]
    lines = [line(1, "S"), line(2, "S"), line(2, "M"), line(3, "L", state=LineState.NEW, subitem_id=None)]
    items = (
        item_of(rows[0], [sub(lines[0], qty="11")], {"status_delivery": "AIR"}, name="renamed"),
        item_of(rows[1], [sub(lines[1])], group_id="topics"),  # M's subitem is gone
        item_of(rows[2], [FoundSubitem("9", "L", {}), FoundSubitem("8", "XXL", {})]),  # L waits; XXL is extra
        replace(item_of(rows[4]), id="999", key="NOT-AN-ORDER", group_id="g1"),
    )
    drift = compare_board(config, schema, BoardSnapshot(GROUPS, items), rows, lines)
    assert kinds(drift) == {"missing_items": 2, "stale_items": 1, "wrong_group": 1, "missing_subitems": 1,
                            "stale_subitems": 1, "extra_subitems": 1, "orphan_items": 1}
    (stale,) = drift.of("stale_items")
    assert stale.differs == ("name: monday 'renamed', SQL 'ST-1 NAVY AAG-1'; "
                             "status_delivery: monday 'AIR', SQL 'SEA'")
    assert drift.of("stale_subitems")[0].differs == "size S: numbers_qty: monday '11', SQL '10'"
    assert drift.of("wrong_group")[0].group_id == "topics"
    assert drift.of("extra_subitems")[0].subitem_id == "8"
    assert {e.business_key for e in drift.of("missing_items")} == {"AAG-4|SEA|ST-4", "AAG-5|SEA|ST-5"}

    snapshot = BoardSnapshot(GROUPS, items)
    greyson_only = compare_board(config, schema, snapshot, rows, lines, customer="greyson")
    assert greyson_only.total == drift.total  # every order is GREYSON's and the orphan sits in its group
    nobody = compare_board(config, schema, snapshot, rows, lines, customer="TITLE NINE")
    assert nobody.total == 0 and nobody.orders_compared == 0
