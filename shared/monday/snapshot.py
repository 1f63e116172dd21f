"""The board as reconcile compares it with the store: its groups, and every active item with its group, name,
business key and mapped columns, each with its subitems' names and mapped columns. Read page by page
(``items_page`` then ``next_items_page``, 500 items a request), so a 2,000-item board costs four requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..common.errors import MondayPermanentError
from .records import FoundSubitem
from .transport import Transport

SNAPSHOT_PAGE = 500  # items_page / next_items_page maximum


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
    variables = {"limit": SNAPSHOT_PAGE, "item_columns": item_ids, "subitem_columns": list(subitem_columns)}
    data = await transport.query("board_snapshot", {"board_ids": [board_id], **variables})
    boards = data.get("boards") or []
    if not boards:
        raise MondayPermanentError(f"board {board_id} does not exist or the token cannot see it")
    groups = {str(group["id"]): str(group["title"]) for group in boards[0].get("groups") or []}
    items: list[BoardItem] = []
    page = boards[0]["items_page"]
    while True:
        items.extend(_board_item(raw, key_column) for raw in page.get("items") or [])
        if not page.get("cursor"):
            return BoardSnapshot(groups, tuple(items))
        data = await transport.query("next_snapshot_page", {"cursor": page["cursor"], **variables})
        page = data["next_items_page"]


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
