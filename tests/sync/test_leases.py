"""Claims as leases: a running batch keeps its orders past its lease because its heartbeat renews it, the
heartbeat ends with the batch, and a lease another worker took over stops the batch.

Real parts: the monday emulator (a slow create holds the batch for longer than its lease), SQLite files read
and written by a second connection in another thread, as another worker's would be. Leases of one second
(renewed every third of a second) keep the tests short.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import replace

from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.store import open_store
from shared.sync import run_sync, sync_batch
from shared.sync.planner import plan_batches, preview_batches, utc_now

from .mirror import (
    TOKEN,
    assert_mirror,
    board_items,
    fifty_orders,
    orders_in_store,
    sync_config,
    take_over,
    wait_until,
    write_order_list,
)

LEASE_SECONDS = 1
OTHER_WORKER = "other-worker"


async def sync_and_look_around(config, url, message):
    """One batch as a queue worker runs it; then the tasks its run left behind on the loop."""
    with open_store(config) as store:
        async with MondayClient(config, url=url, token=TOKEN) as client:
            summary = await sync_batch(config, store, client, message)
    return summary, asyncio.all_tasks() - {asyncio.current_task()}


def test_a_batch_outliving_its_lease_keeps_its_orders_and_its_heartbeat_ends_with_it(tmp_path, emulator):
    config = sync_config(tmp_path, lease_seconds=LEASE_SECONDS)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:3])])
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    slow_create = emulator.faults.add("slow", count=1, match="create_item", seconds=3 * LEASE_SECONDS)
    seen: list[tuple[set, list]] = []  # (claims on the orders, what another planner would take) in that time

    def another_planner_looks() -> None:
        wait_until(lambda: slow_create.fired)
        time.sleep(1.5 * LEASE_SECONDS)  # the lease taken with the batch has ended by now, unless renewed
        with open_store(config) as other:
            for _ in range(5):
                claims = {row["claim_id"] for row in orders_in_store(config).values()}
                seen.append((claims, preview_batches(config, other, now=utc_now())))
                time.sleep(0.1)

    looker = threading.Thread(target=another_planner_looks)
    looker.start()
    summary, left_running = asyncio.run(sync_and_look_around(config, emulator.url, message))
    looker.join()

    assert summary.ok and summary.items_created == 3
    assert len(seen) == 5
    for claims, free in seen:
        assert len(claims) == 1 and None not in claims and message.claim_id not in claims  # the worker's
        assert free == []  # nothing for another planner: the lease was renewed while monday was slow
    assert {row["claim_id"] for row in orders_in_store(config).values()} == {None}  # released at the end
    assert left_running == set()  # the heartbeat stopped with the batch: it renews nothing any more
    assert_mirror(config, emulator)


def test_a_lease_another_worker_took_over_stops_the_batch_and_leaves_the_orders_to_it(tmp_path, emulator,
                                                                                      caplog):
    config = sync_config(tmp_path, lease_seconds=LEASE_SECONDS)
    config = replace(config, monday=replace(config.monday, mutations_per_request=2,
                                            max_concurrent_requests=1))
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:10])])
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    slow_create = emulator.faults.add("slow", count=1, match="create_item", seconds=2 * LEASE_SECONDS)

    def another_worker_takes_over() -> None:
        """The lease lapsed (a stalled worker) and another worker's planner claimed the orders."""
        wait_until(lambda: slow_create.fired)
        take_over(config, OTHER_WORKER)

    taker = threading.Thread(target=another_worker_takes_over)
    taker.start()
    caplog.set_level(logging.WARNING)
    summary, left_running = asyncio.run(sync_and_look_around(config, emulator.url, message))  # never raises
    taker.join()

    assert "its lease lapsed and another worker took its orders over" in caplog.text
    assert emulator.counters.items_created <= 2 < 10  # it stopped at the first request: no more were sent
    assert summary.items_created == 0 and left_running == set()
    orders = orders_in_store(config)
    assert {(order["claim_id"], order["sync_state"]) for order in orders.values()} == {(OTHER_WORKER, "NEW")}

    with open_store(config) as other:  # the other worker dies; its claim ends; the next sync finishes the job
        other.release_claim(OTHER_WORKER)
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    assert len(board_items(emulator)) == 10  # what the stopped batch made was adopted, not made twice
    assert_mirror(config, emulator)
