"""The run history (migration 005): one row per sync, reconcile and plan tick, whether the command line or a
function ran it, so "what did last night's syncs do?" has an answer.

:meth:`RunsMixin.record_run` takes any run summary that has ``to_dict()`` (the sync's RunSummary, the
reconcile's) or a plain mapping of counts (a plan tick), so every kind of run is recorded through one call.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .timestamps import timestamp_text
from .transactions import StoreTransactions

RUN_KINDS = ("sync", "reconcile", "plan")
RUN_SOURCES = ("cli", "function", "demo")
OK, FAILED, ERROR = "ok", "failed", "error"  # error: the run itself stopped (monday down, store failed ...)
MAX_FAILURES_KEPT = 100  # a run with more failed records keeps the first ones; records_failed has the total
MAX_ERROR_TEXT = 2000
_HEADLINE = ("orders", "records_written", "requests", "complexity", "rate_limited")


@dataclass(frozen=True)
class RunRecord:
    kind: str  # sync | reconcile | plan
    source: str  # cli | function | demo
    environment: str
    started_at: str  # timestamp_text (UTC)
    finished_at: str
    duration_seconds: float
    outcome: str  # ok | failed | error
    orders: int = 0
    records_written: int = 0
    records_failed: int = 0
    requests: int = 0
    complexity: int = 0
    rate_limited: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)  # every count the run's summary has
    failures: Sequence[Mapping[str, Any]] = ()  # the failed records (business_key, record, message, ...)
    error: str | None = None
    host: str = ""
    run_id: int | None = None

    @property
    def records_per_second(self) -> float:
        return self.records_written / self.duration_seconds if self.duration_seconds > 0 else 0.0

    def to_dict(self) -> dict:
        payload = asdict(self)
        payload["counts"], payload["failures"] = dict(self.counts), [dict(f) for f in self.failures]
        payload["records_per_second"] = round(self.records_per_second, 2)
        return payload


_COLUMNS = ("kind", "source", "host", "environment", "started_at", "finished_at", "duration_seconds",
            "outcome", "orders", "records_written", "records_failed", "requests", "complexity",
            "rate_limited", "counts", "failures", "error")


def run_record(kind: str, source: str, summary: Any, *, environment: str, error: BaseException | str | None
               = None, host: str | None = None) -> RunRecord:
    """A RunRecord from a run summary (anything with ``to_dict()``, or a mapping of counts).

    The summary's ``started_at`` / ``finished_at`` (epoch seconds) give the times when it has them.
    """
    if kind not in RUN_KINDS or source not in RUN_SOURCES:
        raise ValueError(f"run kind {kind!r} / source {source!r}: kinds are {RUN_KINDS}, sources "
                         f"{RUN_SOURCES}")
    payload = dict(summary.to_dict() if hasattr(summary, "to_dict") else summary)
    now = time.time()
    started = float(getattr(summary, "started_at", None) or payload.get("started_at") or now)
    finished = float(getattr(summary, "finished_at", None) or payload.get("finished_at") or now)
    failures = [dict(f) for f in payload.get("failed") or () if isinstance(f, Mapping)]
    counts = {name: value for name, value in payload.items()
              if isinstance(value, int) and not isinstance(value, bool)}
    counts.update({name: len(value) for name, value in payload.items()
                   if isinstance(value, list) and name != "failed"})  # e.g. groups_created, parked
    outcome = ERROR if error is not None else (FAILED if failures or payload.get("ok") is False else OK)
    error_text = None if error is None else (
        error if isinstance(error, str) else f"{type(error).__name__}: {error}")
    return RunRecord(
        kind=kind, source=source, environment=environment,
        host=socket.gethostname() if host is None else host,
        started_at=_time_text(started), finished_at=_time_text(finished),
        duration_seconds=round(max(finished - started, 0.0), 3), outcome=outcome,
        records_failed=len(failures), counts=counts, failures=failures[:MAX_FAILURES_KEPT],
        error=error_text[:MAX_ERROR_TEXT] if error_text else None,
        **{name: int(payload.get(name) or 0) for name in _HEADLINE})


def _time_text(epoch: float) -> str:
    return timestamp_text(datetime.fromtimestamp(epoch, UTC))


class RunsMixin(StoreTransactions):
    """The run history of :class:`OrderStore`."""

    @property
    def runs_table(self) -> str:
        return self.dialect.quote(self.tables.runs)

    def record_run(self, kind: str, source: str, summary: Any, *, environment: str,
                   error: BaseException | str | None = None) -> RunRecord:
        """Write one run's row; ``summary`` as :func:`run_record` takes it. Returns the row written."""
        run = run_record(kind, source, summary, environment=environment, error=error)
        return self.add_run(run)

    def add_run(self, run: RunRecord) -> RunRecord:
        values = [getattr(run, name) for name in _COLUMNS]
        values[_COLUMNS.index("counts")] = json.dumps(dict(run.counts), sort_keys=True)
        values[_COLUMNS.index("failures")] = json.dumps([dict(f) for f in run.failures], ensure_ascii=False,
                                                        default=str)
        marks = ", ".join("?" * len(_COLUMNS))

        def insert() -> None:
            self.execute(f"INSERT INTO {self.runs_table} ({', '.join(_COLUMNS)}) VALUES ({marks})", values)

        self.run_in_transaction(insert)
        return run

    def recent_runs(self, limit: int = 10, *, kind: str | None = None) -> list[RunRecord]:
        """The newest runs first (of one kind, when given)."""
        where, params = (" WHERE kind = ?", (kind,)) if kind else ("", ())
        sql, params = self.dialect.select_first(
            limit, f"run_id, {', '.join(_COLUMNS)}",
            f"FROM {self.runs_table}{where} ORDER BY started_at DESC, run_id DESC", params)
        rows = self.run_in_transaction(lambda: self.query(sql, params), write=False)
        return [_record_of(row) for row in rows]


def _record_of(row: tuple) -> RunRecord:
    values = dict(zip(("run_id", *_COLUMNS), row, strict=True))
    values["counts"] = json.loads(values["counts"] or "{}")
    values["failures"] = tuple(json.loads(values["failures"] or "[]"))
    values["duration_seconds"] = float(values["duration_seconds"] or 0.0)
    return RunRecord(**values)
