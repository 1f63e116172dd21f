"""Reconcile against the emulator (a real aiohttp server) and a SQLite file, through the command line.

Acceptance 1: an exact board reports no drift and writes nothing; a board changed behind ordersync's back
(items deleted, values changed, subitems deleted and changed, items moved, items duplicated) reports each kind
without writing, `--repair` makes it exact, and afterwards reconcile finds nothing and a sync writes nothing;
an emptied board is rebuilt whole, without duplicates.
"""

from __future__ import annotations

import json

import pytest

from shared.cli import main
from shared.excel import ingest_files
from shared.sync import reconcile_run, run_sync
from shared.sync.engine import sync_pending

from ..conftest import DEFAULT_CONFIG
from .mirror import (
    BOARD,
    TOKEN,
    assert_mirror,
    board_items,
    database,
    order_rows,
    orders_in_store,
    sync_config,
    table_dump,
    write_order_list,
)


@pytest.fixture
def synced(tmp_path, emulator, monkeypatch):
    """20 orders of two customers, 40 sizes, mirrored on the board; the CLI pointed at both."""
    config = sync_config(tmp_path)
    monkeypatch.setenv("ORDERSYNC_DATABASE", config.environment.database)
    monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
    monkeypatch.setenv("MONDAY_API_URL", emulator.url)
    ingest_files(config, [write_order_list(tmp_path / "orders.xlsx", order_rows(numbers=range(10)))])
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    return config


