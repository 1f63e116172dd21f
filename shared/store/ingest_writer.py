"""Applying one ingest batch: new orders and their size lines inserted, changed ones updated and their lines
diffed, the rest left alone, orders missing from a complete list removed, the file logged as accepted with
its rejected rows and warnings, all in one transaction. The orders are read and written in chunks, so a
large file never sits in memory whole; the file's new columns are added before, in a short transaction of
their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from ..common.errors import StoreError
from ..common.records import CUSTOMER_COLUMN, IncomingOrder, IngestBatch, IngestCounts, LineState, OrderState
from .ingest_log import ACCEPTED, IngestLogEntry
from .ingest_removals import (
    GONE_STATES,
    claim_is_live,
    comes_back_new,
    mark_removed,
    plan_removals,
    renew_orders,
)
from .ingest_rows import IngestRowsMixin
from .schema import SchemaMixin
from .timestamps import timestamp_text

MAX_BUSINESS_KEY = 450  # NVARCHAR(450): the longest key SQL Server can index
MAX_SIZE_CODE = 100
CHUNK_ORDERS = 2000  # orders read, compared and written together


class DuplicateIngest(StoreError):
    """This file content was already applied; applying it again would count every order twice."""


@dataclass(frozen=True)
class _KnownOrder:
    record_uuid: str
    row_hash: str
    sync_state: str
    monday_item_id: str | None
    claim_id: str | None
    claimed_until: str | None

    def in_flight(self, now: str) -> bool:
        """A worker holds the order right now (a claim that has not expired)."""
        return claim_is_live(self.claim_id, self.claimed_until, now)


def _check_order(order: IncomingOrder, seen: dict[str, int]) -> None:
    if not order.business_key or len(order.business_key) > MAX_BUSINESS_KEY:
        raise StoreError(f"row {order.source_row}: the business key must be 1 to {MAX_BUSINESS_KEY} "
                         f"characters long (it is {len(order.business_key)})")
    if order.business_key in seen:
        raise StoreError(f"rows {seen[order.business_key]} and {order.source_row} share the business key "
                         f"{order.business_key!r}")
    seen[order.business_key] = order.source_row
    for size_code in order.sizes:
        if not size_code or len(size_code) > MAX_SIZE_CODE:
            raise StoreError(f"row {order.source_row}: size {size_code!r} must be 1 to {MAX_SIZE_CODE} "
                             f"characters long")


def _chunks(orders, size: int):
    chunk = []
    for order in orders:
        chunk.append(order)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _IngestWriter:
    """The writes of one :meth:`OrderStore.apply_ingest`, run inside its transaction."""

    def __init__(self, store: IngestMixin, batch: IngestBatch, columns: Mapping[str, str]):
        self.store = store
        self.batch = batch
        self.columns = columns  # each header -> the orders table's column (ensure_order_columns)
        self.now = timestamp_text()
        self.counts = IngestCounts()

    def apply(self) -> IngestCounts:
        store, batch = self.store, self.batch
        earlier = store._find_accepted(batch.content_hash)
        if earlier is not None:
            raise DuplicateIngest(f"{batch.file_name}: the same content was already applied "
                                  f"({earlier.file_name}, {earlier.ingested_at})")
        columns = self.columns
        removals = plan_removals(store, batch.removals, columns.get(CUSTOMER_COLUMN))  # refused before writes
        seen: dict[str, int] = {}
        for chunk in _chunks(batch.orders, CHUNK_ORDERS):
            for order in chunk:
                _check_order(order, seen)
            self.apply_chunk(chunk, columns)
        mark_removed(store, removals, batch.file_name, self.now)
        counts = self.counts
        counts.removed, counts.removed_keys = len(removals), [order.business_key for order in removals]
        warned = len({issue.row for issue in batch.issues
                      if issue.kind == "warning" and issue.row is not None})
        try:
            counts.ingest_id = store._log_ingest(IngestLogEntry(
                batch.file_name, batch.content_hash, self.now, ACCEPTED, "", batch.rows_total, counts.new,
                counts.changed, counts.unchanged, batch.rows_rejected, counts.lines_new, counts.lines_changed,
                counts.lines_removed, counts.removed, warned))
        except store._backend.integrity_errors:
            # Another transaction applied the same content after our check (possible on SQL Server; SQLite's
            # write lock serialises ingests). The accepted-content index refuses the second: roll it back.
            raise DuplicateIngest(f"{batch.file_name}: the same content was applied meanwhile") from None
        store._write_ingest_rows(counts.ingest_id, batch.issues)
        return counts

    def apply_chunk(self, orders: list[IncomingOrder], columns: Mapping[str, str]) -> None:
        known = self.known_orders(orders)
        new, changed, renewed = [], [], []
        for order in orders:
            existing = known.get(order.business_key)
            if existing is None:
                new.append(order)
            elif existing.sync_state in GONE_STATES:
                (renewed if comes_back_new(existing, self.now) else changed).append((order, existing))
            elif existing.row_hash != order.row_hash:
                changed.append((order, existing))
        self.counts.unchanged += len(orders) - len(new) - len(changed) - len(renewed)
        # The one lock order, as in the write-back: an order's row is written before its lines.
        new_lines = self.insert_orders(new, columns)
        self.update_orders(changed, columns)
        renewed_lines = renew_orders(self.store, renewed, dict(columns), self.batch.file_name, self.now)
        self.insert_lines(new_lines + renewed_lines)
        self.update_lines(changed)
        self.counts.new += len(renewed)
        self.counts.new_keys += [order.business_key for order, _ in renewed]

    def known_orders(self, orders: list[IncomingOrder]) -> dict[str, _KnownOrder]:
        keys = [order.business_key for order in orders]
        rows = self.store.select_in(
            lambda marks: f"SELECT business_key, record_uuid, row_hash, sync_state, monday_item_id, "
                          f"claim_id, claimed_until FROM {self.store.orders_table} "
                          f"WHERE business_key IN ({marks})", keys)
        return {row[0]: _KnownOrder(*row[1:]) for row in rows}

    def insert_orders(self, orders: list, columns: Mapping[str, str]) -> list[tuple]:
        """Insert the new orders; returns their lines, to be inserted once every order is written."""
        store = self.store
        names = list(columns)
        head = ["record_uuid", "business_key", "row_hash", "sync_state", "source_file", "ingested_at",
                "updated_at"]
        quoted = ", ".join([*head, *(store.dialect.quote(columns[name]) for name in names)])
        marks = ", ".join("?" * (len(head) + len(names)))
        rows, lines = [], []
        for order in orders:
            record_uuid = str(uuid.uuid4())
            values = (order.values.get(name) for name in names)
            rows.append((record_uuid, order.business_key, order.row_hash, OrderState.NEW,
                         self.batch.file_name, self.now, self.now, *values))
            lines.extend((str(uuid.uuid4()), record_uuid, size, qty, LineState.NEW, self.now)
                         for size, qty in order.sizes.items() if qty)
        store.executemany(f"INSERT INTO {store.orders_table} ({quoted}) VALUES ({marks})", rows)
        self.counts.new += len(orders)
        self.counts.new_keys += [order.business_key for order in orders]
        return lines

    def insert_lines(self, lines: list[tuple]) -> None:
        self.store.executemany(f"INSERT INTO {self.store.lines_table} (line_uuid, record_uuid, size_code, "
                               f"qty, sync_state, updated_at) VALUES (?, ?, ?, ?, ?, ?)", lines)
        self.counts.lines_new += len(lines)

    def update_orders(self, changed: list, columns: Mapping[str, str]) -> None:
        """Every column of the file, the new hash; state NEW without an item, else CHANGED; failures forgiven
        (attempts, error and retry time reset: a person fixed the data).

        A claim that has expired is cleared. A live claim is kept: a worker is sending the order right now,
        its write-back sees the row hash moved and leaves the order for the next run, and no second worker is
        planned onto it meanwhile.
        """
        store = self.store
        names = list(columns)
        assignments = ", ".join(f"{store.dialect.quote(columns[name])} = ?" for name in names)
        rows = []
        for order, known in changed:
            state = OrderState.NEW if known.monday_item_id is None else OrderState.CHANGED
            claim = (known.claim_id, known.claimed_until) if known.in_flight(self.now) else (None, None)
            rows.append((*(order.values.get(name) for name in names), order.row_hash, self.batch.file_name,
                         self.now, state, *claim, known.record_uuid))
        store.executemany(
            f"UPDATE {store.orders_table} SET {assignments}{', ' if assignments else ''}row_hash = ?, "
            f"source_file = ?, updated_at = ?, sync_state = ?, sync_attempts = 0, sync_error = NULL, "
            f"next_attempt_at = NULL, claim_id = ?, claimed_until = ? WHERE record_uuid = ?", rows)
        self.counts.changed += len(changed)
        self.counts.changed_keys += [order.business_key for order, _ in changed]

    def update_lines(self, changed: list) -> None:
        """Diff the sizes of changed orders with their stored lines."""
        store = self.store
        by_order = {known.record_uuid: (order, known) for order, known in changed}
        stored: dict[str, dict[str, tuple]] = {}
        for line in store.select_in(
                lambda marks: f"SELECT record_uuid, size_code, line_uuid, qty, sync_state, monday_subitem_id "
                              f"FROM {store.lines_table} WHERE record_uuid IN ({marks})", list(by_order)):
            stored.setdefault(line[0], {})[line[1]] = line[2:]
        inserts, updates, deletes = [], [], []
        for record_uuid, (order, known) in by_order.items():
            lines = stored.get(record_uuid, {})
            sizes = {size: qty for size, qty in order.sizes.items() if qty}
            for size, qty in sizes.items():
                if size not in lines:
                    inserts.append((str(uuid.uuid4()), record_uuid, size, qty, LineState.NEW, self.now))
                    continue
                line_uuid, old_qty, state, subitem_id = lines[size]
                if state == LineState.REMOVED or old_qty != qty:
                    updates.append((qty, LineState.NEW if subitem_id is None else LineState.CHANGED, self.now,
                                    line_uuid))
            for size, (line_uuid, old_qty, state, subitem_id) in lines.items():
                if size in sizes or state == LineState.REMOVED:
                    continue
                if subitem_id is None and not known.in_flight(self.now):
                    deletes.append((line_uuid,))  # never reached monday: nothing to remove there
                else:
                    updates.append((old_qty, LineState.REMOVED, self.now, line_uuid))
                self.counts.lines_removed += 1
        self.insert_lines(inserts)
        store.executemany(f"UPDATE {store.lines_table} SET qty = ?, sync_state = ?, sync_attempts = 0, "
                          f"sync_error = NULL, updated_at = ? WHERE line_uuid = ?", updates)
        store.executemany(f"DELETE FROM {store.lines_table} WHERE line_uuid = ?", deletes)
        self.counts.lines_changed += sum(state != LineState.REMOVED for _, state, _, _ in updates)


class IngestMixin(IngestRowsMixin, SchemaMixin):
    """Applying ingest batches to :class:`OrderStore`."""

    def apply_ingest(self, batch: IngestBatch) -> IngestCounts:
        """Add the file's new columns (a short transaction of its own: a later failure leaves an unused,
        harmless column), then insert new orders, update changed ones, leave the rest alone, remove what a
        complete list lacks and log the file: one transaction. Raises IngestRefused for a file refused whole.
        """
        columns = self.ensure_order_columns(batch.columns)
        return self.run_in_transaction(lambda: _IngestWriter(self, batch, columns).apply())
