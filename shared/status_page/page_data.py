"""What the status page shows, read from the store and reduced to what may be shown: business key, customer
and state of each order, the kind and column of each failure (never its text), counts and times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..common.records import OrderState
from ..config import Config
from ..sync import failure_kind, status_report

if TYPE_CHECKING:
    from ..store import OrderStore

STATE_ORDER = (OrderState.NEW, OrderState.CHANGED, OrderState.SYNCED, OrderState.FAILED, OrderState.REMOVED,
               OrderState.ARCHIVED)
WAITING_SHOWN = 100
SHOWN = ("business_key", "customer", "state", "attempts", "parked", "next_attempt_at")  # never a value
RUNS_SHOWN = 20


def page_data(config: Config, store: OrderStore, *, now: datetime | None = None) -> dict[str, Any]:
    report = status_report(config, store, runs=RUNS_SHOWN, redact=True)
    customers: dict[str, dict[str, int]] = {}
    for customer, state, parked, count in store.customer_states():
        counts = customers.setdefault(customer or "(no customer)", {})
        counts[state] = counts.get(state, 0) + count
        if parked:
            counts["parked"] = counts.get("parked", 0) + count
    present = {state for counts in customers.values() for state in counts if state != "parked"}
    states = [s for s in STATE_ORDER if s in present] + sorted(present - set(STATE_ORDER))
    waiting = [_waiting(config, row) for row in store.orders_waiting(WAITING_SHOWN)]
    lines = [_waiting(config, row) for row in store.lines_failed(WAITING_SHOWN)]
    return {
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC"),
        **{key: report[key] for key in ("environment", "board_id", "database", "database_location",
                                        "schema_version", "orders", "lines", "runs", "ingests")},
        "states": states,
        "customers": [{"customer": name, "counts": counts, "total": sum(v for k, v in counts.items()
                                                                        if k != "parked")}
                      for name, counts in sorted(customers.items())],
        "parked": sum(counts.get("parked", 0) for counts in customers.values()),
        "waiting": waiting,
        "lines_failed": lines,
    }


def _waiting(config: Config, row: Mapping[str, Any]) -> dict[str, Any]:
    """One order (or line) that waits: identity, state, and why, with what to do about it."""
    kind = failure_kind(config, row["error"]) if row["error"] else None
    shown = {k: row[k] for k in SHOWN}
    if "size_code" in row:
        shown["size_code"] = row["size_code"]
    shown["reason"] = str(kind) if kind else _pending_reason(row["state"])
    shown["hint"] = retry_hint(row, kind.kind if kind else None, kind.source if kind else None)
    return shown


def _pending_reason(state: str) -> str:
    return {OrderState.NEW: "new: not on the board yet",
            OrderState.CHANGED: "changed since its last sync"}.get(state, state.lower())


def retry_hint(row: Mapping[str, Any], kind: str | None, source: str | None) -> str:
    """What happens next, and what a person can do."""
    if row["state"] in (OrderState.NEW, OrderState.CHANGED):
        return "the next sync writes it"
    where = source or "the order"
    if kind == "unknown label":
        fix = "add the label to the monday column, or list the column in [sync].create_labels_if_missing"
    elif kind in ("column not on the board", "column type cannot be written"):
        fix = "run python -m shared board check, then board provision"
    elif kind in ("monday unavailable", "not written yet", "item gone from the board"):
        fix = "nothing: monday will be asked again"
    else:
        fix = f"fix {where} in the order list and ingest the file again"
    if row["parked"]:
        return (f"parked after {row['attempts']} attempts, no more retries: {fix}; a new version of the row "
                f"un-parks it")
    when = f" after {row['next_attempt_at'][:16].replace('T', ' ')} UTC" if row.get("next_attempt_at") else ""
    return f"retried automatically{when}; if it keeps failing: {fix}"

