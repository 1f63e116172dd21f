"""The sync half of complete order lists and group moves, against the emulator and a SQLite file: an order
whose season changed moves to its new group in the same sync that updates it; REMOVED orders (set directly in
the store, as an ingest of a complete list will) have their items archived, never deleted, and end ARCHIVED;
a changed business key is the old order archived and the new one created."""

from __future__ import annotations

from shared.excel import ingest_files
from shared.sync import run_sync

from .mirror import (
    BOARD,
    CUSTOMERS,
    TOKEN,
    assert_mirror,
    database,
    order_rows,
    orders_in_store,
    sync_config,
    write_order_list,
)


def key(customer: str, n: int, method: str = "SEA") -> str:
    return f"AAG-{CUSTOMERS[customer]}{n}|{method}|ST-{n}"


def set_removed(config, *keys: str) -> None:
    with database(config) as db:
        db.executemany('UPDATE "ORDER_LIST_V2" SET sync_state = \'REMOVED\' WHERE business_key = ?',
                       [(k,) for k in keys])


def test_one_sync_moves_changed_seasons_archives_removed_orders_and_applies_the_rest(tmp_path, emulator):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "week1.xlsx", order_rows())])
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    before = orders_in_store(config)

    # Week 2: order 0 of each customer moves to FW27, order 1 gets another quantity, GREYSON order 4 goes
    # by TRUCK now (a new business key), GREYSON order 6 is new. Orders 2 and 3 of each customer, the old key
    # of GREYSON order 4 and the new order 6 (never synced) are gone from the complete list: REMOVED.
    week2 = order_rows(season=lambda c, n: "FW27" if n == 0 else "SS27",
                       method=lambda c, n: "TRUCK" if (c, n) == ("GREYSON", 4) else "SEA",
                       small=lambda c, n: 15 if n == 1 else 10, numbers=(0, 1, 4, 5, 6))
    ingest_files(config, [write_order_list(tmp_path / "week2.xlsx", week2)])
    removed = [key(c, n) for c in CUSTOMERS for n in (2, 3)] + [key("GREYSON", 4), key("GREYSON", 6)]
    set_removed(config, *removed)

    preview = run_sync(config, url=emulator.url, token=TOKEN, dry_run=True)
    assert (preview.items_moved, preview.items_archived, preview.orders_forgotten) == (2, 5, 1)
    assert emulator.counters.fields["archive_item"] == 0 and emulator.counters.items_moved == 0

    emulator.reset_counters()
    summary = run_sync(config, url=emulator.url, token=TOKEN)
    assert summary.ok and summary.result == "OK"
    assert (summary.items_moved, summary.items_archived, summary.orders_forgotten) == (2, 5, 1)
    assert (summary.items_created, summary.items_updated) == (2, 4)  # G4 by TRUCK, T6; 2 moved + 2 qty
    assert sorted(summary.groups_created) == ["GREYSON FW27", "TITLE NINE FW27"]
    counters = emulator.counters
    assert counters.fields["move_item_to_group"] == 2 and counters.fields["archive_item"] == 5
    assert counters.fields["delete_item"] == 0  # an order's item is archived, never deleted

    orders = orders_in_store(config)
    assert {o["sync_state"] for o in orders.values()} == {"SYNCED", "ARCHIVED"}
    assert sorted(k for k, o in orders.items() if o["sync_state"] == "ARCHIVED") == sorted(removed)
    for gone in removed[:-1]:  # the archived item keeps its id in the store, and sits in monday's archive
        assert orders[gone]["monday_item_id"] == before[gone]["monday_item_id"]
        assert emulator.item(before[gone]["monday_item_id"])["state"] == "archived"
    moved = emulator.item(orders[key("GREYSON", 0)]["monday_item_id"])
    assert moved["id"] == before[key("GREYSON", 0)]["monday_item_id"]  # the same item, in its new group
    assert {g["id"]: g["title"] for g in emulator.groups(BOARD)}[moved["group_id"]] == "GREYSON FW27"
    assert_mirror(config, emulator)

    emulator.reset_counters()
    again = run_sync(config, url=emulator.url, token=TOKEN)
    assert again.ok and again.orders == 0 and emulator.counters.mutations == 0


def test_a_refused_move_or_archive_fails_its_order_alone_and_an_item_already_gone_counts_as_archived(
        tmp_path, emulator):
    config = sync_config(tmp_path, retry_base_seconds=0)
    ingest_files(config, [write_order_list(tmp_path / "week1.xlsx", order_rows(numbers=range(3)))])
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    before = orders_in_store(config)
    week2 = order_rows(season=lambda c, n: "FW27", numbers=range(3))  # every order moves
    ingest_files(config, [write_order_list(tmp_path / "week2.xlsx", week2)])
    set_removed(config, key("GREYSON", 2), key("TITLE NINE", 2))
    emulator.delete_item(before[key("TITLE NINE", 2)]["monday_item_id"])  # gone by hand already
    emulator.faults.add("fail_alias", match="move_item_to_group", alias="m0", code="InvalidArgumentException",
                        message="the group is locked by an automation")
    emulator.faults.add("fail_alias", match="archive_item", alias="m0", code="InvalidArgumentException",
                        message="archiving is not allowed")

    summary = run_sync(config, url=emulator.url, token=TOKEN)
    assert not summary.ok and summary.result == "PARTIAL"
    failures = sorted((f.record, f.message) for f in summary.failed)
    assert failures == [("item", "the group is locked by an automation"),
                        ("item archive", "archiving is not allowed")]
    assert "result: PARTIAL (2 records failed)" in summary.render()
    orders = orders_in_store(config)
    not_moved = next(k for k, o in orders.items() if o["sync_state"] == "FAILED")
    item = emulator.item(orders[not_moved]["monday_item_id"])
    assert item["values"]["text_season"] == "SS27"  # a failed move sends no update: the order stays whole
    assert orders[not_moved]["sync_error"] == "the group is locked by an automation"
    archive_failed = [k for k, o in orders.items() if o["sync_state"] == "REMOVED"]
    assert len(archive_failed) == 1 and orders[archive_failed[0]]["sync_attempts"] == 1
    assert sum(o["sync_state"] == "ARCHIVED" for o in orders.values()) == 1  # the one gone by hand

    # The retry sends the very same requests; monday replays a cached answer (here the refusal) to the same
    # Idempotency-Key for 30 minutes: let them pass. Retries are due at once (retry_base_seconds 0).
    emulator.expire_answers()
    retried = run_sync(config, url=emulator.url, token=TOKEN)
    assert retried.ok and (retried.items_moved, retried.items_archived) == (1, 1)
    assert {o["sync_state"] for o in orders_in_store(config).values()} == {"SYNCED", "ARCHIVED"}
    assert_mirror(config, emulator)
