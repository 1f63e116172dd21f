"""The nightly reconcile_board function on Azurite and the monday emulator, called as the host calls it.

The board drifts behind ordersync's back (an item deleted, one duplicated, a value changed); the timer's
reconcile archives the duplicate at once and queues the orders the sync must write again; the queue workers
(sync_batch) write them; the next night's reconcile finds an exact board and queues nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from dataclasses import replace

import pytest
from azure.functions.timer import TimerRequest

import function_app
from shared.config import load_config
from shared.functions import settings

from ..azurite import app_environment, azurite  # noqa: F401
from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import BOARD, assert_mirror, order_rows, orders_in_store, write_order_list
from .test_functions_e2e import deliver_blob, monday, receive_as_host, run_queue_function, storage  # noqa: F401 (fixtures)

pytestmark = pytest.mark.azurite


@pytest.fixture
def functions(storage):  # noqa: F811
    """The user functions of a freshly imported app (an app object can be indexed only once); afterwards a
    fresh, unindexed app is left behind, as the other function tests expect."""
    settings.reset_settings()
    app = importlib.reload(function_app).app
    yield {fn.get_function_name(): fn.get_user_function() for fn in app.get_functions()}
    settings.reset_settings()
    importlib.reload(function_app)


def run_queue(functions, storage) -> int:  # noqa: F811
    """Run every message on the queue through sync_batch, as the host does; how many there were."""
    messages = receive_as_host(storage)
    for message, received in messages:
        run_queue_function(functions, storage, message, received)
    return len(messages)


def test_the_nightly_reconcile_repairs_the_board_through_the_queue(functions, storage, monday, tmp_path,  # noqa: F811
                                                                   caplog):
    config = load_config(DEFAULT_CONFIG)
    config = replace(config, environment=replace(config.environment,
                                                 database=f"sqlite:///{storage.database}"))
    storage.upload("orders.xlsx", write_order_list(tmp_path / "orders.xlsx", order_rows(numbers=range(4)))
                   .read_bytes())
    deliver_blob(functions, storage, "orders.xlsx")  # planned right after the ingest
    assert run_queue(functions, storage) == 2
    assert_mirror(config, monday)

    orders = orders_in_store(config)
    keys = sorted(orders)
    monday.delete_item(orders[keys[0]]["monday_item_id"])
    twin = monday.duplicate_item(orders[keys[1]]["monday_item_id"])
    monday.set_values(orders[keys[5]]["monday_item_id"], {"text_colour": "RED"})

    caplog.set_level(logging.INFO, logger="shared.functions.jobs")
    asyncio.run(functions["reconcile_board"](TimerRequest(past_due=False)))
    assert monday.item(twin)["state"] == "archived"  # done by the reconcile itself
    report = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("reconcile:"))
    assert "missing_items 1" in report and "duplicate_items 1" in report and "stale_items 1" in report
    assert "2 orders marked for the sync" in report
    assert next(r for r in caplog.records if r.getMessage().startswith("reconcile:")).levelname == "WARNING"

    assert run_queue(functions, storage) == 2  # one batch per customer: GREYSON's and TITLE NINE's order
    assert_mirror(config, monday)
    assert monday.duplicates(BOARD, "text_sync_key") == {}

    caplog.clear()
    asyncio.run(functions["reconcile_board"](TimerRequest(past_due=True)))
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert any(level == "WARNING" and "reconcile_board is past due" in text for level, text in messages)
    assert any(level == "INFO" and "drift: none" in text for level, text in messages)
    assert receive_as_host(storage) == []
