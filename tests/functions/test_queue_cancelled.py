"""The queue function stopped by the host (a shutdown, a scale-in) while monday is making its batch: the
cancellation reaches the batch, which keeps what monday answered, releases its claim and only then lets the
invocation end; the message delivered again finishes the batch with nothing made twice.

Real parts, as in test_functions_e2e: Azurite, the app's functions called with the worker's binding objects, a
SQLite file, the monday emulator (with a latency per mutation, and requests that make subitems held a few
seconds, so the batch is always caught half-way).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from shared.monday_emulator import run_emulator_in_thread
from shared.sync import BatchMessage

from ..azurite import app_environment, azurite  # noqa: F401
from ..sync.mirror import hold_subitems, wait_until
from . import test_functions_e2e as e2e
from .test_function_app import indexed  # noqa: F401
from .test_functions_e2e import (
    SAMPLES,
    TOKEN,
    deliver_blob,
    orders_in_sql,
    receive_as_host,
    run_queue_function,
)

storage = e2e.storage  # the fixture: the app's storage on Azurite
pytestmark = pytest.mark.azurite


@pytest.fixture
def functions(indexed, storage):  # noqa: F811
    """The app's functions as the worker indexes them, with this test's storage settings."""
    return {name: function.get_user_function() for name, function in indexed().items()}


def line_states(storage, record_uuids) -> set[str]:
    with sqlite3.connect(storage.database) as connection:
        return {state for record_uuid, state in connection.execute(
            "SELECT record_uuid, sync_state FROM ORDER_LIST_LINES") if record_uuid in record_uuids}


def test_a_queue_function_stopped_by_the_host_releases_its_claim_before_it_returns(
        functions, storage, app_environment, caplog):  # noqa: F811
    with run_emulator_in_thread(token=TOKEN, complexity_budget=10**9, latency=0.02) as emulator:
        app_environment.setenv("MONDAY_API_URL", emulator.url)
        app_environment.setenv("MONDAY_API_TOKEN", TOKEN)
        storage.upload("johnnie_o.xlsx", (SAMPLES / "johnnie_o.xlsx").read_bytes())
        deliver_blob(functions, storage, "johnnie_o.xlsx")  # PLAN_AFTER_INGEST: queued at once
        (message, received), *others = receive_as_host(storage)
        batch = BatchMessage.from_json(message.get_body())
        caplog.set_level(logging.INFO)
        hold_subitems(emulator)

        def order_states() -> set[str]:
            return {row[1] for row in orders_in_sql(storage).values() if row[0] in batch.record_uuids}

        async def host_stops_the_invocation() -> None:
            invocation = asyncio.create_task(functions["sync_batch"](message))
            while "SYNCED" not in order_states() and not invocation.done():
                await asyncio.sleep(0.01)  # monday answers for the items, and the worker saves them
            invocation.cancel()
            with pytest.raises(asyncio.CancelledError):
                await invocation

        asyncio.run(host_stops_the_invocation())
        emulator.faults.clear()

        rows = [row for row in orders_in_sql(storage).values() if row[0] in batch.record_uuids]
        assert {row[4] for row in rows} == {None}  # its claim released before the invocation ended
        assert "NEW" in line_states(storage, batch.record_uuids)  # stopped half-way: sizes still to make
        assert "stopped before its end (cancelled)" in caplog.text

        # The host delivers the message again after its visibility timeout (two minutes), when monday has long
        # finished what the stopped invocation had sent: what it made is adopted by key, not made again.
        wait_until(lambda: emulator.requests_in_flight() == 0)
        run_queue_function(functions, storage, message, received)
        for other, other_received in others:
            run_queue_function(functions, storage, other, other_received)
        items = emulator.items("9609317401")
    orders = orders_in_sql(storage)
    assert {row[1] for row in orders.values()} == {"SYNCED"}
    assert len(items) == len({item["values"]["text_sync_key"] for item in items}) == len(orders)  # no twins
    assert line_states(storage, {row[0] for row in orders.values()}) == {"SYNCED"}
