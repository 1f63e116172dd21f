"""One run of a stage (an ingested file, a plan tick, a sync batch, a reconcile run): a span for its work and
one custom event when it ends, with its ids, counts, duration and outcome.

Usage: ``with stage_run(RECONCILE, customer=name) as run: ...; run.record_summary(summary.to_dict())``. An
exception ending the block makes the outcome ``failed`` (with ``error``, its type) and is raised on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace

from ..common.errors import DailyLimitExceeded
from .events import dimensions, emit_event
from .metrics import record_backlog, record_sync_counts
from .providers import tracer
from .tracing import context_of

_NOT_COUNTS = {"duration_seconds", "records_per_second"}  # the run's own duration_ms says it
_current: ContextVar[StageRun | None] = ContextVar("ordersync_stage_run", default=None)


class StageRun:
    """The dimensions of one run's event, mirrored onto its span."""

    def __init__(self, span: trace.Span, values: Mapping[str, Any], *, enabled: bool = True):
        self.span, self.enabled = span, enabled
        self.values: dict[str, Any] = {}
        self.record(**values)

    def record(self, **values: Any) -> None:
        clean = dimensions(values)
        self.values.update(clean)
        self.span.set_attributes({f"ordersync.{name}": value for name, value in clean.items()})

    def record_summary(self, summary: Mapping[str, Any]) -> None:
        """A sync or reconcile summary (``RunSummary.to_dict()``): its counts, lists counted, as dimensions;
        outcome ``ok`` unless a record failed; records written and failed as metrics."""
        failed = summary.get("failed") or []
        counts = {name: len(value) if isinstance(value, list | tuple) else value
                  for name, value in summary.items() if name not in _NOT_COUNTS
                  and isinstance(value, int | float | list | tuple) and not isinstance(value, bool)}
        paused = bool(summary.get("daily_limit_until"))  # monday's daily call limit stopped the run
        self.record(**counts, outcome="failed" if failed or paused else "ok", daily_limit=paused)
        if paused:
            self.record(error=DailyLimitExceeded.__name__)
            self.span.set_status(trace.StatusCode.ERROR, "monday's daily call limit is spent")
        if self.enabled:
            record_sync_counts(counts, failed, self.values.get("customer"))

    def record_backlog(self, pending: int, parked: int) -> None:
        """The plan tick's view of the order book, also as the two gauges."""
        self.record(pending=pending, parked=parked)
        if self.enabled:
            record_backlog(pending, parked)


@contextmanager
def stage_run(event: str, *, traceparent: str | None = None, enabled: bool = True, **ids: Any
              ) -> Iterator[StageRun]:
    """Run a stage under its span; emit ``event`` at the end. ``traceparent`` (a queue message's) makes the
    span continue that trace, linked to the current one (the host's invocation). Disabled (a dry run): no
    span, no event, no metric."""
    if not enabled:
        yield StageRun(trace.INVALID_SPAN, ids, enabled=False)
        return
    parent = context_of(traceparent)
    invocation = trace.get_current_span().get_span_context()
    links = [trace.Link(invocation)] if parent is not None and invocation.is_valid else []
    if links:  # the host's requests row of this invocation: its operation id, for joins in KQL
        ids = {**ids, "invocation_operation_id": trace.format_trace_id(invocation.trace_id)}
    started = time.perf_counter()
    with tracer().start_as_current_span(event, context=parent, links=links) as span:
        run = StageRun(span, ids)
        token = _current.set(run)
        try:
            yield run
        except BaseException as exc:
            run.record(outcome="failed", error=type(exc).__name__)
            if isinstance(exc, DailyLimitExceeded):
                run.record(daily_limit=True)
            raise
        finally:
            _current.reset(token)
            run.record(duration_ms=round((time.perf_counter() - started) * 1000, 1))
            emit_event(event, {"outcome": "ok", **run.values})


def annotate(**values: Any) -> None:
    """Add dimensions to the innermost stage run (e.g. the business keys a sync batch loaded)."""
    run = _current.get()
    if run is not None:
        run.record(**values)
