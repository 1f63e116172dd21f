"""A worker that outlives its claim: another worker took the orders over while monday was still writing them.

Real parts: the monday emulator (a slow create_item holds the first worker while a second one takes over), a
SQLite file shared by the worker and the second worker's connection in another thread.
"""

from __future__ import annotations

import logging
import threading

from shared.excel import ingest_files
from shared.store import open_store
from shared.sync import run_sync

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

SECOND_WORKER = "second-worker"


def test_a_worker_that_outlived_its_claim_keeps_the_ids_and_leaves_the_state_to_the_new_holder(
        tmp_path, emulator, caplog):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:3])])
    slow_create = emulator.faults.add("slow", match="create_item", seconds=1.0)

    def second_worker_takes_over() -> None:
        """While monday makes the items, the claim expires and another worker's planner claims the orders."""
        wait_until(lambda: slow_create.fired, 10)
        take_over(config, SECOND_WORKER)

    second = threading.Thread(target=second_worker_takes_over)
    second.start()
    caplog.set_level(logging.WARNING)
    first = run_sync(config, url=emulator.url, token=TOKEN)
    second.join()

    assert first.items_created == 3 and first.subitems_created == 6  # monday did make them
    orders = orders_in_store(config)
    items = board_items(emulator)
    for key, order in orders.items():  # the ids are kept (no twin later), the state is the holder's
        assert (order["sync_state"], order["claim_id"], order["monday_item_id"]) == (
            "NEW", SECOND_WORKER, items[key]["id"])
    assert "3 of its orders were taken over by another worker" in caplog.text

    with open_store(config) as other:  # the second worker dies; its claim expires
        other.release_claim(SECOND_WORKER)
    again = run_sync(config, url=emulator.url, token=TOKEN)
    assert (again.items_created, again.items_updated, again.subitems_created, again.subitems_updated) == (
        0, 3, 0, 6)
    assert_mirror(config, emulator)  # one item per order, one subitem per size: nothing made twice
