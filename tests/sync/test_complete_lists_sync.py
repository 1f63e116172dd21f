"""Complete order lists end to end (issue 8, acceptance 2), through the command line on a SQLite file and the
emulator: a later list in which one order per customer changed season and two per customer are gone is
reported by `ingest --json`, and one `sync` moves, archives and applies it all; a list that would remove 80 %
of a customer's orders is refused and changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.cli import main
from shared.config import load_config

from ..conftest import DEFAULT_CONFIG
from .mirror import BOARD, CUSTOMERS, assert_mirror, order_rows, orders_in_store, table_dump, write_order_list


@pytest.fixture
def complete_lists(tmp_path, monkeypatch, emulator):
    """A configuration whose lists are complete; the CLI pointed at it, a fresh database and the emulator."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "complete_lists = false" in text
    path = tmp_path / "complete.toml"
    path.write_text(text.replace("complete_lists = false", "complete_lists = true"), encoding="utf-8")
    monkeypatch.setenv("ORDERSYNC_CONFIG", str(path))
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    monkeypatch.setenv("MONDAY_API_TOKEN", "test-token")
    monkeypatch.setenv("MONDAY_API_URL", emulator.url)
    config = load_config(path)
    database = f"sqlite:///{tmp_path / 'orders.db'}"
    return replace(config, environment=replace(config.environment, database=database))


def run(capsys, *argv: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_later_complete_list_is_mirrored_by_one_sync(tmp_path, capsys, emulator, complete_lists):
    config = complete_lists
    assert config.excel.complete_lists
    week1 = write_order_list(tmp_path / "week1.xlsx", order_rows())  # orders 0-5 of each customer
    assert run(capsys, "ingest", str(week1))[0] == 0
    code, first = run(capsys, "sync")
    assert code == 0 and first["ok"] and first["items_created"] == 12
    before = orders_in_store(config)

    # Week 2, complete: order 0 of each customer moves to FW27, order 1 has another quantity, orders 2 and 3
    # of each customer are gone.
    week2 = write_order_list(tmp_path / "week2.xlsx", order_rows(
        season=lambda customer, n: "FW27" if n == 0 else "SS27",
        small=lambda customer, n: 15 if n == 1 else 10, numbers=(0, 1, 4, 5)))
    code, report = run(capsys, "ingest", str(week2))
    assert code == 0
    [file] = report["files"]
    assert (file["outcome"], file["removed"], file["changed"]) == ("accepted", 4, 4)
    assert report["totals"]["removed"] == 4

    emulator.reset_counters()
    code, summary = run(capsys, "sync")
    assert code == 0 and summary["ok"] and summary["result"] == "OK"
    assert (summary["items_moved"], summary["items_archived"], summary["items_updated"]) == (2, 4, 4)
    fields = emulator.counters.fields
    assert fields["move_item_to_group"] == 2 and fields["archive_item"] == 4 and fields["delete_item"] == 0

    orders = orders_in_store(config)
    gone = {f"AAG-{code}{n}|SEA|ST-{n}" for code in CUSTOMERS.values() for n in (2, 3)}
    assert {key for key, order in orders.items() if order["sync_state"] == "ARCHIVED"} == gone
    assert {order["sync_state"] for key, order in orders.items() if key not in gone} == {"SYNCED"}
    for key in gone:  # archived on monday, never deleted; the store keeps the archived item's id
        assert emulator.item(before[key]["monday_item_id"])["state"] == "archived"
    groups = {group["id"]: group["title"] for group in emulator.groups(BOARD)}
    for customer, code in CUSTOMERS.items():
        moved = emulator.item(orders[f"AAG-{code}0|SEA|ST-0"]["monday_item_id"])
        assert moved["id"] == before[f"AAG-{code}0|SEA|ST-0"]["monday_item_id"]  # the same item, moved
        assert groups[moved["group_id"]] == f"{customer} FW27"
    assert_mirror(config, emulator)


def test_a_list_that_would_remove_most_of_a_customers_orders_is_refused_whole(tmp_path, capsys, emulator,
                                                                               complete_lists):
    config = complete_lists
    week1 = write_order_list(tmp_path / "week1.xlsx", order_rows(numbers=range(5)))
    assert run(capsys, "ingest", str(week1))[0] == 0
    assert run(capsys, "sync")[0] == 0
    before = table_dump(config)

    # GREYSON's export was cut short: 1 of its 5 orders (80 % gone); TITLE NINE's list is whole.
    truncated = [row for row in order_rows(numbers=range(5)) if row[1] != "GREYSON" or row[0] == "AAG-G0"]
    code, report = run(capsys, "ingest", str(write_order_list(tmp_path / "week2.xlsx", truncated)))
    [file] = report["files"]
    assert code == 1 and file["outcome"] == "rejected" and file["removed"] == 0
    assert "GREYSON" in file["message"] and "remove 4 of the 5 live orders" in file["message"]
    assert table_dump(config) == before  # nothing changed, not even TITLE NINE's orders
