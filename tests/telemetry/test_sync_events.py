"""The sync batch's event, span and metrics when things go wrong: a record monday refuses (failed, parked),
monday's daily limit stopping the batch, and a dry run (no telemetry at all). The engine runs against the
emulator over HTTP and a SQLite file; the in-memory exporters stand in for Application Insights."""

from __future__ import annotations

from opentelemetry.trace import StatusCode

from shared.excel import ingest_files
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import run_sync
from shared.telemetry import SYNC_BATCH
from shared.telemetry.metrics import RECORDS_FAILED, RECORDS_WRITTEN

from ..sync.mirror import TOKEN, fifty_orders, sync_config, write_order_list


def test_a_refused_order_is_counted_failed_and_parked(tmp_path, telemetry):
    config = sync_config(tmp_path, max_attempts=1)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders(bad_method_at=7))])
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        summary = run_sync(config, url=emulator.url, token=TOKEN)

    [event] = [dict(record.log_record.attributes) for record in telemetry.events(SYNC_BATCH)]
    assert (event["outcome"], event["failed"], event["parked"], event["daily_limit"]) == (
        "failed", 1, 1, False)
    assert (event["customer"], event["items_created"], summary.items_created) == ("GREYSON", 49, 49)
    assert "AAG-0007|BOAT|ST-7" in event["keys"].split(", ")
    [failed] = telemetry.metric_points(RECORDS_FAILED)
    assert (failed.value, dict(failed.attributes)) == (1, {"customer": "GREYSON", "record": "item",
                                                           "parked": True})
    with open_store(config) as store:
        assert store.backlog() == (0, 1)  # nothing left to retry; one order waits for a person


def test_the_daily_limit_fails_the_batch_and_says_so(tmp_path, telemetry):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders())])
    with run_emulator_in_thread(complexity_budget=10**9, daily_limit=3) as emulator:
        summary = run_sync(config, url=emulator.url, token=TOKEN)  # a pause, not an exception

    assert summary.daily_limit_until is not None and not summary.ok
    [event] = [dict(record.log_record.attributes) for record in telemetry.events(SYNC_BATCH)]
    assert (event["outcome"], event["error"], event["daily_limit"]) == ("failed", "DailyLimitExceeded", True)
    assert event["requests"] >= 3 and event["failed"] == 0  # an outage is not a record's failure
    [batch] = telemetry.spans(SYNC_BATCH)
    assert batch.status.status_code is StatusCode.ERROR
    assert "daily call limit" in batch.status.description
    assert TOKEN not in str(batch.attributes) and TOKEN not in str(event)
    with open_store(config) as store:
        assert store.backlog() == (50, 0)  # still pending: planned again after the reset


def test_a_dry_run_sends_no_telemetry(tmp_path, telemetry):
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders())])
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        summary = run_sync(config, url=emulator.url, token=TOKEN, dry_run=True)

    assert summary.items_created == 50
    assert telemetry.events(SYNC_BATCH) == [] and telemetry.spans(SYNC_BATCH) == []
    assert telemetry.metric_points(RECORDS_WRITTEN) == []
