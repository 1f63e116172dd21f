"""The resolvers: how each field of monday's schema is answered from :class:`AccountState`, per request
(its :class:`RequestContext`), with mutations paced by the request's latency and open to the fail_alias fault.
Reading page by page is in paging.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .api_errors import MondayApiError
from .board_columns import create_column
from .board_state import AccountState, Board, Column, Group, Item
from .column_values import COLUMN_VALUE_TYPENAMES, EMPTY, StoredValue
from .paging import CursorStore, group_items_page, items_by_column_values, items_page, next_items_page

ITEMS_IDS_MAX = 100


@dataclass
class FailAlias:
    """A fault: the mutation under ``alias`` fails with this error instead of being applied."""

    alias: str
    error: MondayApiError


@dataclass
class RequestContext:
    state: AccountState
    cursors: CursorStore
    complexity: dict
    latency: float = 0.0
    fail_alias: FailAlias | None = None
    applied: list[str] = field(default_factory=list)  # mutation fields that took effect, in order


def resolve(source: Any, info, **args) -> Any:
    resolver = _RESOLVERS.get((info.parent_type.name, info.field_name))
    if resolver is not None:
        return resolver(source, info, **args)
    if isinstance(source, Mapping):
        return source.get(info.field_name)
    if info.field_name in _PLAIN_FIELDS.get(type(source), ()):
        return getattr(source, info.field_name)
    raise MondayApiError("NotEmulated", f"{info.parent_type.name}.{info.field_name} is not emulated",
                         status_code=501)


def column_value_type(value: Any, info, abstract_type) -> str:
    return value["__typename"]


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query_boards(_, info, ids=None, limit=None, page=None, **__):
    boards = info.context.state.boards
    if ids:
        return [boards[str(i)] for i in ids if str(i) in boards]
    size, start = limit or 25, ((page or 1) - 1) * (limit or 25)
    return list(boards.values())[start:start + size]


def _query_items(_, info, ids=None, limit=None, exclude_nonactive=None, **__):
    if ids and len(ids) > ITEMS_IDS_MAX:
        raise MondayApiError("InvalidArgumentException", f"items(ids:) takes at most {ITEMS_IDS_MAX} ids",
                             status_code=400, error_data={"ids": len(ids)})
    items = info.context.state.visible(ids or [])
    if exclude_nonactive:
        items = [i for i in items if i.state == "active"]
    return items[:limit or 25]


def _board_columns(board: Board, _info, ids=None, types=None, **__):
    columns = list(board.columns.values())
    if ids is not None:
        columns = [board.columns[i] for i in ids if i in board.columns]
    return [c for c in columns if types is None or c.type in types]


def _board_groups(board: Board, _info, ids=None):
    return [g for g in board.groups.values() if ids is None or g.id in ids]


def _item_column_values(item: Item, info, ids=None, types=None, **__):
    board = info.context.state.boards[item.board_id]
    columns = [c for c in board.columns.values() if c.type != "name"]
    if ids is not None:
        columns = [board.columns[i] for i in ids if i in board.columns and board.columns[i].type != "name"]
    return [_column_value(info.context.state, item, c) for c in columns if types is None or c.type in types]


def _column_value(state: AccountState, item: Item, column: Column) -> dict:
    stored = item.values.get(column.id, EMPTY)
    if column.type == "subtasks":
        subitems = state.active_subitems(item)
        if subitems:
            linked = {"linkedPulseIds": [{"linkedPulseId": int(s.id)} for s in subitems]}
            stored = StoredValue(json.dumps(linked), ", ".join(s.name for s in subitems))
    return {"__typename": COLUMN_VALUE_TYPENAMES.get(column.type, "UnsupportedValue"), "id": column.id,
            "type": column.type, "text": stored.text, "value": stored.value, "column": column,
            "is_leaf": True}


def _mutation(apply: Callable[..., Any]) -> Callable[..., Any]:
    """A mutation field: the request's latency, the fail_alias fault, then the change itself."""

    async def resolver(_, info, **args):
        context: RequestContext = info.context
        if context.latency:
            await asyncio.sleep(context.latency)
        if context.fail_alias and context.fail_alias.alias == info.path.key:
            raise context.fail_alias.error
        result = apply(context.state, **args)
        context.applied.append(info.field_name)
        return result

    return resolver


