"""Reading orders and their size lines back as :class:`OrderRow` and :class:`LineRow`, every business column
included, and the customers the store knows.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..common.records import CUSTOMER_COLUMN, LineRow, OrderRow
from .schema import SchemaMixin

_ORDER_HEAD = ("record_uuid, business_key, row_hash, sync_state, monday_item_id, sync_attempts, "
               "monday_group_id, sync_error")
_LINE_HEAD = ("line_uuid, record_uuid, size_code, qty, sync_state, monday_subitem_id, sync_attempts, "
              "sync_error")


class OrderReadsMixin(SchemaMixin):
    """Order and line reads of :class:`OrderStore`."""

    def orders_by_key(self, business_keys: Sequence[str]) -> dict[str, OrderRow]:
        orders = self.run_in_transaction(lambda: self._select_orders("business_key", business_keys),
                                         write=False)
        return {order.business_key: order for order in orders}

    def _select_orders(self, column: str, values: Sequence[str], *, claim_id: str | None = None
                       ) -> list[OrderRow]:
        """The orders whose ``column`` is one of ``values`` (only those ``claim_id`` holds, when given)."""
        business = self.order_columns()
        held, params = ("claim_id = ? AND ", (claim_id,)) if claim_id is not None else ("", ())
        rows = self.select_in(
            lambda marks: f"{self._order_select(business)} WHERE {held}{column} IN ({marks})", values, params)
        return [self._order_row(business, row) for row in rows]

    def _select_every_order(self) -> list[OrderRow]:
        business = self.order_columns()
        return [self._order_row(business, row)
                for row in self.query(f"{self._order_select(business)} ORDER BY business_key")]

    def _order_select(self, business: Sequence[str]) -> str:
        quoted = ", ".join(self.dialect.quote(name) for name in business)
        return f"SELECT {_ORDER_HEAD}{', ' + quoted if quoted else ''} FROM {self.orders_table}"

    @staticmethod
    def _order_row(business: Sequence[str], row: tuple) -> OrderRow:
        return OrderRow(record_uuid=row[0], business_key=row[1], row_hash=row[2], sync_state=row[3],
                        monday_item_id=row[4], sync_attempts=row[5], monday_group_id=row[6],
                        sync_error=row[7], values=dict(zip(business, row[8:], strict=True)))

    def lines_of(self, record_uuids: Sequence[str]) -> list[LineRow]:
        """The lines of these orders, every state included."""
        def read() -> list[tuple]:
            return self.select_in(
                lambda marks: f"SELECT {_LINE_HEAD} FROM {self.lines_table} "
                              f"WHERE record_uuid IN ({marks}) ORDER BY record_uuid, size_code", record_uuids)

        return [_line_row(row) for row in self.run_in_transaction(read, write=False)]

    def _select_every_line(self) -> list[LineRow]:
        return [_line_row(row) for row in self.query(
            f"SELECT {_LINE_HEAD} FROM {self.lines_table} ORDER BY record_uuid, size_code")]

    def business_keys(self) -> list[str]:
        return [row[0] for row in self.run_in_transaction(
            lambda: self.query(f"SELECT business_key FROM {self.orders_table} ORDER BY business_key"),
            write=False)]

    def customer_column(self) -> str | None:
        """The quoted customer column of the orders table; None before anything was ingested."""
        name = self.stored_column(CUSTOMER_COLUMN)
        return self.dialect.quote(name) if name else None

    def customer_names(self) -> list[str]:
        """Every customer name the orders table holds (canonical names, and unknown customers' own)."""
        def read() -> list[str]:
            column = self.customer_column()
            if column is None:
                return []
            return sorted(row[0] for row in self.query(
                f"SELECT DISTINCT {column} FROM {self.orders_table} WHERE {column} IS NOT NULL"))

        return self.run_in_transaction(read, write=False)


def _line_row(row: tuple) -> LineRow:
    line_uuid, record_uuid, size_code, qty, state, subitem_id, attempts, error = row
    return LineRow(line_uuid, record_uuid, size_code, str(qty), state, subitem_id, attempts, error)
