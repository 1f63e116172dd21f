"""Plan: pick the orders that need monday work, claim them, and cut them into batch messages.

A message names at most ``[sync].orders_per_message`` orders of one customer. The claim (claim_id and
claimed_until on the order rows) keeps a second planner run or a second instance from planning them again; a
message's claim expires after ``[sync].claim_timeout_seconds`` unless a worker took it over (its lease,
:mod:`.leases`), and the orders are planned again.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..config import Config, SyncSettings
from ..telemetry import current_traceparent

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchMessage:
    claim_id: str
    customer: str
    record_uuids: tuple[str, ...]
    planned_at: str  # ISO 8601, UTC
    traceparent: str | None = None  # W3C trace context of the plan: the sync continues the file's trace

    def to_json(self) -> str:
        body = {"claim_id": self.claim_id, "customer": self.customer, "record_uuids": list(self.record_uuids),
                "planned_at": self.planned_at}
        return json.dumps({**body, "traceparent": self.traceparent} if self.traceparent else body)

    @classmethod
    def from_json(cls, text: str | bytes) -> BatchMessage:
        try:
            body = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"batch message is not JSON: {exc}") from None
        except RecursionError:  # nested thousands deep: no batch is, and retrying cannot make it one
            raise ValueError("batch message is nested too deeply to be a batch") from None
        if not isinstance(body, dict):
            raise ValueError("batch message must be a JSON object")
        missing = sorted({"claim_id", "customer", "record_uuids", "planned_at"} - body.keys())
        if missing:
            raise ValueError(f"batch message lacks {', '.join(missing)}")
        for name in ("claim_id", "customer", "planned_at"):
            if not isinstance(body[name], str) or not body[name]:
                raise ValueError(f"batch message: {name} must be a non-empty string")
        uuids = body["record_uuids"]
        if not isinstance(uuids, list) or not uuids or not all(isinstance(u, str) and u for u in uuids):
            raise ValueError("batch message: record_uuids must be a non-empty list of strings")
        traceparent = body.get("traceparent")  # optional: older messages have none, and a bad one is no trace
        return cls(body["claim_id"], body["customer"], tuple(uuids), body["planned_at"],
                   traceparent if isinstance(traceparent, str) and traceparent else None)


def utc_now() -> datetime:
    return datetime.now(UTC)


def retry_delay(settings: SyncSettings, attempts: int) -> timedelta:
    """Wait before retrying a record that failed ``attempts`` times: base, 2×base, 4×base ... up to max."""
    exponent = max(attempts - 1, 0)
    seconds = settings.retry_base_seconds * 2 ** min(exponent, 32)
    return timedelta(seconds=min(seconds, settings.retry_max_seconds))


def cut_batches(pending: Iterable[tuple[str, str]], per_message: int) -> list[tuple[str, tuple[str, ...]]]:
    """(record_uuid, customer) pairs, in planning order -> (customer, record_uuids) of at most per_message."""
    by_customer: dict[str, list[str]] = {}
    for record_uuid, customer in pending:
        by_customer.setdefault(customer, []).append(record_uuid)
    return [(customer, tuple(uuids[start:start + per_message]))
            for customer, uuids in by_customer.items()
            for start in range(0, len(uuids), per_message)]


def plan_batches(config: Config, store: OrderStore, *, now: datetime | None = None,
                 customer: str | None = None, limit: int | None = None, only: Collection[str] | None = None,
                 hold_seconds: float | None = None) -> list[BatchMessage]:
    """Claim every order that needs work now; return the messages that name them (one claim per message).
    ``only``: of these record_uuids alone (a reconcile syncs what it marked). The claims last
    ``claim_timeout_seconds`` (a message may wait that long in the queue), or ``hold_seconds`` (a run that
    syncs them itself and renews them meanwhile). Nothing while monday's daily call limit is spent: a message
    planned then could only fail."""
    now = now or utc_now()
    paused_until = store.daily_limit_until(now)
    if paused_until is not None:
        log.info("monday's daily call limit is spent until %s: nothing is planned before then", paused_until)
        return []
    claimed_until = now + timedelta(seconds=hold_seconds or config.sync.claim_timeout_seconds)
    messages = []
    for batch_customer, uuids in _pending_batches(config, store, now, customer, limit, only):
        claim_id = uuid.uuid4().hex
        taken = store.claim_orders(uuids, claim_id, now, claimed_until)
        if taken:  # another planner may have taken some (or all) between the select and the claim
            messages.append(BatchMessage(claim_id, batch_customer, tuple(taken), now.isoformat(),
                                         current_traceparent()))
    return messages


def preview_batches(config: Config, store: OrderStore, *, now: datetime | None = None,
                    customer: str | None = None, limit: int | None = None,
                    only: Collection[str] | None = None) -> list[BatchMessage]:
    """What :func:`plan_batches` would plan, claiming nothing (for dry runs)."""
    now = now or utc_now()
    return [BatchMessage("", batch_customer, uuids, now.isoformat())
            for batch_customer, uuids in _pending_batches(config, store, now, customer, limit, only)]


def _pending_batches(config: Config, store: OrderStore, now: datetime, customer: str | None,
                     limit: int | None, only: Collection[str] | None = None
                     ) -> list[tuple[str, tuple[str, ...]]]:
    if customer is not None:
        customer = config.canonical_customer(customer)[0]
    pending = store.pending_orders(config.sync, now, customer=customer, limit=limit)
    if only is not None:
        pending = [(record_uuid, name) for record_uuid, name in pending if record_uuid in only]
    return cut_batches(pending, config.sync.orders_per_message)
