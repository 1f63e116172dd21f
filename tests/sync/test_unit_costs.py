"""What monday charged in one run is what the next run starts from: the sync engine keeps the client's unit
costs in the store's sync state, per API version (SQLite files and the emulator over HTTP)."""

from __future__ import annotations

import asyncio
import json
import logging

from shared.excel import ingest_files
from shared.monday import MondayClient, UnitCosts
from shared.store import open_store
from shared.sync import plan_batches, run_sync, sync_batch

from .mirror import TOKEN, assert_mirror, fifty_orders, sync_config, write_order_list

STATE = "monday.unit_costs.2026-07"


def test_a_run_remembers_what_monday_charged_and_the_next_run_starts_from_it(tmp_path, emulator):
    config = sync_config(tmp_path)
    rows = fifty_orders()
    ingest_files(config, [write_order_list(tmp_path / "first.xlsx", rows[:4])])
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    with open_store(config) as store:
        remembered = UnitCosts.from_json(store.read_state(STATE))
    charged = {r.fields[0]: r.complexity / r.aliases for r in emulator.requests() if r.fields and r.aliases}
    assert remembered["create_item"] == charged["create_item"] and remembered["create_subitem"] > 30_000
    assert {"create_group", "board_schema", "items_by_column_values"} <= set(remembered)

    ingest_files(config, [write_order_list(tmp_path / "second.xlsx", rows[:6])])  # two more orders

    async def next_run():
        with open_store(config) as store:
            (message,) = plan_batches(config, store)
            async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
                await sync_batch(config, store, client, message)
                return client.unit_costs.remembered

    assert asyncio.run(next_run()) == remembered  # handed to the client before its first request
    assert_mirror(config, emulator)


def test_an_unreadable_table_of_costs_is_reported_and_replaced(tmp_path, emulator, caplog):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "first.xlsx", fifty_orders()[:2])])
    with open_store(config) as store:
        store.write_state(STATE, '{"create_item": "cheap"}')
    caplog.set_level(logging.WARNING)
    assert run_sync(config, url=emulator.url, token=TOKEN).ok
    assert f"sync state {STATE} is not a table of costs" in caplog.text and "'cheap'" in caplog.text
    with open_store(config) as store:
        assert json.loads(store.read_state(STATE))["create_item"] > 30_000
