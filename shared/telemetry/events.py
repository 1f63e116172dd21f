"""Custom events: one log record per event on the events logger, its dimensions as attributes. The Azure
Monitor exporter turns a record carrying ``microsoft.custom_event.name`` into a ``customEvents`` row with the
attributes as ``customDimensions``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .providers import events_logger

CUSTOM_EVENT_NAME = "microsoft.custom_event.name"
INGEST = "ordersync.ingest"
PLAN = "ordersync.plan"
SYNC_BATCH = "ordersync.sync_batch"
RECONCILE = "ordersync.reconcile"

# Names a logging.LogRecord holds itself: a dimension may not take one.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_scope: ContextVar[Mapping[str, Any] | None] = ContextVar("ordersync_event_scope", default=None)


def dimensions(values: Mapping[str, Any]) -> dict[str, str | bool | int | float]:
    """Values as OpenTelemetry attributes: None left out, sequences joined by ", ", anything else as text."""
    clean: dict[str, str | bool | int | float] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, str | bool | int | float):
            clean[name] = value
        elif isinstance(value, list | tuple | set | frozenset):
            clean[name] = ", ".join(str(item) for item in value)
        else:
            clean[name] = str(value)
    return clean


@contextmanager
def event_scope(**ids: Any) -> Iterator[None]:
    """Add these ids (the queue message's, the blob's) to every event emitted inside the block."""
    token = _scope.set({**(_scope.get() or {}), **dimensions(ids)})
    try:
        yield
    finally:
        _scope.reset(token)


def emit_event(name: str, values: Mapping[str, Any]) -> None:
    """One custom event, correlated with the current span (its operation id is the span's trace id)."""
    attributes = {**(_scope.get() or {}), **dimensions(values)}
    taken = _RECORD_FIELDS & attributes.keys()
    if taken:
        raise ValueError(f"event {name}: {sorted(taken)} are names of a log record, not dimensions")
    events_logger().info(name, extra={**attributes, CUSTOM_EVENT_NAME: name})
