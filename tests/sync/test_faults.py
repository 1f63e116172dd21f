"""Sync runs at monday's edges: failed answers monday caches, a worker that dies between monday's answer and
the write-back, and repeated runs under a mix of faults converging to the exact board without a duplicate.

Real parts only: the emulator over HTTP (it replays cached answers, failed ones included, as monday does),
SQLite files, a worker in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.common.errors import MondayError, MondayTransientError
from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import run_sync, sync_batch
from shared.sync.planner import plan_batches, utc_now

from ..conftest import ROOT
from .mirror import (
    BOARD,
    TOKEN,
    assert_mirror,
    board_items,
    fifty_orders,
    lines_in_store,
    orders_in_store,
    sync_config,
    write_order_list,
)
from .test_idempotency import WORKER

TRANSIENT = {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error", "status_code": 500}


def test_a_group_whose_creation_failed_in_one_run_is_created_by_the_next(tmp_path, emulator):
    # Every try of the first run meets a failed answer; monday caches each, so a key derived from the request
    # alone would replay that failure to the next run too (and its 60 orders would never reach the board).
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:6])])
    emulator.faults.add("fail_alias", count=config.monday.max_retries + 1, match="create_group", **TRANSIENT)
    with pytest.raises(MondayTransientError, match="Internal server error"):
        run_sync(config, url=emulator.url, token=TOKEN)
    assert emulator.groups(BOARD) == [{"id": "topics", "title": "Group Title"}] and not emulator.items(BOARD)

    summary = run_sync(config, url=emulator.url, token=TOKEN)

    assert summary.ok and summary.groups_created == ["GREYSON SS27"] and summary.items_created == 6
    group_writes = [r for r in emulator.requests() if r.fields == ("create_group",)]
    assert len(group_writes) == config.monday.max_retries + 2
    assert len({r.idempotency_key for r in group_writes}) == len(group_writes)  # a new request each time
    assert emulator.counters.replays == 0
    assert_mirror(config, emulator)


@pytest.mark.parametrize("write_back", ["order_synced", "line_synced"])
def test_a_worker_dying_between_answer_and_write_back_leaves_no_duplicate(tmp_path, emulator, write_back):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:10])])
    with open_store(config) as store:
        (message,) = plan_batches(config, store)
    arguments = [str(config.path), message.to_json(), emulator.url, write_back]
    environment = {**os.environ, "ORDERSYNC_DATABASE": config.environment.database, "PYTHONPATH": str(ROOT)}
    # the worker dies when the write-back is called: monday has answered, the store never hears of it
    worker = subprocess.run([sys.executable, "-c", WORKER, *arguments], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode == 3, worker.stderr
    made = len(emulator.items(BOARD)) if write_back == "order_synced" else emulator.counters.subitems_created
    assert made > 0  # monday did the work the store never heard of

    with open_store(config) as store:
        later = utc_now() + timedelta(seconds=config.sync.claim_timeout_seconds + 1)
        (retry,) = plan_batches(config, store, now=later)  # the dead worker's claim expired
    with open_store(config) as store:
        summary = asyncio.run(_sync(config, store, emulator.url, retry))

    assert summary.ok
    if write_back == "order_synced":  # the items were found by key, not made again
        assert (summary.items_adopted, summary.items_created) == (10, 0)
    else:  # the subitems were found under their parents
        assert summary.subitems_adopted == made and summary.subitems_created == 20 - made
    assert_mirror(config, emulator)


async def _sync(config, store, url, message):
    async with MondayClient(config, url=url, token=TOKEN) as client:
        return await sync_batch(config, store, client, message)


FAULT_MIX = {"http_500_before": {}, "http_500_after": {}, "hang_after": {"seconds": 2.0}, "http_423": {},
             "http_429": {"retry_in": 1}, "fail_alias": TRANSIENT}


def test_repeated_runs_under_faults_converge_to_the_exact_board(tmp_path):
    with run_emulator_in_thread(complexity_budget=10**9, seed=32) as emulator:
        runs = _converge_under_faults(tmp_path, emulator)
    assert runs <= 3


def _converge_under_faults(tmp_path, emulator) -> int:
    rows = fifty_orders()
    for row in rows[25:]:
        row[2] = "FW27"  # two groups
    config = sync_config(tmp_path, retry_base_seconds=0, retry_max_seconds=0)
    monday = replace(config.monday, mutations_per_request=4, request_timeout_seconds=0.5, max_retries=3,
                     lookup_attempts=3, lookup_delay_seconds=0.05)
    config = replace(config, monday=monday)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", rows)])
    for kind, params in FAULT_MIX.items():  # each kind once for sure, then on a few percent of the requests
        match = None if kind == "http_429" else "mutation"
        emulator.faults.add(kind, count=1, match=match, **params)
        emulator.faults.add(kind, count=None, match=match, probability=0.04, **params)

    runs = 0
    while runs < 3 and not _all_synced(config):
        runs += 1
        try:
            run_sync(config, url=emulator.url, token=TOKEN)
        except MondayError:  # monday failed a whole batch: its orders stay pending for the next run
            pass

    assert _all_synced(config), f"not converged after {runs} runs"
    assert_mirror(config, emulator)  # the exact board: one item per order, one subitem per size, ids in SQL
    assert emulator.duplicates(BOARD, "text_sync_key") == {} and len(board_items(emulator)) == 50
    assert emulator.counters.replays > 0  # lost answers were replayed, not applied twice
    fired = emulator.faults.fired()
    assert all(fired[kind] for kind in FAULT_MIX) and sum(fired.values()) >= 12, fired
    return runs


def _all_synced(config) -> bool:
    return (all(o["sync_state"] == "SYNCED" for o in orders_in_store(config).values())
            and all(line["sync_state"] == "SYNCED" for line in lines_in_store(config)))
