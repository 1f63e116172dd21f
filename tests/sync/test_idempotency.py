"""At-least-once delivery: concurrent planners, duplicate deliveries, a worker killed half-way, racing groups.

Real parts only: the monday emulator, SQLite files shared by several connections (threads, a subprocess).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.store import open_store
from shared.sync import run_sync, sync_batch
from shared.sync.planner import BatchMessage, plan_batches, utc_now

from ..conftest import ROOT
from .mirror import (
    BOARD,
    SAMPLES,
    TOKEN,
    assert_mirror,
    board_items,
    database,
    fifty_orders,
    lines_in_store,
    orders_in_store,
    sync_config,
    write_order_list,
    writes,
)


def plan_at_once(config, workers: int) -> list[list[BatchMessage]]:
    """``workers`` planners, each with its own store connection, started at the same moment."""
    start = threading.Barrier(workers)

    def plan() -> list[BatchMessage]:
        with open_store(config) as store:
            start.wait()
            return plan_batches(config, store)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda _: plan(), range(workers)))


def deliver_at_once(config, url: str, messages: list[BatchMessage]):
    """Each message handed to its own worker (own thread, store connection and client), all at one moment."""
    start = threading.Barrier(len(messages))

    def work(message: BatchMessage):
        async def run():
            with open_store(config) as store:
                async with MondayClient(config, url=url, token=TOKEN) as client:
                    start.wait()
                    return await sync_batch(config, store, client, message)
        return asyncio.run(run())

    with ThreadPoolExecutor(len(messages)) as pool:
        return list(pool.map(work, messages))


def test_concurrent_planners_claim_disjoint_orders_and_expired_claims_come_back(tmp_path):
    config = sync_config(tmp_path, orders_per_message=7)
    ingest_files(config, SAMPLES[:2])
    with database(config) as db:
        total = db.execute('SELECT COUNT(*) FROM "ORDER_LIST_V2"').fetchone()[0]

    first, second = plan_at_once(config, 2)
    planned = [uuid for message in first + second for uuid in message.record_uuids]
    assert len(planned) == len(set(planned)) == total  # every order planned once, by one planner
    for message in first + second:
        assert len(message.record_uuids) <= 7
        with database(config) as db:
            customers = {row[0] for row in db.execute(
                f'SELECT "CUSTOMER NAME" FROM "ORDER_LIST_V2" WHERE record_uuid IN '
                f'({", ".join("?" * len(message.record_uuids))})', message.record_uuids)}
        assert customers == {message.customer}

    with open_store(config) as store:
        assert plan_batches(config, store) == []  # all claimed
        later = utc_now() + timedelta(seconds=config.sync.claim_timeout_seconds + 1)
        again = plan_batches(config, store, now=later)  # the workers never came: the claims expired
    assert sorted(u for m in again for u in m.record_uuids) == sorted(planned)


def test_limit_and_customer_narrow_the_plan(tmp_path):
    config = sync_config(tmp_path)
    ingest_files(config, SAMPLES)
    with open_store(config) as store:
        messages = plan_batches(config, store, customer="greyson clothiers", limit=5)  # an alias
    assert [m.customer for m in messages] == ["GREYSON"] and len(messages[0].record_uuids) == 5


def test_every_message_delivered_twice_at_the_same_moment(tmp_path, emulator):
    config = sync_config(tmp_path, orders_per_message=20)
    ingest_files(config, SAMPLES[:2])
    with open_store(config) as store:
        messages = plan_batches(config, store)

    summaries = deliver_at_once(config, emulator.url, [m for m in messages for _ in range(2)])

    assert all(summary.ok for summary in summaries)
    for message, first, second in zip(messages, summaries[::2], summaries[1::2], strict=True):
        # One worker did the batch; its twin either found the claim taken (skipped) or came after the claim
        # was released and found every row SYNCED: it wrote nothing either way.
        done, idle = sorted((first, second), key=lambda summary: summary.records_written, reverse=True)
        assert done.orders == len(message.record_uuids) and done.records_written > 0 and done.requests > 0
        assert idle.records_written == 0 and (idle.batches_skipped == 1 or idle.orders > 0)
    assert_mirror(config, emulator)  # one item per order, one subitem per line, every id in SQL

    before = writes(emulator)  # a late redelivery, after the work is done, writes nothing
    late = deliver_at_once(config, emulator.url, messages[:1])
    assert late[0].records_written == 0 and writes(emulator) == before


WORKER = """
import asyncio, os, sys
from shared.config import load_config
from shared.monday.client import MondayClient
from shared.sync.planner import BatchMessage
from shared.store.order_store import open_store
from shared.sync.engine import sync_batch

config = load_config(sys.argv[1])

async def main():
    with open_store(config) as store:
        if len(sys.argv) > 4:  # a store method named here kills the worker when it is called (exit code 3)
            setattr(store, sys.argv[4], lambda *args, **kwargs: os._exit(3))
        async with MondayClient(config, url=sys.argv[3], token="worker") as client:
            await sync_batch(config, store, client, BatchMessage.from_json(sys.argv[2]))

