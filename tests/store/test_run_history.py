"""The runs table (migration 005) on real databases: SQLite always, SQL Server when ORDERSYNC_TEST_MSSQL
names one."""

from __future__ import annotations

import time

import pytest

from shared.store.runs import MAX_FAILURES_KEPT, run_record
from shared.sync import RunSummary
from shared.sync.summary import FailedRecord

from .test_store import store, store_config  # noqa: F401


def summary(*, written: int = 0, failed: int = 0, seconds: float = 2.0) -> RunSummary:
    run = RunSummary(orders=7, items_created=written, requests=3, complexity=90_000, rate_limited=1,
                     groups_created=["GREYSON SS27"])
    for number in range(failed):
        run.add_failure(FailedRecord(f"K{number}", "item", f"column 'x': value 'v{number}' is bad", 1, False))
    run.started_at = time.time() - seconds
    return run.finish()


def test_a_run_round_trips_with_its_counts_failures_and_times(store):  # noqa: F811
    written = store.record_run("sync", "cli", summary(written=5, failed=2), environment="development")
    (read,) = store.recent_runs()
    assert read.run_id is not None
    assert {**read.to_dict(), "run_id": None} == written.to_dict()  # what was written is what is read
    assert (read.kind, read.source, read.outcome, read.environment) == (
        "sync", "cli", "failed", "development")
    assert (read.orders, read.records_written, read.records_failed) == (7, 5, 2)
    assert (read.requests, read.complexity, read.rate_limited) == (3, 90_000, 1)
    assert read.counts["items_created"] == 5 and read.counts["groups_created"] == 1
    assert [f["business_key"] for f in read.failures] == ["K0", "K1"]
    assert 1.9 < read.duration_seconds < 2.5 and read.started_at < read.finished_at
    assert read.to_dict()["records_per_second"] == round(5 / read.duration_seconds, 2)


def test_outcomes_newest_first_and_by_kind(store):  # noqa: F811
    earlier = time.time() - 60
    store.record_run("plan", "function", {"orders": 12, "batches": 2, "started_at": earlier,
                                          "finished_at": earlier + 1}, environment="production")
    store.record_run("sync", "function", summary(written=1), environment="production")
    store.record_run("sync", "cli", summary(), environment="production",
                     error=ConnectionError("monday went away"))
    runs = store.recent_runs()
    assert [(r.kind, r.outcome) for r in runs] == [("sync", "error"), ("sync", "ok"), ("plan", "ok")]
    assert runs[0].error == "ConnectionError: monday went away"
    assert runs[2].orders == 12 and runs[2].counts["batches"] == 2 and runs[2].duration_seconds == 1.0
    assert [r.kind for r in store.recent_runs(5, kind="plan")] == ["plan"]
    assert len(store.recent_runs(2)) == 2


def test_a_run_keeps_its_first_hundred_failures_and_counts_them_all():
    record = run_record("sync", "function", summary(failed=MAX_FAILURES_KEPT + 20), environment="dev",
                        host="h")
    assert record.records_failed == MAX_FAILURES_KEPT + 20 and len(record.failures) == MAX_FAILURES_KEPT
    with pytest.raises(ValueError, match="run kind 'nightly'"):
        run_record("nightly", "cli", {}, environment="dev")
