"""The store's status report: counts per state, the failed orders and the last ingests, as JSON-able data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..common.errors import StoreError
from ..common.records import LineState, OrderState
from .claims import ClaimsMixin
from .ingest_rows import IngestRowsMixin
from .sync_state import SyncStateMixin

# No CLAIMED: a claim is not a state (claim_id / claimed_until; an order keeps its state while claimed).
ORDER_STATES = (OrderState.NEW, OrderState.CHANGED, OrderState.SYNCED, OrderState.FAILED, OrderState.REMOVED,
                OrderState.ARCHIVED)
LINE_STATES = (LineState.NEW, LineState.CHANGED, LineState.REMOVED, LineState.SYNCED, LineState.FAILED)


class StatusMixin(IngestRowsMixin, ClaimsMixin, SyncStateMixin):
    """The status report of :class:`OrderStore`."""

    def status(self, failed_limit: int = 50, ingest_limit: int = 10, warning_limit: int = 50) -> dict:
        """Counts per state, the failed orders, the last ingests and their warnings, as JSON-able data."""
        return self.run_in_transaction(lambda: self._status(failed_limit, ingest_limit, warning_limit),
                                       write=False)

    def _status(self, failed_limit: int, ingest_limit: int, warning_limit: int) -> dict:
        version = self.schema_version()
        if version is None:
            raise StoreError("the database has no ordersync schema yet: run `python -m shared db migrate`")
        customer = self.customer_column() or "NULL"
        # A failed archive keeps its order REMOVED (it is still to be archived), with its attempts and error.
        sql, params = self.dialect.select_first(
            failed_limit, f"business_key, {customer}, sync_attempts, sync_error, next_attempt_at",
            f"FROM {self.orders_table} WHERE sync_state = ? OR (sync_state = ? AND sync_attempts > 0) "
            f"ORDER BY updated_at DESC, business_key", (OrderState.FAILED, OrderState.REMOVED))
        failed = [{"business_key": key, "customer": name, "attempts": attempts, "last_error": error,
                   "next_attempt_at": next_attempt, "parked": attempts >= self.max_attempts}
                  for key, name, attempts, error, next_attempt in self.query(sql, params)]
        ingests = self.ingest_entries(limit=ingest_limit)
        return {
            "database": self.kind,
            "schema_version": version,
            "orders": self._state_counts(self.orders_table, ORDER_STATES),
            **self.work_counts(),
            "lines": self._state_counts(self.lines_table, LINE_STATES),
            "claimed": self.claimed(),
            "failed_orders": failed,
            "ingests": [entry.to_dict() for entry in ingests],
            "warnings": self._recent_warnings(ingests, warning_limit),  # of the ingests above, newest first
            # the sync is paused until then (monday's daily call limit is spent); None when it is not
            "daily_limit_until": self.daily_limit_until() if self.table_columns(self.tables.sync_state)
            else None,
        }

    def claimed(self) -> dict:
        """Orders a sync holds now: how many, and per claim how many, whose, and when they free unless the
        holder renews its lease (a planned batch's claim lasts while its message waits in the queue)."""
        claims = self.live_claims(datetime.now(UTC))
        return {"orders": sum(claim["orders"] for claim in claims), "claims": claims,
                "frees_by": max((claim["claimed_until"] for claim in claims), default=None)}

    def work_counts(self) -> dict[str, int]:
        """Orders by the monday work they wait for. pending: work later plans take up by themselves (new,
        changed, or failed fewer than max_attempts times; for a synced order, one of its lines); to_archive:
        REMOVED orders whose item is still to be archived; parked: orders that failed max_attempts times (the
        order, its archiving or one of its lines) and wait for a person (`retry`)."""
        line = f"EXISTS (SELECT 1 FROM {self.lines_table} l WHERE l.record_uuid = o.record_uuid AND "
        retried_lines = (LineState.FAILED, LineState.REMOVED)  # REMOVED: a subitem delete that failed
        retried_line = "l.sync_state IN (?, ?) OR (l.sync_state IN (?, ?) AND l.sync_attempts < ?)"
        retried_orders = (OrderState.FAILED, OrderState.REMOVED)
        kinds = {
            "pending": (f"o.sync_state IN (?, ?) OR (o.sync_state = ? AND o.sync_attempts < ?) "
                        f"OR (o.sync_state = ? AND {line}({retried_line})))",
                        (OrderState.NEW, OrderState.CHANGED, OrderState.FAILED, self.max_attempts,
                         OrderState.SYNCED, LineState.NEW, LineState.CHANGED, *retried_lines,
                         self.max_attempts)),
            "to_archive": ("o.sync_state = ? AND o.sync_attempts < ?",
                           (OrderState.REMOVED, self.max_attempts)),
            "parked": (f"(o.sync_state IN (?, ?) AND o.sync_attempts >= ?) OR {line}"
                       f"l.sync_state IN (?, ?) AND l.sync_attempts >= ?)",
                       (*retried_orders, self.max_attempts, *retried_lines, self.max_attempts)),
        }

        def count() -> dict[str, int]:
            return {kind: int(self.query(f"SELECT COUNT(*) FROM {self.orders_table} o WHERE {where}",
                                         params)[0][0]) for kind, (where, params) in kinds.items()}

        return self.run_in_transaction(count, write=False)

    def backlog(self) -> tuple[int, int]:
        """(pending, parked) orders, archiving included in pending: the plan tick's gauges."""
        counts = self.work_counts()
        return counts["pending"] + counts["to_archive"], counts["parked"]

    def _state_counts(self, table: str, states: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(states, 0)
        counts.update(self.query(f"SELECT sync_state, COUNT(*) FROM {table} GROUP BY sync_state"))
        return counts
