"""The metrics: what the sync wrote and failed, the backlog the plan tick sees, and monday's calls.

Names are the contract of docs/operations.md; attributes become ``customDimensions`` of ``customMetrics``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.metrics import Counter, Histogram, _Gauge

from .providers import cached, meter

RECORDS_WRITTEN = "ordersync.records_written"
RECORDS_FAILED = "ordersync.records_failed"
ORDERS_PARKED = "ordersync.orders_parked"
ORDERS_PENDING = "ordersync.orders_pending"
MONDAY_COMPLEXITY = "ordersync.monday.complexity"
MONDAY_REQUEST_DURATION = "ordersync.monday.request_duration"
_RECORD_KINDS = {"items": "item", "subitems": "subitem"}  # summary count prefixes: items_created, ...


@dataclass(frozen=True)
class _Instruments:
    records_written: Counter
    records_failed: Counter
    orders_parked: _Gauge
    orders_pending: _Gauge
    monday_complexity: Counter
    monday_request_duration: Histogram


def instruments() -> _Instruments:
    """The instruments of the providers in use (made again when a test swaps them)."""
    return cached("instruments", _make_instruments)


def _make_instruments() -> _Instruments:
    source = meter()
    return _Instruments(
        source.create_counter(RECORDS_WRITTEN, unit="{record}",
                              description="items and subitems written to monday"),
        source.create_counter(RECORDS_FAILED, unit="{record}",
                              description="items and subitems monday refused (marked FAILED)"),
        source.create_gauge(ORDERS_PARKED, unit="{order}",
                            description="orders that failed max_attempts times and wait for a person"),
        source.create_gauge(ORDERS_PENDING, unit="{order}",
                            description="orders with monday work left that is retried by itself"),
        source.create_counter(MONDAY_COMPLEXITY, unit="{point}",
                              description="monday complexity budget spent"),
        source.create_histogram(MONDAY_REQUEST_DURATION, unit="ms",
                                description="one POST to monday, from send to the whole answer"))


def record_sync_counts(counts: Mapping[str, Any], failed: Sequence[Mapping[str, Any]], customer: str | None
                       ) -> None:
    """A sync's (or reconcile's) summary counts: ``items_created`` adds to records_written {item, created}."""
    made, where = instruments(), {"customer": customer} if customer else {}
    for name, value in counts.items():
        kind, _, action = name.partition("_")
        if kind in _RECORD_KINDS and isinstance(value, int) and not isinstance(value, bool) and value:
            made.records_written.add(value, {**where, "record": _RECORD_KINDS[kind], "action": action})
    for failure in failed:
        record = "item" if failure.get("record") == "item" else "subitem"
        made.records_failed.add(1, {**where, "record": record, "parked": bool(failure.get("parked"))})


def record_backlog(pending: int, parked: int) -> None:
    made = instruments()
    made.orders_pending.set(pending)
    made.orders_parked.set(parked)