def reconcile(capsys, *args: str) -> tuple[int, dict]:
    code = main(["--config", str(DEFAULT_CONFIG), "reconcile", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def drifted(report: dict) -> dict[str, int]:
    return {kind: count for kind, count in report["drift"].items() if count}


def test_an_exact_board_then_one_changed_behind_our_back_is_reported_repaired_and_left_exact(
        synced, emulator, capsys):
    config = synced
    emulator.reset_counters()
    stored = table_dump(config)
    code, report = reconcile(capsys)
    assert code == 0 and report["ok"] and drifted(report) == {}
    assert report["orders_compared"] == 20 and report["items_read"] == 20 and report["subitems_read"] == 40
    assert emulator.counters.mutation_requests == 0 and table_dump(config) == stored

    orders = orders_in_store(config)
    keys = sorted(orders)
    item = {key: orders[key]["monday_item_id"] for key in keys}
    subitems = {key: emulator.subitems(item[key]) for key in keys}
    for key in keys[0:3]:
        emulator.delete_item(item[key])
    emulator.set_values(item[keys[3]], {"numbers_total_qty": "99"})
    emulator.set_values(item[keys[4]], {"date_eta": "2030-01-01"})
    emulator.set_values(item[keys[5]], {"status_delivery": {"label": "AIR"}})
    for key in keys[6:9]:
        emulator.delete_item(subitems[key][0]["id"])
    for key in keys[9:12]:
        emulator.set_values(subitems[key][1]["id"], {"numbers_qty": "7"})
    for key in keys[12:14]:
        emulator.move_item(item[key], "topics")
    duplicates = [emulator.duplicate_item(item[key]) for key in keys[14:16]]
    emulator.reset_counters()

    code, report = reconcile(capsys)
    assert code == 1 and not report["ok"] and report["result"] == "DRIFT"
    assert drifted(report) == {"missing_items": 3, "stale_items": 3, "wrong_group": 2, "duplicate_items": 2,
                               "missing_subitems": 3, "stale_subitems": 3}
    assert {e["business_key"] for e in report["examples"]["missing_items"]} == set(keys[0:3])
    stale = {e["business_key"]: e["differs"] for e in report["examples"]["stale_items"]}
    assert "numbers_total_qty: monday '99', SQL '30'" in stale[keys[3]]
    assert "date_eta" in stale[keys[4]] and "status_delivery: monday 'AIR', SQL 'SEA'" in stale[keys[5]]
    assert {e["item_id"] for e in report["examples"]["duplicate_items"]} == set(duplicates)
    assert "numbers_qty: monday '7', SQL '10'" in report["examples"]["stale_subitems"][0]["differs"]
    assert emulator.counters.mutation_requests == 0 and table_dump(config) == stored  # nothing written

    code, report = reconcile(capsys, "--repair")
    assert code == 0 and report["ok"] and report["unrepaired"] == {}
    assert {k: n for k, n in report["repaired"].items() if n} == drifted(report)
    assert report["sync"]["ok"] and report["passes"] == 1
    assert_mirror(config, emulator)
    assert [emulator.item(d)["state"] for d in duplicates] == ["archived", "archived"]
    assert emulator.counters.fields["delete_item"] == 0  # items are archived, never deleted

    emulator.reset_counters()
    code, report = reconcile(capsys, "--repair")  # a second repair finds nothing to do
    assert code == 0 and drifted(report) == {} and report["passes"] == 0 and report["sync"] is None
    assert emulator.counters.mutation_requests == 0
    again = run_sync(config, url=emulator.url, token=TOKEN)
    assert again.ok and again.records_written == 0 and emulator.counters.mutation_requests == 0


def test_an_emptied_board_is_rebuilt_whole_without_duplicates(synced, emulator, capsys):
    config = synced
    assert emulator.empty_board(BOARD) == 20
    # The rebuild sends exactly the first sync's requests again; monday replays a cached answer to a request
    # under the same Idempotency-Key for 30 minutes: let them pass.
    emulator.expire_answers()
    code, report = reconcile(capsys, "--repair")
    assert code == 0 and report["drift"]["missing_items"] == 20 and report["repaired"]["missing_items"] == 20
    assert report["sync"]["items_created"] == 20 and report["sync"]["subitems_created"] == 40
    assert_mirror(config, emulator)
    assert emulator.duplicates(BOARD, "text_sync_key") == {}
    code, text = main(["--config", str(DEFAULT_CONFIG), "reconcile"]), capsys.readouterr().out
    assert code == 0 and "drift: none" in text and "result: OK" in text


def test_extra_subitems_adoption_unarchived_and_orphans_and_a_customer_of_its_own(synced, emulator, capsys):
    config = synced
    orders = orders_in_store(config)
    greyson = sorted(k for k in orders if k.startswith("AAG-G"))
    title_nine = sorted(k for k in orders if k.startswith("AAG-T"))
    item = {key: order["monday_item_id"] for key, order in orders.items()}
    extra = emulator.add_subitem(item[greyson[0]], "XXL", values={"text_size": "XXL", "numbers_qty": "5"})
    twin = emulator.duplicate_item(item[greyson[1]])  # its twin survives when the order's own item is deleted
    emulator.delete_item(item[greyson[1]])
    group = board_items(emulator)[greyson[2]]["group_id"]
    orphan = emulator.add_item(BOARD, "made by hand", group_id=group, values={"text_sync_key": "NOT-ORDER"})
    with database(config) as db:  # an archived order whose item someone restored on monday
        db.execute('UPDATE "ORDER_LIST_V2" SET sync_state = ? WHERE business_key = ?', ("ARCHIVED",
                                                                                         title_nine[0]))

    code, report = reconcile(capsys, "--customer", "Greyson Clothiers")  # an alias
    assert code == 1 and report["customer"] == "GREYSON" and report["orders_compared"] == 10
    assert drifted(report) == {"missing_items": 1, "extra_subitems": 1, "orphan_items": 1}
    assert f"item {twin} holds its key and is adopted" in report["examples"]["missing_items"][0]["differs"]
    assert report["examples"]["extra_subitems"][0]["subitem_id"] == extra
    assert report["examples"]["orphan_items"][0]["item_id"] == orphan

    code, report = reconcile(capsys, "--repair")
    assert code == 1 and report["result"] == "NOT REPAIRED"  # the orphan is never touched
    assert drifted(report) == {"missing_items": 1, "extra_subitems": 1, "orphan_items": 1,
                               "unarchived_items": 1}
    assert {k: n for k, n in report["repaired"].items() if n} == {"missing_items": 1, "extra_subitems": 1,
                                                                  "unarchived_items": 1}
    assert [e["item_id"] for e in report["unrepaired"]["orphan_items"]] == [orphan]
    assert report["sync"]["items_created"] == 0  # the twin was adopted, with its subitems
    assert orders_in_store(config)[greyson[1]]["monday_item_id"] == twin
    assert emulator.item(orphan)["state"] == "active" and emulator.item(extra)["state"] == "deleted"
    assert emulator.item(item[title_nine[0]])["state"] == "archived"
    emulator.delete_item(orphan)
    assert_mirror(config, emulator)
    assert reconcile(capsys)[0] == 0


def test_an_unknown_customer_is_a_usage_error_naming_close_matches(synced, capsys):
    assert main(["--config", str(DEFAULT_CONFIG), "reconcile", "--customer", "GRAYSON"]) == 2
    assert "did you mean 'GREYSON'" in capsys.readouterr().err
    assert main(["--config", str(DEFAULT_CONFIG), "sync", "--customer", "Title Nien"]) == 2
    assert "did you mean 'TITLE NINE'" in capsys.readouterr().err


def test_a_repair_reports_its_syncs_requests_once(synced, emulator, capsys, monkeypatch):
    """The sync's figures are the client's requests while it ran, each counted once (not once per batch
    and once more by reconcile)."""
    config = synced
    orders = orders_in_store(config)
    keys = sorted(orders)
    for key in (*keys[:2], *keys[-2:]):  # of both customers: two batches that run side by side
        emulator.delete_item(orders[key]["monday_item_id"])
    sent = []

    async def counted(*args, **kwargs):
        before = emulator.counters.requests
        try:
            return await sync_pending(*args, **kwargs)
        finally:
            sent.append(emulator.counters.requests - before)

    monkeypatch.setattr(reconcile_run, "sync_pending", counted)
    code, report = reconcile(capsys, "--repair")
    assert code == 0 and report["sync"]["items_created"] == 4 and sent
    assert report["sync"]["requests"] == sum(sent) <= report["requests"]
