"""The store for async code (``AsyncStore``): calls run on the store's thread in the order they are made, a
call once made runs to its end even when its awaiter gives up, and a failed write-back stops those after it.

Real SQLite files; a second connection holding the write lock makes the store's calls wait, as another
process's transaction would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import timedelta

import pytest

from shared.common.errors import StoreError
from shared.config import load_config
from shared.store import open_store
from shared.store.off_loop import AsyncStore
from shared.sync.planner import utc_now

from ..conftest import DEFAULT_CONFIG
from .test_store import make_batch, make_order


@pytest.fixture
def database(tmp_path):
    return tmp_path / "orders.db"


@pytest.fixture
def store(database):
    config = load_config(DEFAULT_CONFIG)
    environment = dataclasses.replace(config.environment, database=f"sqlite:///{database}")
    with open_store(dataclasses.replace(config, environment=environment)) as opened:
        yield opened


def test_a_call_runs_in_order_even_when_its_awaiter_gives_up(store, database):
    store.apply_ingest(make_batch(make_order("A"), make_order("B"), make_order("C")))
    uuids = [order.record_uuid for order in store.orders_by_key(["A", "B", "C"]).values()]
    other = sqlite3.connect(database, isolation_level=None)

    async def main() -> tuple[int, bool]:
        calls = AsyncStore.of(store)
        other.execute("BEGIN IMMEDIATE")  # the store's calls wait for this lock, on the store's thread
        now = utc_now()
        waiting = calls.release_claim("someone else")  # runs first: waits for the lock
        claim = calls.claim_orders(uuids, "worker", now, now + timedelta(minutes=1))  # made, not started
        release = calls.release_claim("worker")
        claim.cancel()  # its awaiter gives up (a batch cancelled mid-write)
        await asyncio.sleep(0.2)  # the loop runs while the store waits
        waited = not waiting.done()
        other.execute("ROLLBACK")
        return await release, waited

    released, waited = asyncio.run(main())
    assert waited
    assert released == 3  # the claim was made all the same, and released after it: never the other way round
    assert store.run_in_transaction(lambda: store.query(
        f"SELECT COUNT(*) FROM {store.orders_table} WHERE claim_id IS NOT NULL")) == [(0,)]


def test_a_failed_write_back_is_raised_by_settled_and_stops_the_write_backs_after_it(store):
    order = make_order("A")
    store.apply_ingest(make_batch(order))
    (record_uuid,) = [row.record_uuid for row in store.orders_by_key(["A"]).values()]
    now = utc_now()
    store.claim_orders([record_uuid], "worker", now, now + timedelta(minutes=1))
    store.run_in_transaction(lambda: store.query("PRAGMA query_only = ON"))  # e.g. a full disk

    async def main() -> None:
        claimed = AsyncStore.of(store).claimed_by("worker")
        claimed.order_synced(record_uuid, "item-1", "group", order.row_hash, now)  # from a result callback
        with pytest.raises(StoreError, match="readonly"):
            await claimed.settled()
        with pytest.raises(StoreError, match="readonly"):  # the next result stops the monday call at once
            claimed.order_failed(record_uuid, order.row_hash, "refused", 1, None, now)

    asyncio.run(main())