def _create_item(state: AccountState, board_id, item_name, group_id=None, column_values=None,
                 create_labels_if_missing=None, **_):
    return state.create_item(board_id, item_name, group_id=group_id, column_values=column_values,
                             create_labels=bool(create_labels_if_missing))


def _create_subitem(state: AccountState, parent_item_id, item_name, column_values=None,
                    create_labels_if_missing=None):
    return state.create_subitem(parent_item_id, item_name, column_values=column_values,
                                create_labels=bool(create_labels_if_missing))


def _change_values(state: AccountState, board_id, column_values, item_id=None, create_labels_if_missing=None):
    return state.change_column_values(board_id, item_id, column_values,
                                      create_labels=bool(create_labels_if_missing))


def _board_of(source, info, **_):
    return info.context.state.boards.get(source.board_id)


def _group_of(item: Item, info):
    return info.context.state.boards[item.board_id].groups.get(item.group_id)


_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "boards"): _query_boards,
    ("Query", "items"): _query_items,
    ("Query", "items_page_by_column_values"): items_by_column_values,
    ("Query", "next_items_page"): next_items_page,
    ("Query", "complexity"): lambda _, info: info.context.complexity,
    ("Mutation", "complexity"): lambda _, info: info.context.complexity,
    ("Mutation", "create_group"): _mutation(lambda state, board_id, group_name, **_:
                                            state.create_group(board_id, group_name)),
    ("Mutation", "create_column"): _mutation(create_column),
    ("Mutation", "create_item"): _mutation(_create_item),
    ("Mutation", "create_subitem"): _mutation(_create_subitem),
    ("Mutation", "change_multiple_column_values"): _mutation(_change_values),
    ("Mutation", "delete_item"): _mutation(lambda state, item_id=None: state.delete_item(item_id)),
    ("Mutation", "archive_item"): _mutation(lambda state, item_id=None: state.archive_item(item_id)),
    ("Mutation", "move_item_to_group"): _mutation(lambda state, group_id, item_id=None:
                                                  state.move_item(item_id, group_id)),
    ("Board", "columns"): _board_columns,
    ("Board", "groups"): _board_groups,
    ("Board", "items_page"): items_page,
    ("Board", "items_count"): lambda board, info: len(info.context.state.board_items(board.id)),
    ("Board", "type"): lambda board, _: board.kind,
    ("Board", "board_kind"): lambda *_: "public",
    ("Board", "state"): lambda *_: "active",
    ("Board", "top_group"): lambda board, _: next(iter(board.groups.values()), None),
    ("Board", "workspace_id"): lambda *_: None,
    ("Board", "url"): lambda board, _: f"https://emulator.monday.com/boards/{board.id}",
    ("Group", "items_page"): group_items_page,
    ("Group", "color"): lambda *_: "#579bfc",
    ("Group", "position"): lambda group, _: str(65536 * (group.position + 1)),
    ("Group", "archived"): lambda *_: False,
    ("Group", "deleted"): lambda *_: False,
    ("Column", "settings"): lambda column, _: column.settings(),
    ("Column", "settings_str"): lambda column, _: column.settings_str(),
    ("Column", "archived"): lambda *_: False,
    ("Column", "description"): lambda *_: None,
    ("Column", "width"): lambda *_: None,
    ("Item", "board"): _board_of,
    ("Item", "group"): _group_of,
    ("Item", "column_values"): _item_column_values,
    ("Item", "subitems"): lambda item, info: info.context.state.active_subitems(item),
    ("Item", "parent_item"): lambda item, info: (info.context.state.items.get(item.parent_id)
                                                 if item.parent_id else None),
    ("Item", "created_at"): lambda item, _: _iso(item.created_at),
    ("Item", "updated_at"): lambda item, _: _iso(item.updated_at),
    ("Item", "url"): lambda item, _: f"https://emulator.monday.com/boards/{item.board_id}/pulses/{item.id}",
    ("Item", "relative_link"): lambda item, _: f"/boards/{item.board_id}/pulses/{item.id}",
    ("Item", "creator_id"): lambda *_: "1",
}
_PLAIN_FIELDS: dict[type, tuple[str, ...]] = {
    Board: ("id", "name"), Group: ("id", "title"), Column: ("id", "title", "type"),
    Item: ("id", "name", "state"),
}
