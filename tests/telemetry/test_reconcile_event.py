"""A reconcile is observed like a sync: one ``ordersync.reconcile`` event with its drift and repairs, and
one row in the run history, from the command line and when it stops early. Against the emulator and a SQLite
file; the in-memory exporters stand in for Application Insights."""

from __future__ import annotations

import pytest

from shared.common.errors import MondayTransientError
from shared.excel import ingest_files
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import run_reconcile, run_sync
from shared.telemetry import RECONCILE

from ..sync.mirror import TOKEN, fifty_orders, orders_in_store, sync_config, write_order_list


def reconcile_runs(config) -> list:
    with open_store(config) as store:
        return store.recent_runs(kind="reconcile")


def test_a_reconcile_emits_its_event_and_records_its_run(tmp_path, telemetry):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders())])
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        assert run_sync(config, url=emulator.url, token=TOKEN).ok
        deleted = list(orders_in_store(config).values())[:2]
        for order in deleted:
            emulator.delete_item(order["monday_item_id"])

        found = run_reconcile(config, url=emulator.url, token=TOKEN)
        repaired = run_reconcile(config, url=emulator.url, token=TOKEN, repair_drift=True)  # 2 items, 4 sizes

    assert not found.ok and repaired.ok
    first, second = [dict(record.log_record.attributes) for record in telemetry.events(RECONCILE)]
    assert (first["outcome"], first["missing_on_board"], first["drift_missing_items"]) == ("failed", 2, 2)
    assert (second["outcome"], second["repaired_missing_items"], second["records_written"]) == ("ok", 2, 6)
    assert TOKEN not in str(first) + str(second)

    newest, oldest = reconcile_runs(config)
    assert (oldest.source, oldest.outcome, oldest.counts["missing_on_board"]) == ("cli", "failed", 2)
    assert (newest.outcome, newest.records_written, newest.counts["repaired_missing_items"]) == ("ok", 6, 2)
    assert newest.requests > 0 and newest.duration_seconds > 0


def test_a_reconcile_that_stops_early_is_recorded_with_its_error(tmp_path, telemetry):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders())])
    with pytest.raises(MondayTransientError, match="monday unavailable"):  # nothing listens on port 1
        run_reconcile(config, url="http://127.0.0.1:1/v2", token=TOKEN)

    [event] = [dict(record.log_record.attributes) for record in telemetry.events(RECONCILE)]
    assert event["outcome"] == "failed" and event["error"] == "MondayTransientError"
    [run] = reconcile_runs(config)
    assert run.outcome == "error" and "monday unavailable" in run.error and TOKEN not in run.error
