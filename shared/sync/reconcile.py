"""Reconcile's comparison: the board as read (a :class:`BoardSnapshot`) and the store's rows in, drift out.

Pure: no network, no database. What is compared:

- Every order not held by a live claim (a worker is writing it right now). Items are found by the id SQL
  holds, then by the order's key (``duplicate_items`` when more than the order's own carry it).
- SYNCED orders in full: the item's name, key, group and mapped columns, and for each SYNCED size its
  subitem's name and mapped columns; subitems that match no size are extra. Orders waiting for a sync (NEW,
  CHANGED, FAILED, REMOVED) are only checked for duplicates: the sync writes them anyway.
- ARCHIVED orders: none of their items may be active on the board.
- Items whose key no order holds are orphans (with ``customer``: only in that customer's groups).

Values compare the way monday shows them (:func:`shows_value`), names and keys as text, group titles without
case and with white space collapsed. An exact board gives no drift.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..common.records import LineRow, LineState, OrderRow, OrderState
from ..config import Config, name_key
from ..monday import BoardItem, BoardSchema, BoardSnapshot, FoundSubitem, clean_text, id_order, shows_value
from .drift import (
    DUPLICATE_ITEMS,
    EXTRA_SUBITEMS,
    MISSING_ITEMS,
    MISSING_SUBITEMS,
    ORPHAN_ITEMS,
    STALE_ITEMS,
    STALE_SUBITEMS,
    UNARCHIVED_ITEMS,
    WRONG_GROUP,
    Drift,
    DriftEntry,
)
from .plan import subitem_fields


def compare_board(config: Config, schema: BoardSchema, snapshot: BoardSnapshot, orders: Sequence[OrderRow],
                  lines: Iterable[LineRow], *, held: frozenset[str] = frozenset(),
                  customer: str | None = None) -> Drift:
    """Everything on the board that differs from the store (``customer``: only that customer's orders)."""
    return _Comparison(config, schema, snapshot, orders, lines, held).run(customer)


@dataclass
class _Board:
    """The snapshot indexed: items by id and by key, oldest first."""

    by_id: dict[str, BoardItem]
    by_key: dict[str, list[BoardItem]]

    @classmethod
    def of(cls, snapshot: BoardSnapshot) -> _Board:
        by_key: dict[str, list[BoardItem]] = defaultdict(list)
        for item in sorted(snapshot.items, key=lambda i: id_order(i.id)):
            by_key[item.key or ""].append(item)
        return cls({item.id: item for item in snapshot.items}, by_key)


class _Comparison:
    def __init__(self, config: Config, schema: BoardSchema, snapshot: BoardSnapshot,
                 orders: Sequence[OrderRow], lines: Iterable[LineRow], held: frozenset[str]):
        self.config, self.schema, self.snapshot = config, schema, snapshot
        self.orders, self.held = orders, held
        self.board = _Board.of(snapshot)
        self.owner = {order.monday_item_id: order for order in orders if order.monday_item_id}
        self.lines: dict[str, list[LineRow]] = defaultdict(list)
        for line in lines:
            self.lines[line.record_uuid].append(line)
        self.entries: list[DriftEntry] = []

    def run(self, customer: str | None) -> Drift:
        scope = [o for o in self.orders if customer is None or name_key(o.customer) == name_key(customer)]
        for order in scope:
            if order.record_uuid not in self.held:
                self.order(order)
        self.orphans(scope, customer is not None)
        return Drift(self.entries, len(scope), len(self.snapshot.items), self.snapshot.subitem_count)

    def add(self, kind: str, order: OrderRow | None, item_id: str | None, differs: str, **more) -> None:
        self.entries.append(DriftEntry(kind, order.business_key if order else None, item_id, differs,
                                       record_uuid=order.record_uuid if order else None, **more))

    def holders(self, order: OrderRow, own: BoardItem | None) -> list[BoardItem]:
        """Items other than the order's own carrying its key (not another order's item), oldest first."""
        return [item for item in self.board.by_key.get(order.business_key, ())
                if item is not own and self.owner.get(item.id, order) is order]

    def order(self, order: OrderRow) -> None:
        own = self.board.by_id.get(order.monday_item_id) if order.monday_item_id else None
        holders = self.holders(order, own)
        if order.sync_state == OrderState.ARCHIVED:
            for item in ([own] if own else []) + holders:
                self.add(UNARCHIVED_ITEMS, order, item.id, "the order is archived, its item is active again")
            return
        adopt = holders.pop(0) if own is None and holders and order.sync_state != OrderState.REMOVED else None
        kept = own or adopt
        for item in holders:
            self.add(DUPLICATE_ITEMS, order, item.id, f"carries the key too; item "
                                                      f"{kept.id if kept else order.monday_item_id} is kept")
        if order.sync_state != OrderState.SYNCED:
            return  # the sync writes it anyway (and adopts the oldest item holding its key)
        if own is None:
            gone = f"item {order.monday_item_id} is gone" if order.monday_item_id else "it has no item"
            self.add(MISSING_ITEMS, order, order.monday_item_id,
                     gone + (f"; item {adopt.id} holds its key and is adopted" if adopt else ""),
                     adopt_item_id=adopt.id if adopt else None, group_id=adopt.group_id if adopt else None)
            return
        self.item(order, own)
        self.subitems(order, own)

    def item(self, order: OrderRow, item: BoardItem) -> None:
        differs = []
        name = clean_text(self.config.orders.item_name.render(order.values))
        if clean_text(item.name) != name:
            differs.append(f"name: monday {item.name!r}, SQL {name!r}")
        if item.key != order.business_key:
            differs.append(f"key: monday {item.key!r}, SQL {order.business_key!r}")
        for column, column_id in self.config.environment.item_columns.items():
            info = self.schema.items.columns.get(column_id)
            stored, shown = order.values.get(column), item.values.get(column_id, "")
            if info is not None and not shows_value(info, stored, shown):
                differs.append(f"{column_id}: monday {shown!r}, SQL {stored!r}")
        if differs:
            self.add(STALE_ITEMS, order, item.id, "; ".join(differs))
        title = self.config.orders.group_name.render(order.values)
        actual = self.snapshot.groups.get(item.group_id or "", "")
        if name_key(actual) != name_key(title):
            self.add(WRONG_GROUP, order, item.id, f"in group {actual!r}, its group is {title!r}",
                     group_id=item.group_id)

    def subitems(self, order: OrderRow, item: BoardItem) -> None:
        on_board = {sub.id: sub for sub in item.subitems}
        accounted, waiting = set(), Counter()
        for line in self.lines.get(order.record_uuid, ()):
            fields = subitem_fields(order, line)
            name = clean_text(self.config.orders.subitem_name.render(fields))
            if line.monday_subitem_id is None:
                if line.sync_state != LineState.REMOVED:
                    waiting[name] += 1  # the sync finds a subitem of this name and adopts it
                continue
            accounted.add(line.monday_subitem_id)
            if line.sync_state != LineState.SYNCED:
                continue
            sub = on_board.get(line.monday_subitem_id)
            if sub is None:
                self.add(MISSING_SUBITEMS, order, item.id, f"size {line.size_code}: subitem "
                         f"{line.monday_subitem_id} is gone", line_uuid=line.line_uuid,
                         subitem_id=line.monday_subitem_id)
            elif differs := self.subitem_differs(sub, name, fields):
                self.add(STALE_SUBITEMS, order, item.id, f"size {line.size_code}: {differs}",
                         line_uuid=line.line_uuid, subitem_id=sub.id)
        for sub in sorted(item.subitems, key=lambda s: id_order(s.id)):
            if sub.id in accounted:
                continue
            if waiting[clean_text(sub.name)]:
                waiting[clean_text(sub.name)] -= 1
                continue
            self.add(EXTRA_SUBITEMS, order, item.id, f"subitem {sub.name!r} matches no size of the order",
                     subitem_id=sub.id)

    def subitem_differs(self, sub: FoundSubitem, name: str, fields: dict) -> str:
        differs = [] if clean_text(sub.name) == name else [f"name: monday {sub.name!r}, SQL {name!r}"]
        columns = self.schema.subitems.columns if self.schema.subitems else {}
        for field_name, column_id in self.config.environment.subitem_columns.items():
            info, shown = columns.get(column_id), sub.values.get(column_id) or ""
            if info is not None and not shows_value(info, fields.get(field_name), shown):
                differs.append(f"{column_id}: monday {shown!r}, SQL {fields.get(field_name)!r}")
        return "; ".join(differs)

    def orphans(self, scope: Sequence[OrderRow], by_customer: bool) -> None:
        known = {order.business_key for order in self.orders}
        titles = {name_key(self.config.orders.group_name.render(o.values)) for o in scope}
        for item in sorted(self.snapshot.items, key=lambda i: id_order(i.id)):
            if item.id in self.owner or (item.key or "") in known:
                continue
            if by_customer and name_key(self.snapshot.groups.get(item.group_id or "", "")) not in titles:
                continue
            self.add(ORPHAN_ITEMS, None, item.id, f"key {item.key or ''!r} is not an order SQL knows; "
                                                  f"left alone", group_id=item.group_id)
