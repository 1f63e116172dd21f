"""The sync engine against the monday emulator (a real aiohttp server on 127.0.0.1) and SQLite files.

Acceptance scenarios: (a) samples mirrored exactly and a second run writes nothing, (b) a modified workbook
writes only what changed, (d) one bad order fails alone and is parked after max_attempts, (e) a dry run
writes nothing and says what it would do.
"""

from __future__ import annotations

import asyncio

from shared.excel import ingest_files
from shared.monday import MondayClient, SubitemDelete
from shared.store import open_store
from shared.sync import run_sync

from ..sample_files import load_make_samples
from .mirror import (
    BOARD,
    SAMPLES,
    TOKEN,
    assert_mirror,
    board_items,
    fifty_orders,
    lines_in_store,
    orders_in_store,
    sync_config,
    table_dump,
    write_order_list,
    writes,
)


# -- (a) ---------------------------------------------------------------------------------------------------
def test_samples_are_mirrored_exactly_and_a_second_run_writes_nothing(tmp_path, emulator):
    config = sync_config(tmp_path)
    ingest_files(config, SAMPLES)
    summary = run_sync(config, url=emulator.url, token=TOKEN)

    orders, lines = orders_in_store(config), lines_in_store(config)
    assert summary.ok and summary.failed == []
    assert (summary.items_created, summary.subitems_created) == (len(orders), len(lines))
    assert all(line["qty"] > 0 for line in lines)  # one subitem per non-zero size
    assert_mirror(config, emulator)
    titles = [group["title"] for group in emulator.groups(BOARD)]
    assert len(titles) == len(set(titles))
    assert sorted(summary.groups_created) == sorted(set(titles) - {"Group Title"})
    assert summary.requests > 0 and summary.complexity > 0 and summary.rate_limited == 0
    assert summary.to_dict()["records_written"] == len(orders) + len(lines)

    before = writes(emulator)
    again = run_sync(config, url=emulator.url, token=TOKEN)
    assert again.ok and again.records_written == 0 and again.orders == 0
    assert writes(emulator) == before


# -- (b) ---------------------------------------------------------------------------------------------------
def test_modified_workbook_writes_only_what_changed(tmp_path, emulator):
    config = sync_config(tmp_path)
    ingest_files(config, SAMPLES)
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    before_orders = orders_in_store(config)
    before_items = {key: dict(item) for key, item in board_items(emulator).items()}

    modified = tmp_path / "johnnie_o.xlsx"
    change = load_make_samples().write_modified_copy("johnnie_o.xlsx", modified)
    report = ingest_files(config, [modified]).files[0]
    assert (report.new, report.changed) == (1, len({change.quantity_changed[0], change.size_zeroed[0],
                                                     change.eta_moved[0]}))
    emulator.reset_counters()
    summary = run_sync(config, url=emulator.url, token=TOKEN)

    assert summary.ok
    new_order_lines = [line for line in lines_in_store(config)
                       if line["record_uuid"] not in {o["record_uuid"] for o in before_orders.values()}]
    assert (summary.items_created, summary.items_updated) == (1, report.changed)
    assert (summary.subitems_created, summary.subitems_updated, summary.subitems_deleted) == (
        len(new_order_lines), 1, 1)
    counters = emulator.counters
    assert counters.fields["create_item"] == 1
    assert counters.fields["create_subitem"] == len(new_order_lines)
    assert counters.fields["change_multiple_column_values"] == report.changed + 1  # items + the qty subitem
    assert counters.fields["delete_item"] == 1
    assert counters.fields["create_group"] == 0

    assert_mirror(config, emulator)  # the zeroed size's subitem is gone, the changed values are on the board
    after_items = board_items(emulator)
    touched = {key for key, order in orders_in_store(config).items()
               if key not in before_orders or order["row_hash"] != before_orders[key]["row_hash"]}
    assert len(touched) == 1 + report.changed
    for key, item in before_items.items():
        if key not in touched:  # nothing else was touched
            assert after_items[key] == item


# -- (d) ---------------------------------------------------------------------------------------------------
def test_one_bad_order_fails_alone_and_is_parked_after_max_attempts(tmp_path, emulator):
    config = sync_config(tmp_path, max_attempts=3, retry_base_seconds=0)  # retries are due at once
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders(bad_method_at=7))])
    bad_key = "AAG-0007|BOAT|ST-7"

    first = run_sync(config, url=emulator.url, token=TOKEN)
    assert not first.ok
    failures = [(f.business_key, f.record, f.attempts, f.parked) for f in first.failed]
    assert failures == [(bad_key, "item", 1, False)]
    assert "BOAT" in first.failed[0].message and "status_delivery" in first.failed[0].message
    assert first.items_created == 49 and first.subitems_created == 98  # the neighbours are all there
    orders = orders_in_store(config)
    assert orders[bad_key]["sync_state"] == "FAILED" and orders[bad_key]["monday_item_id"] is None
    assert "BOAT" in orders[bad_key]["sync_error"] and orders[bad_key]["sync_attempts"] == 1
    assert sum(order["sync_state"] == "SYNCED" for order in orders.values()) == 49
    with open_store(config) as store:
        (failed,) = store.status()["failed_orders"]
    assert failed["business_key"] == bad_key and "BOAT" in failed["last_error"] and not failed["parked"]

    second = run_sync(config, url=emulator.url, token=TOKEN)
    assert second.orders == 1 and second.failed[0].attempts == 2 and not second.parked
    third = run_sync(config, url=emulator.url, token=TOKEN)
    assert third.failed[0].attempts == 3 and third.failed[0].parked and third.parked == [bad_key]
    assert "parked" in third.render()
    assert "result: PARTIAL (1 records failed, 1 of them now parked)" in third.render()
    with open_store(config) as store:
        (failed,) = store.status()["failed_orders"]
    assert failed["parked"] and failed["attempts"] == 3 and failed["next_attempt_at"] is None

    before = writes(emulator)
    fourth = run_sync(config, url=emulator.url, token=TOKEN)  # parked: left for a person
    assert fourth.orders == 0 and fourth.ok and writes(emulator) == before
    assert len(board_items(emulator)) == 49

    # A person fixes the row and ingests it again: the order is tried afresh and syncs.
    fixed = fifty_orders()
    fixed[7][5] = "AIR"
    ingest_files(config, [write_order_list(tmp_path / "greyson-fixed.xlsx", fixed)])
    fifth = run_sync(config, url=emulator.url, token=TOKEN)
    assert fifth.ok and fifth.items_created == 1 and fifth.subitems_created == 2