asyncio.run(main())
"""


@pytest.mark.parametrize("hang_on", ["create_item", "create_subitem"])
def test_worker_killed_half_way_leaves_no_duplicate_and_nothing_missing(tmp_path, emulator, hang_on):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:10])])
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    # monday applies the request, then the answer never comes: the worker is killed while it waits.
    emulator.faults.add("hang_after", count=1, match=hang_on, seconds=10)
    counter = "items_created" if hang_on == "create_item" else "subitems_created"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(config.path), message.to_json(), emulator.url], cwd=ROOT,
        env={**os.environ, "ORDERSYNC_DATABASE": config.environment.database, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while getattr(emulator.counters, counter) == 0 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.01)
    assert getattr(emulator.counters, counter) > 0, worker.stderr.read() if worker.poll() is not None else ""
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    with open_store(config) as store:
        assert plan_batches(config, store) == []  # the dead worker's claim still holds
        later = utc_now() + timedelta(seconds=config.sync.claim_timeout_seconds + 1)
        (retry,) = plan_batches(config, store, now=later)  # ... until it expires
    emulator.faults.clear()
    before = writes(emulator)
    summary = asyncio.run(_sync_one(config, emulator.url, retry))

    assert summary.ok
    assert_mirror(config, emulator)  # exactly one item per order, one subitem per size, ids in SQL
    assert len(board_items(emulator)) == 10
    if hang_on == "create_item":  # the items monday made were found by key, not made again
        assert summary.items_adopted == 10 and summary.items_created == 0 and summary.subitems_created == 20
        assert emulator.counters.items_created == before["items_created"]
    else:  # the subitems monday made were found under their parents, already showing the right values
        assert summary.subitems_adopted == 20 and summary.subitems_created == 0
        assert writes(emulator) == before  # adopted without a single write


async def _sync_one(config, url, message):
    with open_store(config) as store:
        async with MondayClient(config, url=url, token=TOKEN) as client:
            return await sync_batch(config, store, client, message)


def test_results_are_written_back_while_the_batch_is_still_running(tmp_path, emulator):
    config = sync_config(tmp_path)
    monday = replace(config.monday, mutations_per_request=5, max_concurrent_requests=1)
    config = replace(config, monday=monday)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:10])])  # 30 sizes
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    seen = []

    def third_subitem_request(request) -> bool:
        if request.fields[:1] == ("create_subitem",):
            seen.append(len(request.aliases))
        return len(seen) == 3

    emulator.faults.add("slow", match=third_subitem_request, seconds=2.0)
    worker = threading.Thread(target=lambda: asyncio.run(_sync_one(config, emulator.url, message)))
    worker.start()
    deadline = time.monotonic() + 30
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    # monday holds the third subitem request (2 s): meanwhile the first two requests' answers are saved
    # (each handed to the store's thread as it came: saved within moments, not at the batch's end)
    def synced_lines() -> list[dict]:
        return [line for line in lines_in_store(config) if line["sync_state"] == "SYNCED"]

    while len(synced_lines()) < seen[0] + seen[1] and time.monotonic() < deadline:
        time.sleep(0.01)
    synced = synced_lines()
    assert worker.is_alive() and len(seen) == 3
    assert len(synced) == seen[0] + seen[1] > 0 and all(line["monday_subitem_id"] for line in synced)
    assert {o["sync_state"] for o in orders_in_store(config).values()} == {"SYNCED"}
    worker.join()
    assert_mirror(config, emulator)


def test_batches_of_one_customer_at_the_same_moment_create_each_group_once(tmp_path, emulator):
    config = sync_config(tmp_path, orders_per_message=5)
    rows = fifty_orders()[:20]
    for row in rows[10:]:
        row[2] = "FW27"  # two seasons: two group titles, each needed by several batches
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", rows)])
    with open_store(config) as store:
        messages = plan_batches(config, store)
    assert len(messages) == 4 and {m.customer for m in messages} == {"GREYSON"}

    summaries = deliver_at_once(config, emulator.url, messages)

    assert all(summary.ok for summary in summaries)
    titles = [group["title"] for group in emulator.groups(BOARD)]
    assert sorted(titles) == ["GREYSON FW27", "GREYSON SS27", "Group Title"]
    assert emulator.counters.groups_created == 2
    assert sorted(t for s in summaries for t in s.groups_created) == ["GREYSON FW27", "GREYSON SS27"]
    assert_mirror(config, emulator)


def test_size_dropped_while_its_subitem_was_being_made_is_removed_again(tmp_path, emulator):
    config = sync_config(tmp_path)
    rows = fifty_orders()[:1]
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", rows)])
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    emulator.faults.add("slow", count=1, match="create_subitem", seconds=1.0)

    def overrun_and_drop_size_s() -> None:
        # The worker overran its claim (it expired), and meanwhile a file arrives without size S: the store
        # drops the line, which never reached monday as far as the store knows.
        with database(config) as db:
            db.execute('UPDATE "ORDER_LIST_V2" SET claimed_until = ?', ("2000-01-01T00:00:00.000000+00:00",))
        rows[0][9:12] = [None, 20, 20]
        ingest_files(config, [write_order_list(tmp_path / "greyson-2.xlsx", rows)])

    timer = threading.Timer(0.3, overrun_and_drop_size_s)
    timer.start()
    summary = asyncio.run(_sync_one(config, emulator.url, message))
    timer.join()

    assert summary.ok and summary.subitems_created == 2 and summary.subitems_deleted == 1
    (item,) = board_items(emulator).values()
    assert [sub["name"] for sub in emulator.subitems(item["id"])] == ["M"]  # S was removed again
    assert run_sync(config, url=emulator.url, token=TOKEN).ok  # the item's new TOTAL QTY
    assert_mirror(config, emulator)
