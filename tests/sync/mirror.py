"""What the sync tests share: the emulator fixture, a config on a fresh SQLite file, the store and the board
as plain dicts, and the check that the board mirrors the store exactly."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import openpyxl

from shared.config import load_config
from shared.store import open_store
from shared.store.timestamps import timestamp_text
from shared.sync.planner import utc_now

from ..conftest import DEFAULT_CONFIG, ROOT

BOARD = "9609317401"
SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
TOKEN = "test-token"  # the emulator accepts any token


def sync_config(tmp_path: Path, **sync):
    config = load_config(DEFAULT_CONFIG)
    return replace(config,
                   environment=replace(config.environment, database=f"sqlite:///{tmp_path / 'orders.db'}"),
                   sync=replace(config.sync, **sync),
                   monday=replace(config.monday, retry_base_seconds=0.01, retry_max_seconds=0.05,
                                  lookup_delay_seconds=0.01))


def database(config) -> sqlite3.Connection:
    connection = sqlite3.connect(config.environment.database.removeprefix("sqlite:///"))
    connection.row_factory = sqlite3.Row
    return connection


def orders_in_store(config) -> dict[str, dict]:
    with database(config) as db:
        return {row["business_key"]: dict(row) for row in db.execute('SELECT * FROM "ORDER_LIST_V2"')}


def lines_in_store(config) -> list[dict]:
    with database(config) as db:
        return [dict(row) for row in db.execute('SELECT * FROM "ORDER_LIST_LINES"')]


def table_dump(config) -> list[tuple]:
    with database(config) as db:
        return [tuple(row) for table in ("ORDER_LIST_V2", "ORDER_LIST_LINES", "ORDER_LIST_V2_GROUPS")
                for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')]


def take_over(config, claim_id: str) -> None:
    """Another worker's planner claims every order for 15 minutes (the claim it found had lapsed)."""
    with open_store(config) as other:
        until = timestamp_text(utc_now() + timedelta(minutes=15))
        other.run_in_transaction(lambda: other.execute(
            f"UPDATE {other.orders_table} SET claim_id = ?, claimed_until = ?", (claim_id, until)))


def wait_until(condition, seconds: float = 30) -> None:
    """Poll until ``condition()`` holds; a generous bound, never a timing assertion."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "it never happened"
        time.sleep(0.01)


HOLD_SECONDS = 4


def hold_subitems(emulator, seconds: float = HOLD_SECONDS):
    """From now on monday waits ``seconds`` before it handles a request that makes subitems: a stop sent once
    the items are made lands while the sizes are still to make, however busy the machine is.
    ``emulator.faults.clear()`` lets later requests through at once."""
    return emulator.faults.add("slow", count=None, match="create_subitem", seconds=seconds)


def board_items(emulator) -> dict[str, dict]:
    """key column text -> item (emulator view); fails on a key held twice."""
    items = emulator.items(BOARD)
    by_key = {item["values"].get("text_sync_key"): item for item in items}
    assert len(by_key) == len(items), emulator.duplicates(BOARD, "text_sync_key")
    return by_key


def writes(emulator) -> dict[str, int]:
    counters = emulator.counters
    return {"items_created": counters.items_created, "subitems_created": counters.subitems_created,
            "updated": counters.items_updated, "deleted": counters.items_deleted,
            "groups_created": counters.groups_created, "mutations": counters.mutations}


def assert_mirror(config, emulator) -> None:
    """Every live order is exactly one item in its group with its values; every line exactly one subitem; the
    store holds every id. An ARCHIVED order's item is archived: not on the board."""
    orders, lines, items = orders_in_store(config), lines_in_store(config), board_items(emulator)
    archived = {key: order for key, order in orders.items() if order["sync_state"] == "ARCHIVED"}
    for order in archived.values():
        assert order["monday_item_id"] is None or emulator.item(order["monday_item_id"])["state"] != "active"
    orders = {key: order for key, order in orders.items() if key not in archived}
    assert set(items) == set(orders)
    groups = {group["id"]: group["title"] for group in emulator.groups(BOARD)}
    item_columns = config.environment.item_columns
    lines_by_order: dict[str, dict[str, dict]] = {}
    for line in lines:
        lines_by_order.setdefault(line["record_uuid"], {})[line["size_code"]] = line
    for key, order in orders.items():
        item = items[key]
        assert order["sync_state"] == "SYNCED" and order["monday_item_id"] == item["id"]
        assert groups[item["group_id"]] == config.orders.group_name.render(order)
        assert order["monday_group_id"] == item["group_id"]
        assert item["name"] == config.orders.item_name.render(order)
        for column, column_id in item_columns.items():
            assert (item["values"].get(column_id) or "") == (order.get(column) or ""), (key, column)
        subitems = {sub["name"]: sub for sub in emulator.subitems(item["id"])}
        expected = lines_by_order.get(order["record_uuid"], {})
        assert set(subitems) == set(expected), key
        for size, line in expected.items():
            assert line["sync_state"] == "SYNCED" and line["monday_subitem_id"] == subitems[size]["id"]
            assert line["parent_item_id"] == item["id"]
            assert subitems[size]["values"]["numbers_qty"] == str(line["qty"])
            assert subitems[size]["values"]["text_size"] == size


HEADER = ["AAG ORDER NUMBER", "CUSTOMER NAME", "CUSTOMER SEASON", "CUSTOMER STYLE",
          "CUSTOMER COLOUR DESCRIPTION", "PLANNED DELIVERY METHOD", "ETA CUSTOMER WAREHOUSE DATE",
          "ORDER TYPE", "UNIT OF MEASURE", "S", "M", "TOTAL QTY"]


def write_order_list(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "MASTER"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


CUSTOMERS = {"GREYSON": "G", "TITLE NINE": "T"}  # customer -> the letter in its order numbers


def order_rows(season=lambda customer, n: "SS27", method=lambda customer, n: "SEA", small=lambda c, n: 10,
               numbers=range(6)) -> list[list]:
    """Orders AAG-G0.. and AAG-T0.. of two customers, sizes S and M; season, delivery method and the S
    quantity per (customer, number)."""
    return [[f"AAG-{code}{n}", customer, season(customer, n), f"ST-{n}", "NAVY", method(customer, n),
             "2027-03-01", "ACTIVE", "EA", small(customer, n), 20, small(customer, n) + 20]
            for customer, code in CUSTOMERS.items() for n in numbers]


def fifty_orders(bad_method_at: int | None = None) -> list[list]:
    rows = []
    for number in range(50):
        method = "BOAT" if number == bad_method_at else "SEA"  # BOAT is not a label of status_delivery
        rows.append([f"AAG-{number:04}", "GREYSON", "SS27", f"ST-{number}", "NAVY", method, "2027-03-01",
                     "ACTIVE", "EA", 10, 20, 30])
    return rows
