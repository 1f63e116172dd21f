"""Reading orders and their size lines back as :class:`OrderRow` and :class:`LineRow`, every business column
included.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..common.records import LineRow, OrderRow
from .schema import SchemaMixin


class OrderReadsMixin(SchemaMixin):
    """Order and line reads of :class:`OrderStore`."""

    def orders_by_key(self, business_keys: Sequence[str]) -> dict[str, OrderRow]:
        orders = self.run_in_transaction(lambda: self._select_orders("business_key", business_keys),
                                         write=False)
        return {order.business_key: order for order in orders}

    def _select_orders(self, column: str, values: Sequence[str]) -> list[OrderRow]:
        business = self.order_columns()
        quoted = ", ".join(self.dialect.quote(name) for name in business)
        head = "record_uuid, business_key, row_hash, sync_state, monday_item_id, sync_attempts"
        rows = self.select_in(lambda marks: f"SELECT {head}{', ' + quoted if quoted else ''} FROM "
                                            f"{self.orders_table} WHERE {column} IN ({marks})", values)
        return [OrderRow(record_uuid=row[0], business_key=row[1], row_hash=row[2], sync_state=row[3],
                         monday_item_id=row[4], sync_attempts=row[5],
                         values=dict(zip(business, row[6:], strict=True)))
                for row in rows]

    def lines_of(self, record_uuids: Sequence[str]) -> list[LineRow]:
        """The lines of these orders, every state included."""
        def read() -> list[tuple]:
            return self.select_in(
                lambda marks: f"SELECT line_uuid, record_uuid, size_code, qty, sync_state, "
                              f"monday_subitem_id, sync_attempts FROM {self.lines_table} "
                              f"WHERE record_uuid IN ({marks}) ORDER BY record_uuid, size_code", record_uuids)

        return [LineRow(line_uuid, record_uuid, size_code, str(qty), state, subitem_id, attempts)
                for line_uuid, record_uuid, size_code, qty, state, subitem_id, attempts
                in self.run_in_transaction(read, write=False)]
