"""The records that flow from ingest into the store and from the store into a sync, and the sync states."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CUSTOMER_COLUMN = "CUSTOMER NAME"  # the column that holds an order's canonical customer name


class OrderState:
    NEW = "NEW"
    CHANGED = "CHANGED"
    SYNCED = "SYNCED"
    FAILED = "FAILED"
    REMOVED = "REMOVED"  # gone from its customer's complete order list; its item is archived by the next sync
    ARCHIVED = "ARCHIVED"  # its item is archived on monday (monday has no unarchive: a return is a new order)


class LineState:
    NEW = "NEW"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"  # size went to zero or disappeared; kept until its subitem is deleted
    SYNCED = "SYNCED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class IncomingOrder:
    """One valid order row of a workbook, normalised."""

    business_key: str  # the key columns' normalised values joined (see ingest.business_key)
    customer: str  # canonical customer name (also stored in the CUSTOMER NAME column)
    values: Mapping[str, str | None]  # every non-size column of the row, normalised text; None = blank
    sizes: Mapping[str, int]  # size_code -> qty, non-zero sizes only, in file order
    row_hash: str  # sha256 hex over values + sizes
    source_row: int  # 1-based worksheet row number, for messages


@dataclass(frozen=True)
class RemovalScope:
    """A complete order list: the orders of ``customers`` whose key the file lacks become REMOVED."""

    customers: tuple[str, ...]  # canonical names; a customer with no row in the file loses nothing
    file_keys: frozenset[str]  # every business key the file holds, in any row, valid or rejected
    max_fraction: float  # more than this share of a customer's live orders removed: the file is refused


@dataclass(frozen=True)
class IngestIssue:
    """A rejected row or a warning of an ingest, kept with its log entry (row None: about the file)."""

    kind: str  # "rejected" or "warning"
    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class IngestBatch:
    """Everything one file contributes; the store applies it in one transaction."""

    file_name: str
    content_hash: str  # sha256 hex of the file bytes
    columns: tuple[str, ...]  # every non-size column of the file, in file order
    orders: Iterable[IncomingOrder]  # may be read more than once (a retried transaction reads it again)
    rows_total: int
    rows_rejected: int
    removals: RemovalScope | None = None
    issues: Sequence[IngestIssue] = ()


@dataclass
class IngestCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    lines_new: int = 0
    lines_changed: int = 0
    lines_removed: int = 0
    removed: int = 0  # orders REMOVED by a complete order list
    new_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)
    ingest_id: int | None = None


@dataclass(frozen=True)
class OrderRow:
    """An order as the store holds it; ``values`` are the business columns keyed by their Excel header."""

    record_uuid: str
    business_key: str
    values: Mapping[str, str | None]
    row_hash: str
    sync_state: str
    monday_item_id: str | None = None
    sync_attempts: int = 0
    monday_group_id: str | None = None  # the group its item was last put in
    sync_error: str | None = None  # monday's message of the last failure

    @property
    def customer(self) -> str:
        return self.values.get(CUSTOMER_COLUMN) or ""


@dataclass(frozen=True)
class LineRow:
    """One size of an order as the store holds it."""

    line_uuid: str
    record_uuid: str
    size_code: str
    qty: str
    sync_state: str
    monday_subitem_id: str | None = None
    sync_attempts: int = 0
    sync_error: str | None = None
