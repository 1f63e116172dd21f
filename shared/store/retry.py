"""Retry: FAILED and parked orders and lines (a failed archive keeps its order REMOVED, a failed subitem
delete its line REMOVED) made due now with their attempt counts reset, once a person has fixed the cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..common.records import LineState, OrderState
from .order_reads import OrderReadsMixin
from .timestamps import timestamp_text


@dataclass(frozen=True)
class RetryCounts:
    orders: int  # orders made due now
    lines: int  # their lines that had failed


class RetryMixin(OrderReadsMixin):
    """Retrying failed records of :class:`OrderStore`."""

    def retry_failed(self, now: datetime, *, customer: str | None = None,
                     business_key: str | None = None) -> RetryCounts:
        """Make the failed records (of one customer, of one order, or all) due now, attempts reset to 0."""
        def write() -> RetryCounts:
            uuids = self._failed_orders(customer, business_key)
            lines = [row[0] for row in self.select_in(
                lambda marks: f"SELECT line_uuid FROM {self.lines_table} WHERE (sync_state = ? OR "
                              f"(sync_state = ? AND sync_attempts > 0)) AND record_uuid IN ({marks})",
                uuids, (LineState.FAILED, LineState.REMOVED))]
            moment = timestamp_text(now)
            orders, lines_table = self.orders_table, self.lines_table
            self.execute_in(lambda marks: f"UPDATE {orders} SET sync_attempts = 0, next_attempt_at = NULL, "
                                          f"updated_at = ? WHERE record_uuid IN ({marks})", uuids, (moment,))
            self.execute_in(lambda marks: f"UPDATE {lines_table} SET sync_attempts = 0, updated_at = ? "
                                          f"WHERE line_uuid IN ({marks})", lines, (moment,))
            return RetryCounts(len(uuids), len(lines))

        return self.run_in_transaction(write)

    def _failed_orders(self, customer: str | None, business_key: str | None) -> list[str]:
        failed_line = (f"EXISTS (SELECT 1 FROM {self.lines_table} l WHERE l.record_uuid = o.record_uuid "
                       f"AND (l.sync_state = ? OR (l.sync_state = ? AND l.sync_attempts > 0)))")
        sql = (f"SELECT o.record_uuid FROM {self.orders_table} o WHERE (o.sync_state = ? "
               f"OR (o.sync_state = ? AND o.sync_attempts > 0) OR (o.sync_state <> ? AND {failed_line}))")
        params: list = [OrderState.FAILED, OrderState.REMOVED, OrderState.ARCHIVED, LineState.FAILED,
                        LineState.REMOVED]
        if business_key is not None:
            sql += " AND o.business_key = ?"
            params.append(business_key)
        if customer is not None:
            column = self.customer_column()
            if column is None:
                return []
            sql += f" AND o.{column} = ?"
            params.append(customer)
        return [row[0] for row in self.query(sql, params)]
