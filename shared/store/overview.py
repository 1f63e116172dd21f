"""What the status page shows of the order book: orders per customer and state, and the orders and lines
that wait for something (pending, failed, parked) — identified by business key, customer and state only, with
the stored error text for the caller to reduce to its kind."""

from __future__ import annotations

from ..common.records import LineState, OrderState
from .order_reads import OrderReadsMixin

PENDING_STATES = (OrderState.NEW, OrderState.CHANGED)


class OverviewMixin(OrderReadsMixin):
    """The order book at a glance, for :class:`OrderStore`."""

    def _customer_sql(self, alias: str) -> str:
        column = self.customer_column()
        return f"{alias}.{column}" if column else "NULL"

    def customer_states(self) -> list[tuple[str, str, bool, int]]:
        """(customer, state, parked, orders) for every customer and state present."""
        def read() -> list[tuple[str, str, bool, int]]:
            # a derived table, so T-SQL groups by the CASE without repeating its parameters
            rows = self.query(
                f"SELECT customer, sync_state, parked, COUNT(*) FROM (SELECT {self._customer_sql('o')} AS "
                f"customer, o.sync_state AS sync_state, CASE WHEN o.sync_state = ? AND o.sync_attempts >= ? "
                f"THEN 1 ELSE 0 END AS parked FROM {self.orders_table} o) t "
                f"GROUP BY customer, sync_state, parked",
                (OrderState.FAILED, self.max_attempts))
            return [(name or "", state, bool(is_parked), count) for name, state, is_parked, count in rows]

        return self.run_in_transaction(read, write=False)

    def orders_waiting(self, limit: int = 100) -> list[dict]:
        """Failed and pending orders, failed first (newest failure first), then pending (oldest first)."""
        def read() -> list[dict]:
            customer = self._customer_sql("o")
            head = (f"o.business_key, {customer}, o.sync_state, o.sync_attempts, o.next_attempt_at, "
                    f"o.sync_error, o.updated_at")
            failed_sql, failed_params = self.dialect.select_first(
                limit, head, f"FROM {self.orders_table} o WHERE o.sync_state = ? "
                             f"ORDER BY o.updated_at DESC, o.business_key", (OrderState.FAILED,))
            pending_sql, pending_params = self.dialect.select_first(
                limit, head, f"FROM {self.orders_table} o WHERE o.sync_state IN (?, ?) "
                             f"ORDER BY o.ingested_at, o.business_key", PENDING_STATES)
            rows = self.query(failed_sql, failed_params) + self.query(pending_sql, pending_params)
            return [self._waiting(row) for row in rows[:limit]]

        return self.run_in_transaction(read, write=False)

    def lines_failed(self, limit: int = 100) -> list[dict]:
        """Failed lines (and removed ones whose delete failed) with their order's key and customer."""
        def read() -> list[dict]:
            customer = self._customer_sql("o")
            sql, params = self.dialect.select_first(
                limit, f"o.business_key, {customer}, l.sync_state, l.sync_attempts, o.next_attempt_at, "
                       f"l.sync_error, l.updated_at, l.size_code",
                f"FROM {self.lines_table} l JOIN {self.orders_table} o ON o.record_uuid = l.record_uuid "
                f"WHERE l.sync_state = ? OR (l.sync_state = ? AND l.sync_attempts > 0) "
                f"ORDER BY l.updated_at DESC, o.business_key, l.size_code",
                (LineState.FAILED, LineState.REMOVED))
            return [{**self._waiting(row[:7]), "size_code": row[7]} for row in self.query(sql, params)]

        return self.run_in_transaction(read, write=False)

    def _waiting(self, row: tuple) -> dict:
        key, customer, state, attempts, next_attempt, error, updated = row
        return {"business_key": key, "customer": customer or "", "state": state, "attempts": attempts,
                "parked": state in (OrderState.FAILED, LineState.REMOVED) and attempts >= self.max_attempts,
                "next_attempt_at": next_attempt, "error": error, "updated_at": updated}
