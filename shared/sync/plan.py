"""The deciding part of a sync: the current rows of a batch's orders and lines in, a plan of monday writes.

Pure: no network, no database. The sync engine reads the rows, asks :func:`plan_batch_work` what to do, sends
the plan, and writes each record's result back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..common.records import LineRow, LineState, OrderRow, OrderState
from ..config import Config, SyncSettings
from .summary import FailedRecord

_WORK_STATES = frozenset({OrderState.NEW, OrderState.CHANGED, OrderState.FAILED})
# A failed archive keeps its order REMOVED and a failed subitem delete its line REMOVED: those park too.
_RETRIED_STATES = frozenset({OrderState.FAILED, OrderState.REMOVED, LineState.REMOVED})


@dataclass(frozen=True)
class ItemWrite:
    """Create (``item_id`` None) or update one order's item."""

    record_uuid: str
    business_key: str
    group_title: str
    name: str
    columns: Mapping[str, str | None]  # monday column id -> the store's text (None clears the column)
    row_hash: str  # the version sent; write-back marks SYNCED only if the row still has it
    item_id: str | None = None


@dataclass(frozen=True)
class SubitemWrite:
    """Create (``subitem_id`` None) or update one line's subitem under its order's item."""

    line_uuid: str
    record_uuid: str
    business_key: str  # the parent order's, for messages
    name: str
    columns: Mapping[str, str | None]
    qty: str  # the version sent; write-back marks SYNCED only if the line still has it
    subitem_id: str | None = None


@dataclass(frozen=True)
class SubitemDelete:
    line_uuid: str
    record_uuid: str
    business_key: str
    subitem_id: str


@dataclass(frozen=True)
class OrderArchive:
    """Archive a REMOVED order's item (never delete it)."""

    record_uuid: str
    business_key: str
    item_id: str


@dataclass(frozen=True)
class SyncPlan:
    item_creates: tuple[ItemWrite, ...] = ()
    item_updates: tuple[ItemWrite, ...] = ()
    # Creates name their parent by record_uuid: the parent's item id is known (the order has an item) or comes
    # from this batch's item create; lines of an order whose item fails to be created keep waiting.
    subitem_creates: tuple[SubitemWrite, ...] = ()
    subitem_updates: tuple[SubitemWrite, ...] = ()
    subitem_deletes: tuple[SubitemDelete, ...] = ()
    lines_to_forget: tuple[str, ...] = ()  # REMOVED lines that never reached monday: nothing to delete there
    item_archives: tuple[OrderArchive, ...] = ()  # REMOVED orders' items
    orders_to_archive: tuple[str, ...] = ()  # REMOVED orders that never had an item: ARCHIVED without a call
    parked_records: tuple[FailedRecord, ...] = ()  # the parked orders and lines left alone, with their errors

    @property
    def parked(self) -> tuple[str, ...]:
        """The business keys of the orders left alone until a person looks at them."""
        return tuple(record.business_key for record in self.parked_records if record.record == "item")

    @property
    def group_titles(self) -> tuple[str, ...]:
        """The groups items go to: new items', and updated items' (an item moves when its title changed)."""
        return tuple(sorted({write.group_title for write in (*self.item_creates, *self.item_updates)}))

    @property
    def write_count(self) -> int:
        return (len(self.item_creates) + len(self.item_updates) + len(self.subitem_creates)
                + len(self.subitem_updates) + len(self.subitem_deletes) + len(self.item_archives))

    @property
    def is_empty(self) -> bool:
        return self.write_count == 0 and not self.lines_to_forget and not self.orders_to_archive


def is_parked(settings: SyncSettings, state: str, attempts: int) -> bool:
    """A record that failed max_attempts times waits for a person (`retry`, or a new version of the row)."""
    return state in _RETRIED_STATES and attempts >= settings.max_attempts


def item_columns(config: Config, order: OrderRow) -> dict[str, str | None]:
    """The mapped columns; the business key travels on its own (the client writes it to key_column)."""
    mapping = config.environment.item_columns
    return {column_id: order.values.get(column) for column, column_id in mapping.items()}


def subitem_fields(order: OrderRow, line: LineRow) -> dict[str, str | None]:
    """What a subitem name template and the subitem column mapping may name: the order's columns, the line."""
    return {**order.values, "size_code": line.size_code, "qty": line.qty}


def plan_batch_work(config: Config, orders: Sequence[OrderRow], lines: Iterable[LineRow]) -> SyncPlan:
    """Decide every monday write for these orders and their lines (rows read at the start of the batch)."""
    settings = config.sync
    lines_by_order: dict[str, list[LineRow]] = {}
    for line in lines:
        lines_by_order.setdefault(line.record_uuid, []).append(line)

    item_creates, item_updates, subitem_creates, subitem_updates = [], [], [], []
    deletes, forget, archives, archive_unsent, parked_records = [], [], [], [], []
    for order in orders:
        if is_parked(settings, order.sync_state, order.sync_attempts):
            parked_records.append(_parked(order.business_key, "item", order.sync_error, order.sync_attempts))
            continue
        if order.sync_state == OrderState.REMOVED:  # its lines go with it: archived with the item
            if order.monday_item_id:
                archives.append(OrderArchive(order.record_uuid, order.business_key, order.monday_item_id))
            else:
                archive_unsent.append(order.record_uuid)
            continue
        if order.monday_item_id is None or order.sync_state in _WORK_STATES:
            (item_updates if order.monday_item_id else item_creates).append(ItemWrite(
                record_uuid=order.record_uuid,
                business_key=order.business_key,
                group_title=config.orders.group_name.render(order.values),
                name=config.orders.item_name.render(order.values),
                columns=item_columns(config, order),
                row_hash=order.row_hash,
                item_id=order.monday_item_id,
            ))
        for line in lines_by_order.get(order.record_uuid, ()):
            if order.monday_item_id is None and line.monday_subitem_id:
                # A subitem cannot outlive its item (an order back from the archive): the line starts again.
                line = replace(line, monday_subitem_id=None, sync_state=(
                    line.sync_state if line.sync_state == LineState.REMOVED else LineState.NEW))
            if line.sync_state == LineState.REMOVED and not line.monday_subitem_id:
                forget.append(line.line_uuid)
            elif line.sync_state == LineState.SYNCED:
                continue
            elif is_parked(settings, line.sync_state, line.sync_attempts):
                parked_records.append(_parked(order.business_key, f"size {line.size_code}", line.sync_error,
                                              line.sync_attempts))
            elif line.sync_state == LineState.REMOVED:
                deletes.append(SubitemDelete(line.line_uuid, order.record_uuid, order.business_key,
                                             line.monday_subitem_id))
            else:
                fields = subitem_fields(order, line)
                write = SubitemWrite(
                    line_uuid=line.line_uuid,
                    record_uuid=order.record_uuid,
                    business_key=order.business_key,
                    name=config.orders.subitem_name.render(fields),
                    columns={column_id: fields[field] for field, column_id in
                             config.environment.subitem_columns.items()},
                    qty=line.qty,
                    subitem_id=line.monday_subitem_id,
                )
                (subitem_updates if line.monday_subitem_id else subitem_creates).append(write)
    return SyncPlan(tuple(item_creates), tuple(item_updates), tuple(subitem_creates), tuple(subitem_updates),
                    tuple(deletes), tuple(forget), tuple(archives), tuple(archive_unsent),
                    tuple(parked_records))


def _parked(business_key: str, record: str, error: str | None, attempts: int) -> FailedRecord:
    return FailedRecord(business_key, record, error or "failed before", attempts, parked=True)
