"""Write-back: what monday answered for an order or a line (synced, failed, its item or subitem gone, the line
deleted) recorded on its row, unless the row changed meanwhile, and only under the claim the worker holds.

Every write-back names the claim it writes under. A worker whose claim was taken over (it outlived its claim,
and another worker planned the orders again) leaves their state to the new holder; only an id monday gave it
for an order or line that has none is kept, so the next run updates that item instead of making a twin.

Lock order, as in the ingest: orders, then lines. A write to a line first updates (and so locks) its order's
row, which is also how the claim is checked, so on SQL Server a write-back and an ingest never deadlock.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from datetime import datetime

from ..common.records import LineState, OrderState
from .timestamps import timestamp_text
from .transactions import IN_LIST_CHUNK, StoreTransactions


class WriteBackMixin(StoreTransactions):
    """The sync engine's write-back into the orders and lines of :class:`OrderStore`."""

    def claimed_by(self, claim_id: str) -> ClaimedStore:
        """This store as the worker holding ``claim_id`` uses it: every write-back under that claim."""
        return ClaimedStore(self, claim_id)

    def order_synced(self, record_uuid: str, item_id: str, group_id: str | None, row_hash: str, now: datetime,
                     *, claim_id: str) -> None:
        """monday holds this version of the order: ids kept; SYNCED unless the row changed meanwhile. Under
        a claim taken over, only an item id the row lacks is kept."""
        moment = timestamp_text(now)

        def write() -> None:
            held = self.execute(
                f"UPDATE {self.orders_table} SET monday_item_id = ?, "
                f"monday_group_id = COALESCE(?, monday_group_id), "
                f"sync_state = CASE WHEN row_hash = ? THEN ? ELSE sync_state END, "
                f"sync_attempts = CASE WHEN row_hash = ? THEN 0 ELSE sync_attempts END, "
                f"sync_error = NULL, next_attempt_at = NULL, last_synced_at = ?, updated_at = ? "
                f"WHERE record_uuid = ? AND claim_id = ?",
                (item_id, group_id, row_hash, OrderState.SYNCED, row_hash, moment, moment, record_uuid,
                 claim_id)).rowcount == 1
            if not held:  # the item exists on monday: a row without an item id gets it, nothing more
                self.execute(f"UPDATE {self.orders_table} SET monday_item_id = ?, "
                             f"monday_group_id = COALESCE(?, monday_group_id), updated_at = ? "
                             f"WHERE record_uuid = ? AND monday_item_id IS NULL",
                             (item_id, group_id, moment, record_uuid))

        self.run_in_transaction(write)

    def order_failed(self, record_uuid: str, row_hash: str, error: str, attempts: int,
                     next_attempt_at: datetime | None, now: datetime, *, claim_id: str) -> None:
        """monday refused this version: FAILED, attempts, error, retry time. A row changed meanwhile keeps
        what the ingest gave it (NEW or CHANGED, no attempts): the refusal was of a version that is gone."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET sync_state = ?, sync_attempts = ?, sync_error = ?, "
            f"next_attempt_at = ?, updated_at = ? WHERE record_uuid = ? AND claim_id = ? AND row_hash = ?",
            (OrderState.FAILED, attempts, error[:4000],
             timestamp_text(next_attempt_at) if next_attempt_at else None, timestamp_text(now), record_uuid,
             claim_id, row_hash)))

    def order_item_gone(self, record_uuid: str, now: datetime, *, claim_id: str) -> None:
        """The order's item was deleted on monday, and its subitems with it: forget their ids so the next
        sync creates them again (sizes waiting for removal have nothing left to remove)."""
        self.run_in_transaction(lambda: self._forget_item(record_uuid, timestamp_text(now), claim_id))

    def _forget_item(self, record_uuid: str, moment: str, claim_id: str | None = None) -> bool:
        """The order's item and its subitems are forgotten (NEW); with ``claim_id``, only under that claim."""
        under_claim = ("", ()) if claim_id is None else (" AND claim_id = ?", (claim_id,))
        held = self.execute(
            f"UPDATE {self.orders_table} SET monday_item_id = NULL, monday_group_id = NULL, "
            f"sync_state = ?, sync_attempts = 0, sync_error = NULL, next_attempt_at = NULL, "
            f"updated_at = ? WHERE record_uuid = ?{under_claim[0]}",
            (OrderState.NEW, moment, record_uuid, *under_claim[1])).rowcount == 1
        if held:
            self.execute(f"DELETE FROM {self.lines_table} WHERE record_uuid = ? AND sync_state = ?",
                         (record_uuid, LineState.REMOVED))
            self._forget_subitems("record_uuid", record_uuid, moment)
        return held

    def order_moved(self, record_uuid: str, group_id: str, now: datetime, *, claim_id: str) -> None:
        """The order's item now sits in this group."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET monday_group_id = ?, updated_at = ? WHERE record_uuid = ? "
            f"AND claim_id = ?", (group_id, timestamp_text(now), record_uuid, claim_id)))

    def order_archived(self, record_uuid: str, now: datetime, *, claim_id: str) -> None:
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
                f"AND sync_state = ? AND claim_id = ?",
                (OrderState.ARCHIVED, moment, moment, record_uuid, OrderState.REMOVED, claim_id))
            if archived.rowcount:
                self.execute(f"DELETE FROM {self.lines_table} WHERE record_uuid = ? AND sync_state = ?",
                             (record_uuid, LineState.REMOVED))
            else:  # came back meanwhile (or the claim was taken over: then nothing changes)
                self._forget_item(record_uuid, moment, claim_id)

        self.run_in_transaction(write)

    def order_archive_failed(self, record_uuid: str, error: str, attempts: int,
                             next_attempt_at: datetime | None, now: datetime, *, claim_id: str) -> None:
        """monday refused to archive the item: the order stays REMOVED with its attempts, message and retry
        time (parked at max_attempts, like any record)."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET sync_attempts = ?, sync_error = ?, next_attempt_at = ?, "
            f"updated_at = ? WHERE record_uuid = ? AND sync_state = ? AND claim_id = ?",
            (attempts, error[:4000], timestamp_text(next_attempt_at) if next_attempt_at else None,
             timestamp_text(now), record_uuid, OrderState.REMOVED, claim_id)))

    def line_subitem_gone(self, line_uuid: str, now: datetime, *, claim_id: str) -> None:
        """The line's subitem was deleted on monday: forget its id so the next sync creates it again."""
        def write() -> None:
            if self._hold_order_of_line(line_uuid, claim_id):
                self._forget_subitems("line_uuid", line_uuid, timestamp_text(now))

        self.run_in_transaction(write)

    def _forget_subitems(self, key_column: str, key: str, moment: str) -> None:
        if key_column not in ("record_uuid", "line_uuid"):  # a fixed name, never data
            raise ValueError(f"not a line key: {key_column!r}")
        self.execute(
            f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL, sync_state = ?, "
            f"sync_attempts = 0, sync_error = NULL, updated_at = ? WHERE {key_column} = ?",
            (LineState.NEW, moment, key))

    def _hold_order_of_line(self, line_uuid: str, claim_id: str, next_attempt_at: str | None = None) -> bool:
        """Whether the claim still holds the line's order. If so its row is updated, and so locked, before
        the line is written: orders, then lines. ``next_attempt_at`` moves the order's next attempt."""
        assignment = "next_attempt_at = ?" if next_attempt_at is not None else "claim_id = claim_id"
        return 1 == self.execute(
            f"UPDATE {self.orders_table} SET {assignment} WHERE claim_id = ? AND record_uuid = "
            f"(SELECT record_uuid FROM {self.lines_table} WHERE line_uuid = ?)",
            (*((next_attempt_at,) if next_attempt_at is not None else ()), claim_id, line_uuid)).rowcount

    def line_synced(self, line_uuid: str, subitem_id: str, parent_item_id: str, qty: str, now: datetime,
                    *, claim_id: str) -> bool:
        """monday holds this quantity: ids kept; SYNCED unless the line changed or was removed meanwhile.
        False when the line does not want this subitem: its row is gone (an ingest dropped the size while
        the subitem was being made), or the claim was taken over and the line holds another subitem."""
        moment = timestamp_text(now)
        current = "sync_state <> ? AND qty = ?"

        def write() -> bool:
            if not self._hold_order_of_line(line_uuid, claim_id):  # keep the id only where the line has none
                return 1 == self.execute(
                    f"UPDATE {self.lines_table} SET monday_subitem_id = ?, parent_item_id = ? WHERE "
                    f"line_uuid = ? AND (monday_subitem_id IS NULL OR monday_subitem_id = ?)",
                    (subitem_id, parent_item_id, line_uuid, subitem_id)).rowcount
            return 1 == self.execute(
                f"UPDATE {self.lines_table} SET monday_subitem_id = ?, parent_item_id = ?, "
                f"sync_state = CASE WHEN {current} THEN ? ELSE sync_state END, "
                f"sync_attempts = CASE WHEN {current} THEN 0 ELSE sync_attempts END, "
                f"sync_error = NULL, last_synced_at = ?, updated_at = ? WHERE line_uuid = ?",
                (subitem_id, parent_item_id, LineState.REMOVED, int(qty), LineState.SYNCED, LineState.REMOVED,
                 int(qty), moment, moment, line_uuid)).rowcount

        return self.run_in_transaction(write)

    def line_failed(self, line_uuid: str, qty: str, error: str, attempts: int,
                    next_attempt_at: datetime | None, now: datetime, *, claim_id: str) -> None:
        """monday refused this line's write: FAILED (a failed delete stays REMOVED), attempts, message; its
        order's next attempt is moved to the line's retry time. A quantity changed meanwhile keeps what the
        ingest gave the line (CHANGED or NEW, no attempts): the refusal was of a quantity that is gone."""
        def write() -> None:
            retry = timestamp_text(next_attempt_at) if next_attempt_at is not None else None
            if self._hold_order_of_line(line_uuid, claim_id, retry):
                self.execute(
                    f"UPDATE {self.lines_table} SET sync_state = CASE WHEN sync_state = ? THEN sync_state "
                    f"ELSE ? END, sync_attempts = ?, sync_error = ?, updated_at = ? WHERE line_uuid = ? "
                    f"AND qty = ?",
                    (LineState.REMOVED, LineState.FAILED, attempts, error[:4000], timestamp_text(now),
                     line_uuid, int(qty)))

        self.run_in_transaction(write)

    def line_deleted(self, line_uuid: str, *, claim_id: str) -> None:
        """Its subitem is gone: the line row goes too. A size that came back meanwhile keeps its row, without
        the subitem id, so the next run creates the subitem again."""
        def write() -> None:
            if not self._hold_order_of_line(line_uuid, claim_id):
                return
            gone = self.execute(f"DELETE FROM {self.lines_table} WHERE line_uuid = ? AND sync_state = ?",
                                (line_uuid, LineState.REMOVED)).rowcount
            if not gone:
                self.execute(f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL "
                             f"WHERE line_uuid = ?", (line_uuid,))

        self.run_in_transaction(write)

    def forget_lines(self, line_uuids: Sequence[str], *, claim_id: str) -> None:
        """Drop REMOVED lines that never got a subitem (of orders the claim still holds)."""
        def write() -> None:
            for start in range(0, len(line_uuids), IN_LIST_CHUNK):
                chunk = line_uuids[start:start + IN_LIST_CHUNK]
                marks = ", ".join("?" * len(chunk))
                self.execute(f"UPDATE {self.orders_table} SET claim_id = claim_id WHERE claim_id = ? AND "
                             f"record_uuid IN (SELECT record_uuid FROM {self.lines_table} "
                             f"WHERE line_uuid IN ({marks}))", (claim_id, *chunk))
                self.execute(f"DELETE FROM {self.lines_table} WHERE sync_state = ? "
                             f"AND monday_subitem_id IS NULL AND line_uuid IN ({marks}) AND record_uuid IN "
                             f"(SELECT record_uuid FROM {self.orders_table} WHERE claim_id = ?)",
                             (LineState.REMOVED, *chunk, claim_id))

        self.run_in_transaction(write)


# The write-back methods: the public ones taking the claim they write under as the keyword ``claim_id``.
WRITE_BACK_METHODS = frozenset(
    name for name, method in vars(WriteBackMixin).items() if inspect.isfunction(method)
    and not name.startswith("_") and getattr(inspect.signature(method).parameters.get("claim_id"), "kind",
                                             None) is inspect.Parameter.KEYWORD_ONLY)


class ClaimedStore:
    """The store as the worker holding one claim uses it: the write-back methods write under that claim, every
    other attribute is the store's own. Made by :meth:`WriteBackMixin.claimed_by`."""

    def __init__(self, store: WriteBackMixin, claim_id: str):
        self._store, self.claim_id = store, claim_id

    def __getattr__(self, name: str):
        attribute = getattr(self._store, name)
        if name in WRITE_BACK_METHODS:
            return functools.partial(attribute, claim_id=self.claim_id)
        return attribute

    def __repr__(self) -> str:
        return f"ClaimedStore({self._store!r}, claim {self.claim_id})"
