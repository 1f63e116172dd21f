"""What reconcile reads and marks: every order and line with the orders a worker holds right now, and the
marks that hand drift on the board to the next sync (an item or subitem someone changed is CHANGED again, an
item in another group gets that group recorded, another item holding an order's key is adopted).

An item or subitem that is gone is forgotten with :meth:`order_item_gone` / :meth:`line_subitem_gone`, as
when the sync itself finds it gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..common.records import LineRow, LineState, OrderRow, OrderState
from .order_reads import OrderReadsMixin
from .timestamps import timestamp_text
from .write_back import WriteBackMixin


@dataclass(frozen=True)
class MirrorRows:
    """The whole order book as reconcile compares it with the board."""

    orders: list[OrderRow]
    lines: list[LineRow]
    held: frozenset[str]  # record_uuids a worker's live claim holds: in flight, not compared


class BoardRepairsMixin(WriteBackMixin, OrderReadsMixin):
    """Reconcile's reads and marks on :class:`OrderStore`."""

    def mirror_rows(self, now: datetime) -> MirrorRows:
        def read() -> MirrorRows:
            held = {row[0] for row in self.query(
                f"SELECT record_uuid FROM {self.orders_table} WHERE claim_id IS NOT NULL "
                f"AND claimed_until >= ?", (timestamp_text(now),))}
            return MirrorRows(self._select_every_order(), self._select_every_line(), frozenset(held))

        return self.run_in_transaction(read, write=False)

    def orders_changed_on_board(self, groups: Mapping[str, str | None], now: datetime) -> int:
        """SYNCED orders whose item differs on the board become CHANGED (the next sync writes them again);
        ``groups`` maps each record_uuid to the group its item sits in, when known, so a move follows."""
        moment = timestamp_text(now)

        def write() -> int:
            return sum(self.execute(
                f"UPDATE {self.orders_table} SET sync_state = ?, "
                f"monday_group_id = COALESCE(?, monday_group_id), updated_at = ? "
                f"WHERE record_uuid = ? AND sync_state = ?",
                (OrderState.CHANGED, group_id, moment, record_uuid, OrderState.SYNCED)).rowcount
                for record_uuid, group_id in groups.items())

        return self.run_in_transaction(write)

    def lines_changed_on_board(self, line_uuids: Sequence[str], now: datetime) -> int:
        """SYNCED lines whose subitem differs on the board become CHANGED."""
        moment = timestamp_text(now)

        return self.run_in_transaction(lambda: self.execute_in(
            lambda marks: f"UPDATE {self.lines_table} SET sync_state = ?, updated_at = ? "
                          f"WHERE sync_state = ? AND line_uuid IN ({marks})", line_uuids,
            (LineState.CHANGED, moment, LineState.SYNCED)))

    def order_item_adopted(self, record_uuid: str, item_id: str, group_id: str | None, now: datetime) -> None:
        """The order's item is gone and another item holds its key: that one becomes the order's item. The
        order is CHANGED so the next sync writes its values; its lines forget their subitems (they were under
        the item that is gone) and are found again by name under the adopted item, or made."""
        moment = timestamp_text(now)

        def write() -> None:
            self._forget_item(record_uuid, moment)
            self.execute(
                f"UPDATE {self.orders_table} SET monday_item_id = ?, monday_group_id = ?, sync_state = ?, "
                f"updated_at = ? WHERE record_uuid = ?", (item_id, group_id, OrderState.CHANGED, moment,
                                                          record_uuid))

        self.run_in_transaction(write)
