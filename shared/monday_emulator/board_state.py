"""What the emulated account holds: boards built from small declarative specs, their groups and items.

Writes go through :class:`AccountState`, which checks everything monday checks (board, item, group, name
length, column ids, column values by type) and raises :class:`MondayApiError` with monday's error code before
anything changes, so a failed mutation never half-applies.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .api_errors import MondayApiError
from .column_values import StoredValue, parse_column_value

NAME_MAX = 255
_STATUS_COLOURS = ("#fdab3d", "#00c875", "#e2445c", "#579bfc", "#a25ddc", "#037f4c", "#c4c4c4")
ITEM_ID_START = 2_000_000_001


# -- specs: how tests describe a board ----------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    id: str
    type: str
    title: str = ""
    labels: tuple[str, ...] = ()  # status / dropdown labels, in board order


@dataclass(frozen=True)
class BoardSpec:
    """A board and (optionally) its subitems board; the subtasks column is added for you when it is given."""

    id: str
    name: str
    columns: tuple[ColumnSpec, ...]
    groups: tuple[tuple[str, str], ...] = (("topics", "Group Title"),)
    subitems: BoardSpec | None = None


def order_book_board(board_id: str = "9609317401", subitems_board_id: str = "9609317402") -> BoardSpec:
    """The development board of configs/sync_order_list.toml, with its subitems board."""
    text = ("text_order_number", "text_customer", "text_po_number", "text_style", "text_colour",
            "text_season")
    columns = (
        ColumnSpec("text_sync_key", "text", "Sync Key"),
        *(ColumnSpec(c, "text") for c in text),
        ColumnSpec("numbers_total_qty", "numbers"), ColumnSpec("numbers_price", "numbers"),
        ColumnSpec("date_eta", "date"), ColumnSpec("date_ex_factory", "date"),
        ColumnSpec("status_delivery", "status", "Planned Delivery Method",
                   ("SEA", "AIR", "COURIER", "TRUCK")),
        ColumnSpec("dropdown_order_type", "dropdown", "Order Type",
                   ("ACTIVE", "REPEAT", "SAMPLE", "CANCELLED")),
        ColumnSpec("long_text_notes", "long_text"),
    )
    subitems = BoardSpec(subitems_board_id, "Subitems of Order Book (dev)",
                         (ColumnSpec("text_size", "text"), ColumnSpec("numbers_qty", "numbers")),
                         groups=(("topics", "Subitems"),))
    return BoardSpec(board_id, "Order Book (dev)", columns, subitems=subitems)


def _title(column_id: str) -> str:
    """A readable default title: the id without its type prefix ("text_order_number" -> "Order number")."""
    words = re.sub(r"^(long_text|text|numbers|date|status|dropdown|email|link|checkbox)_", "", column_id)
    return words.replace("_", " ").capitalize()


# -- state ---------------------------------------------------------------------------------------------------

@dataclass
class Column:
    id: str
    title: str
    type: str
    labels: list[str] = field(default_factory=list)  # a label's index is its position
    board_ids: tuple[str, ...] = ()  # subtasks: the subitems board

    def settings(self) -> dict:
        """``settings`` as 2026-07 gives it."""
        if self.type == "status":
            return {"labels": [{"id": i, "label": label, "color": _STATUS_COLOURS[i % len(_STATUS_COLOURS)],
                                "is_deactivated": False} for i, label in enumerate(self.labels)]}
        if self.type == "dropdown":
            return {"labels": [{"id": i + 1, "name": label} for i, label in enumerate(self.labels)]}
        if self.type == "subtasks":
            return {"allowMultipleItems": True, "boardIds": [int(b) for b in self.board_ids]}
        return {}

    def settings_str(self) -> str:
        """The deprecated string form: status labels as an index -> label object."""
        if self.type == "status":
            return json.dumps({"labels": {str(i): label for i, label in enumerate(self.labels)}})
        return json.dumps(self.settings())


@dataclass
class Group:
    id: str
    title: str
    position: int


@dataclass
class Item:
    id: str
    name: str
    board_id: str
    group_id: str
    parent_id: str | None
    values: dict[str, StoredValue]
    created_at: float
    indexed_at: float  # when items_page_by_column_values starts to find it
    updated_at: float
    state: str = "active"  # active | archived | deleted
    subitem_ids: list[str] = field(default_factory=list)


@dataclass
class Board:
    id: str
    name: str
    columns: dict[str, Column]
    groups: dict[str, Group]
    kind: str = "board"  # board | sub_items_board
    item_ids: list[str] = field(default_factory=list)

    def subitems_board_id(self) -> str | None:
        return next((c.board_ids[0] for c in self.columns.values() if c.type == "subtasks" and c.board_ids),
                    None)


class AccountState:
    """Boards, groups and items of one account; every method runs on the emulator's event loop."""

    def __init__(self, specs: Iterable[BoardSpec], *, index_lag: float = 0.0, clock=time.time):
        self.boards: dict[str, Board] = {}
        self.items: dict[str, Item] = {}
        self.index_lag = index_lag
        self.clock = clock
        self._ids = itertools.count(ITEM_ID_START)
        self._group_ids = itertools.count(1)
        for spec in specs:
            self.add_board(spec)

    # -- building ------------------------------------------------------------------------------------------

    def add_board(self, spec: BoardSpec) -> Board:
        if spec.id in self.boards:
            raise ValueError(f"board {spec.id} already exists in the emulator")
        columns = [Column("name", "Name", "name")]
        if spec.subitems is not None:
            columns.append(Column("subitems", "Subitems", "subtasks", board_ids=(spec.subitems.id,)))
        columns += [Column(c.id, c.title or _title(c.id), c.type, list(c.labels)) for c in spec.columns]
        ids = [c.id for c in columns]
        if len(set(ids)) != len(ids):
            raise ValueError(f"board {spec.id}: duplicate column ids in {ids}")
        board = Board(spec.id, spec.name, {c.id: c for c in columns},
                      {gid: Group(gid, title, i) for i, (gid, title) in enumerate(spec.groups)})
        self.boards[board.id] = board
        if spec.subitems is not None:
            self.add_board(spec.subitems).kind = "sub_items_board"
        return board

    # -- lookups that fail the way monday fails ------------------------------------------------------------

    def board(self, board_id: object) -> Board:
        board = self.boards.get(str(board_id))
        if board is None:
            raise MondayApiError("InvalidBoardIdException", "The board does not exist. Please check your "
                                 "board ID and try again", error_data={"board_id": _as_int(board_id)})
        return board

    def live_item(self, item_id: object) -> Item:
        item = self.items.get(str(item_id))
        if item is None or item.state == "deleted":
            raise MondayApiError("ResourceNotFoundException", f"Item with id {item_id} not found",
                                 status_code=404,
                                 error_data={"resource_type": "item", "resource_id": _as_int(item_id)})
        return item

    def visible(self, ids: Iterable[object]) -> list[Item]:
        """Items by id, in the order asked, leaving out unknown and deleted ones (monday's items(ids:))."""
        found = (self.items.get(str(i)) for i in ids)
        return [i for i in found if i is not None and i.state != "deleted"]

    def board_items(self, board_id: str, *, group_id: str | None = None) -> list[Item]:
        items = (self.items[i] for i in self.boards[board_id].item_ids)
        return [i for i in items if i.state == "active" and (group_id is None or i.group_id == group_id)]

    # -- writes --------------------------------------------------------------------------------------------

    def create_group(self, board_id: object, group_name: str) -> Group:
        board = self.board(board_id)
        title = _checked_name(group_name, "group_name")
        group_id = f"group_mk{next(self._group_ids):06d}"
        group = Group(group_id, title, len(board.groups))
        board.groups = {group.id: group, **board.groups}  # monday adds new groups on top
        return group

    def create_item(self, board_id: object, item_name: str, *, group_id: str | None = None,
                    column_values: Any = None, create_labels: bool = False) -> Item:
        board = self.board(board_id)
        name = _checked_name(item_name, "item_name")
        if group_id is None:
            if not board.groups:
                raise MondayApiError("InvalidArgumentException", "The board has no group to put the item in",
                                     status_code=400, error_data={"board_id": _as_int(board.id)})
            group_id = next(iter(board.groups))
        elif group_id not in board.groups:
            raise MondayApiError("ResourceNotFoundException", f"Group {group_id} not found on board "
                                 f"{board.id}",
                                 status_code=404,
                                 error_data={"resource_type": "group", "resource_id": group_id})
        return self._new_item(board, name, group_id, None, column_values, create_labels)

    def create_subitem(self, parent_item_id: object, item_name: str, *, column_values: Any = None,
                       create_labels: bool = False) -> Item:
        parent = self.live_item(parent_item_id)
        if parent.parent_id is not None:
            raise MondayApiError("InvalidArgumentException", "Subitems cannot have subitems", status_code=400,
                                 error_data={"parent_item_id": _as_int(parent.id)})
        name = _checked_name(item_name, "item_name")
        parent_board = self.boards[parent.board_id]
        sub_board_id = parent_board.subitems_board_id() or self._add_subitems_board(parent_board).id
        sub_board = self.boards[sub_board_id]
        item = self._new_item(sub_board, name, next(iter(sub_board.groups)), parent.id, column_values,
                              create_labels)
        parent.subitem_ids.append(item.id)
        return item

    def change_column_values(self, board_id: object, item_id: object, column_values: Any, *,
                             create_labels: bool = False) -> Item:
        board = self.board(board_id)
        item = self.live_item(item_id)
        if item.board_id != board.id:
            raise MondayApiError("ResourceNotFoundException", f"Item {item.id} not found in board {board.id}",
                                 status_code=404, error_data={"resource_type": "item",
                                                              "resource_id": _as_int(item.id),
                                                              "board_id": _as_int(board.id)})
        name, values, labels = self._parse_values(board, column_values, create_labels)
        self._commit_labels(labels)
        if name is not None:
            item.name = name
        item.values.update(values)
        item.updated_at = self.clock()
        return item

    def delete_item(self, item_id: object) -> Item:
        item = self.live_item(item_id)
        for sub_id in [item.id, *item.subitem_ids]:
            self.items[sub_id].state = "deleted"
        return item

    def archive_item(self, item_id: object) -> Item:
        item = self.live_item(item_id)
        item.state = "archived"
        return item

    def move_item(self, item_id: object, group_id: str) -> Item:
        """move_item_to_group: another group of the item's own board (subitems cannot move)."""
        item = self.live_item(item_id)
        board = self.boards[item.board_id]
        if item.parent_id is not None:
            raise MondayApiError("InvalidArgumentException", "A subitem cannot be moved to a group",
                                 status_code=400, error_data={"item_id": _as_int(item.id)})
        if group_id not in board.groups:
            raise MondayApiError("InvalidGroupIdException", f"Group {group_id} not found on board {board.id}",
                                 error_data={"group_id": group_id, "board_id": _as_int(board.id)})
        item.group_id = group_id
        item.updated_at = self.clock()
        return item

    def duplicate_item(self, item_id: object) -> Item:
        """A copy of an item (name, group, values) with copies of its active subitems."""
        item = self.live_item(item_id)
        board = self.boards[item.board_id]
        copy = self._copy(board, item, None)
        for sub in self.active_subitems(item):
            copy.subitem_ids.append(self._copy(self.boards[sub.board_id], sub, copy.id).id)
        return copy

    def _copy(self, board: Board, item: Item, parent_id: str | None) -> Item:
        now = self.clock()
        copy = Item(str(next(self._ids)), item.name, board.id, item.group_id, parent_id, dict(item.values),
                    now, now + self.index_lag, now)
        self.items[copy.id] = copy
        board.item_ids.append(copy.id)
        return copy

    def active_subitems(self, item: Item) -> list[Item]:
        """A parent's subitems as ``subitems`` lists them: archived and deleted ones left out."""
        return [sub for sub in self.visible(item.subitem_ids) if sub.state == "active"]

    # -- internals -----------------------------------------------------------------------------------------

    def _new_item(self, board: Board, name: str, group_id: str, parent_id: str | None, column_values: Any,
                  create_labels: bool) -> Item:
        new_name, values, labels = self._parse_values(board, column_values, create_labels)
        self._commit_labels(labels)
        now = self.clock()
        item = Item(str(next(self._ids)), new_name or name, board.id, group_id, parent_id, values, now,
                    now + self.index_lag, now)
        self.items[item.id] = item
        board.item_ids.append(item.id)
        return item

    def _parse_values(self, board: Board, column_values: Any, create_labels: bool
                      ) -> tuple[str | None, dict[str, StoredValue], list[tuple[Column, str]]]:
        """Every value checked before anything is written; new labels come back to be added on success."""
        mapping = _json_object(column_values)
        name, values, new_labels = None, {}, []
        for column_id, raw in mapping.items():
            column = board.columns.get(column_id)
            if column is None:
                raise MondayApiError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                                     error_data={"column_id": column_id, "board_id": _as_int(board.id)})
            if column.type == "name":
                name = _checked_name(raw if isinstance(raw, str) else "", "name")
                continue
            stored, missing = parse_column_value(column.id, column.type, column.labels, raw, create_labels)
            new_labels += [(column, label) for label in missing]
            values[column_id] = stored
        return name, values, new_labels

    @staticmethod
    def _commit_labels(labels: Sequence[tuple[Column, str]]) -> None:
        for column, label in labels:
            if label not in column.labels:
                column.labels.append(label)

    def _add_subitems_board(self, parent: Board) -> Board:
        """monday creates the subitems column and board with the first subitem; so does the emulator."""
        sub_id = str(int(max(self.boards, key=int)) + 1)
        spec = BoardSpec(sub_id, f"Subitems of {parent.name}", (), groups=(("topics", "Subitems"),))
        sub = self.add_board(spec)
        sub.kind = "sub_items_board"
        parent.columns["subitems"] = Column("subitems", "Subitems", "subtasks", board_ids=(sub_id,))
        return sub

    # -- plain views for tests -----------------------------------------------------------------------------

    def item_dict(self, item: Item) -> dict:
        return {"id": item.id, "name": item.name, "board_id": item.board_id, "group_id": item.group_id,
                "parent_id": item.parent_id, "state": item.state,
                "values": {c: v.text for c, v in item.values.items()},
                "raw_values": {c: v.value for c, v in item.values.items()},
                "subitem_ids": [s for s in item.subitem_ids if self.items[s].state != "deleted"]}

    def duplicates(self, board_id: str, column_id: str) -> dict[str, list[str]]:
        """Column text -> ids of the active items sharing it, for texts held by more than one item."""
        by_text: dict[str, list[str]] = defaultdict(list)
        for item in self.board_items(str(board_id)):
            text = item.name if column_id == "name" else (item.values.get(column_id) or StoredValue()).text
            by_text[text].append(item.id)
        return {text: ids for text, ids in by_text.items() if len(ids) > 1}


def _checked_name(name: object, argument: str) -> str:
    text = name if isinstance(name, str) else ""
    if len(text) > NAME_MAX:
        raise MondayApiError("ItemNameTooLongException", f"Item name is too long ({len(text)} characters); "
                             f"the maximum is {NAME_MAX}", error_data={"name_length": len(text)})
    if not text.strip():
        raise MondayApiError("InvalidArgumentException", f"{argument} must not be empty", status_code=400,
                             error_data={"argument": argument})
    return text


def _json_object(column_values: Any) -> dict:
    """column_values as monday takes it: a JSON string of an object (or the object itself), or nothing."""
    if column_values is None or column_values == "":
        return {}
    if isinstance(column_values, str):
        try:
            column_values = json.loads(column_values)
        except ValueError:
            raise MondayApiError("JsonParseException", "Syntax error in JSON input", status_code=400,
                                 error_data={"json": column_values[:200]}) from None
    if not isinstance(column_values, dict):
        raise MondayApiError("InvalidArgumentException", "column_values must be a JSON object of column id "
                             "-> value", status_code=400,
                             error_data={"column_values": str(column_values)[:200]})
    return column_values


def _as_int(value: object) -> int | str:
    text = str(value)
    return int(text) if text.isdigit() else text
