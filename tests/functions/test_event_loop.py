"""The worker's event loop never waits on the store: while one batch's store call is held up by the database,
another batch on the same loop runs to its end and the status route answers.

The Python worker runs the async queue function on its one event loop and dispatches every other invocation
(the status route's too) from it, so a store call made on the loop would freeze them all. Here the store call
is held by a real lock: another connection holds the write lock of the first batch's SQLite file, as an
ingest in another process does. Two SQLite files stand for two connections, one held up and one not (SQLite
locks a whole file where SQL Server would hold only the rows in question). Real parts otherwise: the monday
emulator over HTTP, the app's own status function called as the worker calls a sync function.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3

import azure.functions as func

from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import sync_batch
from shared.sync.planner import plan_batches

from ..azurite import app_environment  # noqa: F401
from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import TOKEN, fifty_orders, order_rows, orders_in_store, sync_config, write_order_list
from .test_function_app import indexed  # noqa: F401

GENEROUS = 20  # seconds; the batch and the status route need well under one (SQLite waits 30 for a lock)


def test_a_second_batch_and_the_status_route_run_while_a_store_call_waits(indexed, tmp_path,  # noqa: F811
                                                                            app_environment):  # noqa: F811
    held, free = sync_config(tmp_path / "held"), sync_config(tmp_path / "free")
    ingest_files(held, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:5])])
    ingest_files(free, [write_order_list(tmp_path / "title-nine.xlsx",
                                         [row for row in order_rows() if row[1] == "TITLE NINE"])])
    with open_store(held) as store:
        (held_message,) = plan_batches(held, store)
    with open_store(free) as store:
        (free_message,) = plan_batches(free, store)
    app_environment.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
    app_environment.setenv("ORDERSYNC_DATABASE", held.environment.database)  # the status of the held file
    status_route = indexed()["status"].get_user_function()  # the app as the worker indexes it
    ingest_elsewhere = sqlite3.connect(held.environment.database.removeprefix("sqlite:///"),
                                       isolation_level=None)

    async def worker(url: str):
        loop = asyncio.get_running_loop()
        with open_store(held) as held_store, open_store(free) as free_store:
            async with MondayClient(held, url=url, token=TOKEN) as client:
                ingest_elsewhere.execute("BEGIN IMMEDIATE")  # the held file's write lock, from now on
                first = asyncio.create_task(sync_batch(held, held_store, client, held_message))
                second = await asyncio.wait_for(sync_batch(free, free_store, client, free_message), GENEROUS)
                request = func.HttpRequest(method="GET", url="http://localhost/api/status", body=b"")
                status = await asyncio.wait_for(loop.run_in_executor(None, status_route, request), GENEROUS)
                first_waited = not first.done()
                ingest_elsewhere.execute("ROLLBACK")  # the lock is gone: the first batch goes on
                return first_waited, second, status, await asyncio.wait_for(first, GENEROUS)

    with run_emulator_in_thread(complexity_budget=10**9, latency=0.01) as emulator:
        first_waited, second, status, first = asyncio.run(worker(emulator.url))
        items = {item["values"]["text_sync_key"]: item["id"] for item in emulator.items("9609317401")}

    assert first_waited  # the first batch was still waiting for its database ...
    assert second.ok and second.items_created == 6 and second.subitems_created == 12  # ... while this one ran
    assert status.status_code == 200  # ... and the status route answered, reading the held file
    body = json.loads(status.get_body())
    assert body["orders"]["NEW"] == 5 and body["claimed"]["orders"] == 5  # planned, not yet taken over
    assert first.ok and first.items_created == 5
    for config in (held, free):  # both batches mirrored: every order SYNCED with its own item
        orders = orders_in_store(config)
        assert {order["sync_state"] for order in orders.values()} == {"SYNCED"}
        assert {key: order["monday_item_id"] for key, order in orders.items()} == {
            key: items[key] for key in orders}
    assert len(items) == 11
