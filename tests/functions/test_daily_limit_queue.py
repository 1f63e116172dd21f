"""The queue function and the timer while monday's daily call limit is spent: a batch that meets the limit,
and every delivery after it, leaves its orders pending and returns normally (no five failed deliveries into
the poison queue); the timer plans nothing until the limit resets.

Real parts, as in test_functions_e2e: Azurite, a SQLite file, the monday emulator with a daily call limit.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from azure.functions.queue import QueueMessage as HostQueueMessage

from shared.config import load_config
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import BatchMessage

from ..azurite import app_environment, azurite  # noqa: F401
from . import test_functions_e2e as e2e
from .test_functions_e2e import SAMPLES, TOKEN, deliver_blob, orders_in_sql, receive_as_host, tick

functions, storage = e2e.functions, e2e.storage  # the fixtures: the indexed app, its storage on Azurite
pytestmark = pytest.mark.azurite
CALLS_BEFORE_THE_LIMIT = 3  # the board's schema and the look-ups pass; the first item create is refused


@pytest.fixture
def limited_monday(app_environment):  # noqa: F811
    with run_emulator_in_thread(token=TOKEN, complexity_budget=100_000_000,
                                daily_limit=CALLS_BEFORE_THE_LIMIT) as emulator:
        app_environment.setenv("MONDAY_API_URL", emulator.url)
        app_environment.setenv("MONDAY_API_TOKEN", TOKEN)
        yield emulator


def test_the_queue_function_leaves_its_orders_pending_and_never_raises_while_the_limit_is_spent(
        functions, storage, limited_monday, caplog):
    storage.upload("johnnie_o.xlsx", (SAMPLES / "johnnie_o.xlsx").read_bytes())
    deliver_blob(functions, storage, "johnnie_o.xlsx")  # PLAN_AFTER_INGEST: queued at once
    (message, received), *others = receive_as_host(storage)
    batch = BatchMessage.from_json(message.get_body())
    caplog.set_level(logging.INFO)

    asyncio.run(functions["sync_batch"](message))  # meets the limit: returns, so the host deletes the message

    in_sql = {record[0]: record[1:] for record in orders_in_sql(storage).values()}
    assert {in_sql[uuid_] for uuid_ in batch.record_uuids} == {("NEW", None, 0, None)}  # pending, unclaimed
    assert limited_monday.items("9609317401") == []
    assert "DailyLimitExceeded" in caplog.text  # the alert's trace
    with open_store(load_config(e2e.DEFAULT_CONFIG)) as store:
        paused_until = store.daily_limit_until()
    assert paused_until is not None

    calls = len(limited_monday.requests())
    for delivery, _ in [(HostQueueMessage(id=received.id, body=message.get_body(), dequeue_count=2), None),
                        *others]:  # a redelivery, and the batches planned with it: no call, no raise
        asyncio.run(functions["sync_batch"](delivery))
    assert len(limited_monday.requests()) == calls
    assert {record[1:] for record in orders_in_sql(storage).values()} == {("NEW", None, 0, None)}
    assert f"daily call limit is spent until {paused_until}" in caplog.text

    storage.raw_queue().clear_messages()
    tick(functions)  # the timer plans nothing before the reset
    assert receive_as_host(storage) == []
    assert {record[4] for record in orders_in_sql(storage).values()} == {None}  # nothing claimed
