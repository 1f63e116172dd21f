"""The store's status report: counts per state, the failed orders and the last ingests, as JSON-able data."""

from __future__ import annotations

from collections.abc import Sequence

from ..common.errors import StoreError
from ..common.records import CUSTOMER_COLUMN, LineState, OrderState
from .ingest_log import LOG_COLUMNS, IngestLogEntry
from .ingest_rows import IngestRowsMixin
from .schema import SchemaMixin

ORDER_STATES = (OrderState.NEW, OrderState.CHANGED, OrderState.CLAIMED, OrderState.SYNCED, OrderState.FAILED)
LINE_STATES = (LineState.NEW, LineState.CHANGED, LineState.REMOVED, LineState.SYNCED, LineState.FAILED)


class StatusMixin(IngestRowsMixin, SchemaMixin):
    """The status report of :class:`OrderStore`."""

    def status(self, failed_limit: int = 50, ingest_limit: int = 10, warning_limit: int = 50) -> dict:
        """Counts per state, the failed orders, the last ingests and their warnings, as JSON-able data."""
        return self.run_in_transaction(lambda: self._status(failed_limit, ingest_limit, warning_limit),
                                       write=False)

    def _status(self, failed_limit: int, ingest_limit: int, warning_limit: int) -> dict:
        versions = self._applied_versions() if self.table_columns(self.tables.migrations) else []
        if not versions:
            raise StoreError("the database has no ordersync schema yet: run `python -m shared db migrate`")
        has_customer = CUSTOMER_COLUMN.casefold() in {name.casefold() for name in self.order_columns()}
        customer = self.dialect.quote(CUSTOMER_COLUMN) if has_customer else "NULL"
        sql, params = self.dialect.select_first(
            failed_limit, f"business_key, {customer}, sync_attempts, sync_error, next_attempt_at",
            f"FROM {self.orders_table} WHERE sync_state = ? ORDER BY updated_at DESC, business_key",
            (OrderState.FAILED,))
        failed = [{"business_key": key, "customer": name, "attempts": attempts, "last_error": error,
                   "next_attempt_at": next_attempt, "parked": attempts >= self.max_attempts}
                  for key, name, attempts, error, next_attempt in self.query(sql, params)]
        sql, params = self.dialect.select_first(
            ingest_limit, ", ".join(LOG_COLUMNS), f"FROM {self.ingest_log_table} ORDER BY ingest_id DESC")
        ingests = [IngestLogEntry(*row) for row in self.query(sql, params)]
        return {
            "database": self.kind,
            "schema_version": versions[-1][1],
            "orders": self._state_counts(self.orders_table, ORDER_STATES),
            "lines": self._state_counts(self.lines_table, LINE_STATES),
            "failed_orders": failed,
            "ingests": [entry.to_dict() for entry in ingests],
            "warnings": self._recent_warnings(ingests, warning_limit),  # of the ingests above, newest first
        }

    def _state_counts(self, table: str, states: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(states, 0)
        counts.update(self.query(f"SELECT sync_state, COUNT(*) FROM {table} GROUP BY sync_state"))
        return counts
