"""Write-back: what monday answered for an order or a line (synced, failed, its item or subitem gone, the line
deleted) recorded on its row, unless the row changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..common.records import LineState, OrderState
from .timestamps import timestamp_text
from .transactions import IN_LIST_CHUNK, StoreTransactions


class WriteBackMixin(StoreTransactions):
    """The sync engine's write-back into the orders and lines of :class:`OrderStore`."""

    def order_synced(self, record_uuid: str, item_id: str, group_id: str | None, row_hash: str,
                     now: datetime) -> None:
        """monday holds this version of the order: ids kept; SYNCED unless the row changed meanwhile."""
        moment = timestamp_text(now)
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET monday_item_id = ?, "
            f"monday_group_id = COALESCE(?, monday_group_id), "
            f"sync_state = CASE WHEN row_hash = ? THEN ? ELSE sync_state END, "
            f"sync_attempts = CASE WHEN row_hash = ? THEN 0 ELSE sync_attempts END, "
            f"sync_error = NULL, next_attempt_at = NULL, last_synced_at = ?, updated_at = ? "
            f"WHERE record_uuid = ?",
            (item_id, group_id, row_hash, OrderState.SYNCED, row_hash, moment, moment, record_uuid)))

    def order_failed(self, record_uuid: str, row_hash: str, error: str, attempts: int,
                     next_attempt_at: datetime | None, now: datetime) -> None:
        """monday refused this version: FAILED (unless the row changed meanwhile), attempts, error, retry."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET sync_state = CASE WHEN row_hash = ? THEN ? ELSE sync_state END, "
            f"sync_attempts = ?, sync_error = ?, next_attempt_at = ?, updated_at = ? WHERE record_uuid = ?",
            (row_hash, OrderState.FAILED, attempts, error[:4000],
             timestamp_text(next_attempt_at) if next_attempt_at else None, timestamp_text(now), record_uuid)))

    def order_item_gone(self, record_uuid: str, now: datetime) -> None:
        """The order's item was deleted on monday, and its subitems with it: forget their ids so the next
        sync creates them again (sizes waiting for removal have nothing left to remove)."""
        self.run_in_transaction(lambda: self._forget_item(record_uuid, timestamp_text(now)))

    def _forget_item(self, record_uuid: str, moment: str) -> None:
        self.execute(
            f"UPDATE {self.orders_table} SET monday_item_id = NULL, monday_group_id = NULL, "
            f"sync_state = ?, sync_attempts = 0, sync_error = NULL, next_attempt_at = NULL, "
            f"updated_at = ? WHERE record_uuid = ?", (OrderState.NEW, moment, record_uuid))
        self.execute(f"DELETE FROM {self.lines_table} WHERE record_uuid = ? AND sync_state = ?",
                     (record_uuid, LineState.REMOVED))
        self._forget_subitems("record_uuid", record_uuid, moment)

    def order_moved(self, record_uuid: str, group_id: str, now: datetime) -> None:
        """The order's item now sits in this group."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET monday_group_id = ?, updated_at = ? WHERE record_uuid = ?",
            (group_id, timestamp_text(now), record_uuid)))

    def order_archived(self, record_uuid: str, now: datetime) -> None:
        """A REMOVED order's item is archived (or it never had one): the order is ARCHIVED, keeping the
        archived item's id; its lines go with it (sizes waiting for removal are dropped: their subitems went
        to the archive with the item).

        An order that came back meanwhile (no longer REMOVED) lost its item to monday's archive, which has
        no way back: its ids are forgotten and the next sync gives it a new item.
        """
        moment = timestamp_text(now)

        def write() -> None:
            archived = self.execute(
                f"UPDATE {self.orders_table} SET sync_state = ?, sync_attempts = 0, sync_error = NULL, "
                f"next_attempt_at = NULL, last_synced_at = ?, updated_at = ? WHERE record_uuid = ? "
                f"AND sync_state = ?", (OrderState.ARCHIVED, moment, moment, record_uuid, OrderState.REMOVED))
            if archived.rowcount:
                self.execute(f"DELETE FROM {self.lines_table} WHERE record_uuid = ? AND sync_state = ?",
                             (record_uuid, LineState.REMOVED))
            else:
                self._forget_item(record_uuid, moment)

        self.run_in_transaction(write)

    def order_archive_failed(self, record_uuid: str, error: str, attempts: int,
                             next_attempt_at: datetime | None, now: datetime) -> None:
        """monday refused to archive the item: the order stays REMOVED with its attempts, message and retry
        time (parked at max_attempts, like any record)."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET sync_attempts = ?, sync_error = ?, next_attempt_at = ?, "
            f"updated_at = ? WHERE record_uuid = ? AND sync_state = ?",
            (attempts, error[:4000], timestamp_text(next_attempt_at) if next_attempt_at else None,
             timestamp_text(now), record_uuid, OrderState.REMOVED)))

    def line_subitem_gone(self, line_uuid: str, now: datetime) -> None:
        """The line's subitem was deleted on monday: forget its id so the next sync creates it again."""
        self.run_in_transaction(lambda: self._forget_subitems("line_uuid", line_uuid, timestamp_text(now)))

    def _forget_subitems(self, key_column: str, key: str, moment: str) -> None:
        if key_column not in ("record_uuid", "line_uuid"):  # a fixed name, never data
            raise ValueError(f"not a line key: {key_column!r}")
        self.execute(
            f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL, sync_state = ?, "
            f"sync_attempts = 0, sync_error = NULL, updated_at = ? WHERE {key_column} = ?",
            (LineState.NEW, moment, key))

    def line_synced(self, line_uuid: str, subitem_id: str, parent_item_id: str, qty: str,
                    now: datetime) -> bool:
        """monday holds this quantity: ids kept; SYNCED unless the line changed or was removed meanwhile.
        False when the line row is gone (an ingest dropped it while its subitem was being created)."""
        moment = timestamp_text(now)
        current = "sync_state <> ? AND qty = ?"
        return 1 == self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.lines_table} SET monday_subitem_id = ?, parent_item_id = ?, "
            f"sync_state = CASE WHEN {current} THEN ? ELSE sync_state END, "
            f"sync_attempts = CASE WHEN {current} THEN 0 ELSE sync_attempts END, "
            f"sync_error = NULL, last_synced_at = ?, updated_at = ? WHERE line_uuid = ?",
            (subitem_id, parent_item_id, LineState.REMOVED, int(qty), LineState.SYNCED, LineState.REMOVED,
             int(qty), moment, moment, line_uuid)).rowcount)

    def line_failed(self, line_uuid: str, qty: str, error: str, attempts: int,
                    next_attempt_at: datetime | None, now: datetime) -> None:
        """monday refused this line's write: FAILED (a failed delete stays REMOVED; a line changed meanwhile
        keeps its state), attempts, message; its order's next attempt is moved to the line's retry time."""
        moment = timestamp_text(now)

        def write() -> None:
            self.execute(
                f"UPDATE {self.lines_table} SET sync_state = CASE WHEN sync_state = ? THEN sync_state "
                f"WHEN qty = ? THEN ? ELSE sync_state END, sync_attempts = ?, sync_error = ?, updated_at = ? "
                f"WHERE line_uuid = ?",
                (LineState.REMOVED, int(qty), LineState.FAILED, attempts, error[:4000], moment, line_uuid))
            if next_attempt_at is not None:
                self.execute(
                    f"UPDATE {self.orders_table} SET next_attempt_at = ? WHERE record_uuid = "
                    f"(SELECT record_uuid FROM {self.lines_table} WHERE line_uuid = ?)",
                    (timestamp_text(next_attempt_at), line_uuid))

        self.run_in_transaction(write)

    def line_deleted(self, line_uuid: str) -> None:
        """Its subitem is gone: the line row goes too. A size that came back meanwhile keeps its row, without
        the subitem id, so the next run creates the subitem again."""
        def write() -> None:
            gone = self.execute(f"DELETE FROM {self.lines_table} WHERE line_uuid = ? AND sync_state = ?",
                                (line_uuid, LineState.REMOVED)).rowcount
            if not gone:
                self.execute(f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL "
                             f"WHERE line_uuid = ?", (line_uuid,))

        self.run_in_transaction(write)

    def forget_lines(self, line_uuids: Sequence[str]) -> None:
        """Drop REMOVED lines that never got a subitem."""
        def write() -> None:
            for start in range(0, len(line_uuids), IN_LIST_CHUNK):
                chunk = line_uuids[start:start + IN_LIST_CHUNK]
                marks = ", ".join("?" * len(chunk))
                self.execute(f"DELETE FROM {self.lines_table} WHERE sync_state = ? "
                             f"AND monday_subitem_id IS NULL AND line_uuid IN ({marks})",
                             (LineState.REMOVED, *chunk))

        self.run_in_transaction(write)