def test_items_and_subitems_deleted_on_the_board_are_made_again(tmp_path, emulator):
    config = sync_config(tmp_path)
    rows = fifty_orders()[:5]
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", rows)])
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    items = board_items(emulator)
    deleted_item = items["AAG-0000|SEA|ST-0"]["id"]
    deleted_subitem = next(sub["id"] for sub in emulator.subitems(items["AAG-0001|SEA|ST-1"]["id"])
                           if sub["name"] == "S")

    async def person_deletes() -> None:  # someone deletes them on monday
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            results = await client.delete_subitems([SubitemDelete("item", deleted_item),
                                                    SubitemDelete("subitem", deleted_subitem)])
            assert all(result.ok for result in results)

    asyncio.run(person_deletes())
    rows[0][9], rows[1][9], rows[1][11] = 11, 12, 32  # both orders change after that: updates are due
    rows[0][11] = 31
    ingest_files(config, [write_order_list(tmp_path / "greyson-2.xlsx", rows)])
    summary = run_sync(config, url=emulator.url, token=TOKEN)

    assert summary.ok and summary.missing_on_board >= 2
    assert summary.items_created == 1 and summary.subitems_created == 3  # the item's 2 sizes + the lost one
    assert "deleted on the board by hand" in summary.render()
    assert_mirror(config, emulator)  # one item per order again, every size a subitem, every id in SQL
    assert orders_in_store(config)["AAG-0000|SEA|ST-0"]["monday_item_id"] != deleted_item
    assert run_sync(config, url=emulator.url, token=TOKEN).records_written == 0


def test_failed_retry_waits_for_its_backoff(tmp_path, emulator):
    config = sync_config(tmp_path, retry_base_seconds=3600)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders(bad_method_at=0)[:2])])
    assert len(run_sync(config, url=emulator.url, token=TOKEN).failed) == 1
    order = orders_in_store(config)["AAG-0000|BOAT|ST-0"]
    assert order["next_attempt_at"] > order["updated_at"]
    assert run_sync(config, url=emulator.url, token=TOKEN).orders == 0  # not due for an hour


# -- (e) ---------------------------------------------------------------------------------------------------
def test_dry_run_writes_nothing_and_reports_what_it_would_do(tmp_path, emulator):
    config = sync_config(tmp_path)
    ingest_files(config, SAMPLES[:2])
    before_db = table_dump(config)
    preview = run_sync(config, url=emulator.url, token=TOKEN, dry_run=True)
    assert table_dump(config) == before_db
    assert emulator.counters.mutations == 0 and emulator.items(BOARD) == []
    orders, lines = orders_in_store(config), lines_in_store(config)
    assert preview.dry_run and preview.ok
    assert (preview.items_created, preview.subitems_created) == (len(orders), len(lines))
    expected_titles = {config.orders.group_name.render(order) for order in orders.values()}
    assert sorted(preview.groups_created) == sorted(expected_titles)
    assert "would be created" in preview.render()

    real = run_sync(config, url=emulator.url, token=TOKEN)  # the preview claimed nothing: all still pending
    assert (real.items_created, real.subitems_created, sorted(real.groups_created)) == (
        preview.items_created, preview.subitems_created, sorted(preview.groups_created))

    modified = tmp_path / "greyson_title_nine.xlsx"
    load_make_samples().write_modified_copy("greyson_title_nine.xlsx", modified)
    ingest_files(config, [modified])
    before_db, before_writes = table_dump(config), writes(emulator)
    preview = run_sync(config, url=emulator.url, token=TOKEN, dry_run=True)
    assert table_dump(config) == before_db and writes(emulator) == before_writes
    assert (preview.items_created, preview.subitems_updated, preview.subitems_deleted) == (1, 1, 1)
    assert preview.items_updated >= 1 and preview.groups_created == []
    real = run_sync(config, url=emulator.url, token=TOKEN)
    assert (real.items_created, real.items_updated, real.subitems_updated, real.subitems_deleted) == (
        preview.items_created, preview.items_updated, preview.subitems_updated, preview.subitems_deleted)
