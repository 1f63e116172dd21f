"""Complete order lists: the orders a file no longer holds become REMOVED, the safety valve that refuses a
file removing too much, and the orders that come back after they were removed or archived.

* A file that is the complete list of its customers ([excel].complete_lists) removes each live order (not
  REMOVED or ARCHIVED) of those customers whose business key it lacks, in any row. More than
  ``max_fraction`` of one customer's live orders: the whole file is refused, nothing written.
* An ARCHIVED order (its item archived on monday, which has no unarchive) that comes back is a new order: a
  new record_uuid (so a worker still archiving the old item writes back to nothing), NEW, no monday ids, its
  lines inserted afresh as NEW.
* A REMOVED order that comes back before its item was archived: when no worker holds it and it has an item,
  the removal is simply cancelled (it is updated like a changed order and keeps its item); when a worker is
  archiving it right now, or it never got an item, it comes back as a new order as above.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ..common.records import LineState, OrderState, RemovalScope
from .schema import IngestRefused

GONE_STATES = (OrderState.REMOVED, OrderState.ARCHIVED)


@dataclass(frozen=True)
class _LiveOrder:
    business_key: str
    record_uuid: str
    claim_id: str | None
    claimed_until: str | None


def claim_is_live(claim_id: str | None, claimed_until: str | None, now: str) -> bool:
    """A worker holds the order right now (a claim that has not expired)."""
    return claim_id is not None and claimed_until is not None and claimed_until > now


def plan_removals(store, scope: RemovalScope | None, customer_column: str | None) -> list[_LiveOrder]:
    """The live orders of the scope's customers that the file lacks; IngestRefused past the safety valve."""
    if scope is None or not scope.customers or customer_column is None:
        return []
    removed: list[_LiveOrder] = []
    refused = []
    for customer in scope.customers:
        live = [_LiveOrder(*row) for row in store.query(
            f"SELECT business_key, record_uuid, claim_id, claimed_until FROM {store.orders_table} "
            f"WHERE {store.dialect.quote(customer_column)} = ? AND sync_state NOT IN (?, ?)",
            (customer, *GONE_STATES))]
        gone = [order for order in live if order.business_key not in scope.file_keys]
        if live and len(gone) > scope.max_fraction * len(live):
            refused.append(f"{len(gone):,} of the {len(live):,} live orders of customer {customer!r} "
                           f"({len(gone) / len(live):.0%})")
        removed.extend(gone)
    if refused:
        raise IngestRefused(
            f"The file would remove {'; '.join(refused)}, more than [excel].max_removed_fraction "
            f"({scope.max_fraction:.0%}) allows: a truncated export must not empty the board. Nothing was "
            f"stored; send the complete order list, or raise the limit if that many orders are really gone.")
    return removed


def mark_removed(store, orders: Sequence[_LiveOrder], file_name: str, now: str) -> None:
    """REMOVED, failures forgiven; a live claim is kept (its worker's write-back sees the state moved)."""
    rows = []
    for order in orders:
        live = claim_is_live(order.claim_id, order.claimed_until, now)
        claim = (order.claim_id, order.claimed_until) if live else (None, None)
        rows.append((OrderState.REMOVED, file_name, now, *claim, order.record_uuid))
    store.executemany(
        f"UPDATE {store.orders_table} SET sync_state = ?, source_file = ?, updated_at = ?, "
        f"sync_attempts = 0, sync_error = NULL, next_attempt_at = NULL, claim_id = ?, claimed_until = ? "
        f"WHERE record_uuid = ?",
        rows)


def comes_back_new(known, now: str) -> bool:
    """Whether an order found REMOVED or ARCHIVED starts again as a new order (else its removal is
    cancelled)."""
    if known.sync_state == OrderState.ARCHIVED:
        return True
    return known.in_flight(now) or known.monday_item_id is None


def renew_orders(store, returning: list, columns: dict[str, str], file_name: str, now: str) -> list[tuple]:
    """Give each returning (order, known) a new record_uuid, state NEW and no monday ids; its old lines go
    and its sizes come in as NEW lines. Returns the line rows to insert."""
    names = list(columns)
    assignments = "".join(f"{store.dialect.quote(columns[name])} = ?, " for name in names)
    old_ids = [(known.record_uuid,) for _, known in returning]
    # orders, then lines: the row is locked before its lines go (its record_uuid changes once they are gone)
    store.executemany(f"UPDATE {store.orders_table} SET updated_at = ? WHERE record_uuid = ?",
                      [(now, *old) for old in old_ids])
    store.executemany(f"DELETE FROM {store.lines_table} WHERE record_uuid = ?", old_ids)
    rows, lines = [], []
    for order, known in returning:
        record_uuid = str(uuid.uuid4())
        rows.append((*(order.values.get(name) for name in names), record_uuid, order.row_hash, file_name, now,
                     now, OrderState.NEW, known.record_uuid))
        lines.extend((str(uuid.uuid4()), record_uuid, size, qty, LineState.NEW, now)
                     for size, qty in order.sizes.items() if qty)
    store.executemany(
        f"UPDATE {store.orders_table} SET {assignments}record_uuid = ?, row_hash = ?, source_file = ?, "
        f"updated_at = ?, ingested_at = ?, sync_state = ?, monday_item_id = NULL, monday_group_id = NULL, "
        f"last_synced_at = NULL, sync_attempts = 0, sync_error = NULL, next_attempt_at = NULL, "
        f"claim_id = NULL, claimed_until = NULL WHERE record_uuid = ?", rows)
    return lines
