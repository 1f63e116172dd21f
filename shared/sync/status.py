"""The status report: where ordersync works (environment, database without credentials, board), the store's
counts, failed orders and last ingests, and the last runs — in full for the operator's own terminal
(``python -m shared status``), or redacted for the HTTP status route and the status page.

Redacted, a failure is its kind and its column (:func:`~.failure_text.failure_kind`), a run's error is its
type: no text that could carry a cell value leaves the store that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..common.errors import StoreError
from ..config import Config
from .failure_text import failure_kind

if TYPE_CHECKING:
    from ..store import OrderStore

RUNS_SHOWN = 5


def status_report(config: Config, store: OrderStore, *, runs: int = RUNS_SHOWN, redact: bool = False) -> dict:
    """Everything ``status`` shows, as JSON-ready data (``redact`` for anything beyond the operator)."""
    env = config.environment
    report: dict[str, Any] = {"environment": env.name, "board_id": env.board_id,
                              "database_location": store.location, **store.status()}
    try:
        report["runs"] = [run.to_dict() for run in store.recent_runs(runs)]
    except StoreError as exc:  # a SQL Server schema before migration 005: status still works
        report["runs"], report["runs_unavailable"] = [], str(exc)
    return redacted(config, report) if redact else report


def redacted(config: Config, report: Mapping[str, Any]) -> dict:
    """The report with every free text that may quote a cell value replaced by its kind and column."""
    safe = dict(report)
    safe["failed_orders"] = [
        {**{k: v for k, v in order.items() if k != "last_error"},
         "error": failure_kind(config, order.get("last_error")).to_dict()}
        for order in report.get("failed_orders", ())]
    safe["runs"] = [
        {**run, "error": _error_type(run.get("error")),
         "failures": [{**{k: v for k, v in failure.items() if k != "message"},
                       "error": failure_kind(config, failure.get("message")).to_dict()}
                      for failure in run.get("failures", ())]}
        for run in report.get("runs", ())]
    if "runs_unavailable" in safe:
        safe["runs_unavailable"] = "the runs table is missing: run python -m shared db migrate"
    return safe


def _error_type(error: str | None) -> str | None:
    """``MondayTransientError: monday unavailable ...`` -> ``MondayTransientError``."""
    return error.partition(":")[0].strip() or "error" if error else None
