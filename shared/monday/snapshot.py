"""The board as reconcile compares it with the store: its groups, and every active item with its group, name,
business key and mapped columns, each with its subitems' names and mapped columns. Read page by page
(``items_page`` then ``next_items_page``, 500 items a request), so a 2,000-item board costs four requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .reads import PAGE_LIMIT, board_in_answer, item_pages
from .records import FoundSubitem
from .transport import Transport


@dataclass(frozen=True)
class BoardItem:
    id: str
    name: str
    group_id: str | None
    key: str | None  # the key column's text
    values: Mapping[str, str]  # mapped column id -> monday's text of the value ("" when empty)
    subitems: tuple[FoundSubitem, ...] = ()


@dataclass(frozen=True)
class BoardSnapshot:
    groups: Mapping[str, str]  # group id -> title
    items: tuple[BoardItem, ...]

    @property
    def subitem_count(self) -> int:
        return sum(len(item.subitems) for item in self.items)


async def read_snapshot(transport: Transport, board_id: str, key_column: str, item_columns: Sequence[str],
                        subitem_columns: Sequence[str]) -> BoardSnapshot:
    """Every active item of the board (archived and deleted ones are not on it), as reconcile compares it."""
    item_ids = list(dict.fromkeys([key_column, *item_columns]))
    variables = {"limit": PAGE_LIMIT, "item_columns": item_ids, "subitem_columns": list(subitem_columns)}
    board = board_in_answer(await transport.query("board_snapshot", {"board_ids": [board_id], **variables}),
                            board_id)
    groups = {str(group["id"]): str(group["title"]) for group in board.get("groups") or []}
    items = [_board_item(raw, key_column)
             async for raw in item_pages(transport, board["items_page"], "next_snapshot_page", variables)]
    return BoardSnapshot(groups, tuple(items))


def _texts(raw: Mapping[str, Any]) -> dict[str, str]:
    return {str(value["id"]): value.get("text") or "" for value in raw.get("column_values") or []}


def _board_item(raw: Mapping[str, Any], key_column: str) -> BoardItem:
    values = _texts(raw)
    group = raw.get("group") or {}
    subitems = tuple(FoundSubitem(id=str(sub["id"]), name=str(sub.get("name") or ""), values=_texts(sub))
                     for sub in raw.get("subitems") or [] if sub)
    return BoardItem(id=str(raw["id"]), name=str(raw.get("name") or ""),
                     group_id=str(group["id"]) if group.get("id") else None, key=values.pop(key_column, None),
                     values=values, subitems=subitems)
