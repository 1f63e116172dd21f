"""The store's status report: counts per state, the failed orders and the last ingests, as JSON-able data."""

from __future__ import annotations

from collections.abc import Sequence

from ..common.errors import StoreError
from ..common.records import CUSTOMER_COLUMN, LineState, OrderState
from .ingest_log import LOG_COLUMNS, IngestLogEntry
from .schema import SchemaMixin

ORDER_STATES = (OrderState.NEW, OrderState.CHANGED, OrderState.CLAIMED, OrderState.SYNCED, OrderState.FAILED,
                OrderState.REMOVED, OrderState.ARCHIVED)
LINE_STATES = (LineState.NEW, LineState.CHANGED, LineState.REMOVED, LineState.SYNCED, LineState.FAILED)


class StatusMixin(SchemaMixin):
    """The status report of :class:`OrderStore`."""

    def status(self, failed_limit: int = 50, ingest_limit: int = 10) -> dict:
        """Counts per state, the failed orders and the last ingests, as JSON-able data."""
        return self.run_in_transaction(lambda: self._status(failed_limit, ingest_limit), write=False)

    def _status(self, failed_limit: int, ingest_limit: int) -> dict:
        versions = self._applied_versions() if self.table_columns(self.tables.migrations) else []
        if not versions:
            raise StoreError("the database has no ordersync schema yet: run `python -m shared db migrate`")
        has_customer = CUSTOMER_COLUMN.casefold() in {name.casefold() for name in self.order_columns()}
        customer = self.dialect.quote(CUSTOMER_COLUMN) if has_customer else "NULL"
        # A failed archive keeps its order REMOVED (it is still to be archived), with its attempts and error.
        sql, params = self.dialect.select_first(
            failed_limit, f"business_key, {customer}, sync_attempts, sync_error, next_attempt_at",
            f"FROM {self.orders_table} WHERE sync_state = ? OR (sync_state = ? AND sync_attempts > 0) "
            f"ORDER BY updated_at DESC, business_key", (OrderState.FAILED, OrderState.REMOVED))
        failed = [{"business_key": key, "customer": name, "attempts": attempts, "last_error": error,
                   "next_attempt_at": next_attempt, "parked": attempts >= self.max_attempts}
                  for key, name, attempts, error, next_attempt in self.query(sql, params)]
        sql, params = self.dialect.select_first(
            ingest_limit, ", ".join(LOG_COLUMNS), f"FROM {self.ingest_log_table} ORDER BY ingest_id DESC")
        return {
            "database": self.kind,
            "schema_version": versions[-1][1],
            "orders": self._state_counts(self.orders_table, ORDER_STATES),
            **self._work_counts(),
            "lines": self._state_counts(self.lines_table, LINE_STATES),
            "failed_orders": failed,
            "ingests": [IngestLogEntry(*row).to_dict() for row in self.query(sql, params)],
        }

    def _work_counts(self) -> dict[str, int]:
        """pending: orders waiting for a sync (NEW, CHANGED, FAILED not parked); to_archive: REMOVED orders
        waiting for their item to be archived; parked: FAILED or REMOVED orders at max_attempts."""
        counts = dict(self.query(
            f"SELECT work, COUNT(*) FROM (SELECT CASE WHEN sync_attempts >= ? AND sync_state IN (?, ?) "
            f"THEN 'parked' WHEN sync_state = ? THEN 'to_archive' ELSE 'pending' END AS work "
            f"FROM {self.orders_table} WHERE sync_state IN (?, ?, ?, ?)) waiting GROUP BY work",
            (self.max_attempts, OrderState.FAILED, OrderState.REMOVED, OrderState.REMOVED, OrderState.NEW,
             OrderState.CHANGED, OrderState.FAILED, OrderState.REMOVED)))
        return {name: counts.get(name, 0) for name in ("pending", "to_archive", "parked")}

    def _state_counts(self, table: str, states: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(states, 0)
        counts.update(self.query(f"SELECT sync_state, COUNT(*) FROM {table} GROUP BY sync_state"))
        return counts
