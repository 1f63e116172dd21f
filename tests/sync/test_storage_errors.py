"""A store that cannot write (disk full, read-only) ends a sync with a clear message, its claims released; a
group lock that never comes free ends it too. Real SQLite errors: ``PRAGMA max_page_count`` makes the file
full, ``PRAGMA query_only`` makes it read-only; no mocks.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from shared.common.errors import StoreError
from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.store import open_store
from shared.sync import groups, plan_batches, sync_batch
from shared.sync.groups import GroupTitles
from shared.sync.planner import utc_now
from shared.sync.summary import RunSummary

from .mirror import BOARD, TOKEN, fifty_orders, sync_config, write_order_list

GIVE_UP_SECONDS = 10  # the old code looped for ever: a run still going after this is the bug


def fill_the_groups_table(store) -> None:
    """No page may be added to the file, and the groups table's pages hold no room for another row: the next
    new group title meets SQLITE_FULL, while rows that do not grow (the claims) are still written."""
    (pages,) = store.run_in_transaction(lambda: store.query("PRAGMA page_count"))[0]
    store.run_in_transaction(lambda: store.query(f"PRAGMA max_page_count = {int(pages)}"))
    for title_length in (100, 1):  # large rows first, then small ones fill what is left
        for number in range(10_000):
            try:
                store.run_in_transaction(lambda n=number, t=title_length: store.execute(
                    f"INSERT INTO {store.groups_table} (board_id, title_key, title) VALUES (?, ?, ?)",
                    ("b", f"{t}:{n}", "f" * t)))
            except StoreError as exc:
                assert "full" in str(exc)
                break
        else:
            pytest.fail("the groups table never filled up")


def pending_claims(config) -> list:
    with open_store(config) as store:
        return store.run_in_transaction(lambda: store.query(
            f"SELECT claim_id FROM {store.orders_table} WHERE claim_id IS NOT NULL"))


async def sync_one(config, store, emulator, message):
    async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
        return await asyncio.wait_for(sync_batch(config, store, client, message), GIVE_UP_SECONDS)


def test_a_full_disk_ends_the_sync_with_a_clear_message_and_releases_the_claims(tmp_path, emulator):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:3])])
    started = time.monotonic()
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
        fill_the_groups_table(store)
        with pytest.raises(StoreError, match="sqlite database error: database or disk is full"):
            asyncio.run(sync_one(config, store, emulator, message))

    assert time.monotonic() - started < GIVE_UP_SECONDS
    assert pending_claims(config) == []  # the orders are free for the next run
    assert emulator.items(BOARD) == [] and [g["title"] for g in emulator.groups(BOARD)] == ["Group Title"]


def test_a_read_only_database_refuses_the_group_lock_at_once(tmp_path):
    config = sync_config(tmp_path)
    with open_store(config) as store:
        store.run_in_transaction(lambda: store.query("PRAGMA query_only = ON"))
        now = utc_now()
        with pytest.raises(StoreError, match="readonly database"):
            store.lock_group(BOARD, "GREYSON SS27", "worker", now, now + timedelta(minutes=2))


def test_a_group_lock_held_past_the_wait_ends_the_batch_naming_the_title(tmp_path, emulator, monkeypatch):
    config = sync_config(tmp_path)
    monkeypatch.setattr(groups, "GROUP_LOCK_WAIT_SECONDS", 0.3)
    with open_store(config) as store:
        now = utc_now()
        assert store.lock_group(BOARD, "GREYSON SS27", "a-stuck-worker", now, now + timedelta(hours=1))[0]

        async def find_group() -> dict[str, str]:
            async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
                titles = GroupTitles(config, store, client, RunSummary(), dry_run=False)
                return await asyncio.wait_for(titles.ids_for(["GREYSON SS27"]), GIVE_UP_SECONDS)

        with pytest.raises(StoreError, match="group 'GREYSON SS27' of board 9609317401: its lock .* not free "
                                             "within 0.3 s"):
            asyncio.run(find_group())
    assert [g["title"] for g in emulator.groups(BOARD)] == ["Group Title"]
