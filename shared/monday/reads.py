"""Reads of the items board: items by their business key, every item page by page, and the subitems under
given parents. The sync engine uses them, and so does adoption after a create with an unknown outcome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from ..common.errors import MondayPermanentError
from .records import FoundItem, FoundSubitem
from .transport import Transport

PAGE_LIMIT = 500  # items_page / next_items_page maximum
KEYS_PER_LOOKUP = 100
ITEMS_PER_QUERY = 100  # items(ids:) answers at most 100


class BoardReader:
    """The items board's reads, sent through the client's transport."""

    def __init__(self, transport: Transport, board_id: str, key_column: str):
        self.transport, self.board_id, self.key_column = transport, board_id, key_column

    async def find_items_by_key(self, keys: Sequence[str]) -> dict[str, list[FoundItem]]:
        """key -> the items whose key column holds it (items_page_by_column_values); absent keys map to []."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        found: dict[str, list[FoundItem]] = {k: [] for k in wanted}
        for start in range(0, len(wanted), KEYS_PER_LOOKUP):
            chunk = wanted[start:start + KEYS_PER_LOOKUP]
            columns = [{"column_id": self.key_column, "column_values": chunk}]
            first = await self.transport.query("items_by_column_values", {
                "board_id": self.board_id, "columns": columns, "limit": PAGE_LIMIT,
                "column_ids": [self.key_column]})
            async for item in self._pages(first["items_page_by_column_values"]):
                if item.key in found:
                    found[item.key].append(item)
        return found

    async def iter_board_items(self) -> AsyncIterator[FoundItem]:
        """Every item of the items board with its key column and group (items_page + next_items_page)."""
        first = await self.transport.query("board_items", {
            "board_ids": [self.board_id], "limit": PAGE_LIMIT, "column_ids": [self.key_column]})
        for board in first.get("boards") or []:
            async for item in self._pages(board["items_page"]):
                yield item

    async def _pages(self, page: Mapping[str, Any]) -> AsyncIterator[FoundItem]:
        variables = {"limit": PAGE_LIMIT, "column_ids": [self.key_column]}
        async for raw in item_pages(self.transport, page, "next_items_page", variables):
            yield self._found_item(raw)

    def _found_item(self, raw: Mapping[str, Any]) -> FoundItem:
        key = next((v.get("text") for v in raw.get("column_values") or [] if v.get("id") == self.key_column),
                   None)
        group = raw.get("group") or {}
        return FoundItem(id=str(raw["id"]), name=str(raw.get("name") or ""), key=key,
                         group_id=str(group["id"]) if group.get("id") else None)

    async def subitems_of(self, item_ids: Sequence[str]) -> dict[str, list[FoundSubitem]]:
        """parent item id -> its subitems (id, name, column texts); unknown parents map to []."""
        wanted = list(dict.fromkeys(str(i) for i in item_ids))
        found: dict[str, list[FoundSubitem]] = {i: [] for i in wanted}
        for start in range(0, len(wanted), ITEMS_PER_QUERY):
            chunk = wanted[start:start + ITEMS_PER_QUERY]
            data = await self.transport.query("subitems_of", {"item_ids": chunk, "limit": len(chunk)})
            for item in data.get("items") or []:
                found[str(item["id"])] = [
                    FoundSubitem(id=str(s["id"]), name=str(s.get("name") or ""),
                                 values={v["id"]: v.get("text") for v in s.get("column_values") or []})
                    for s in item.get("subitems") or [] if s]
        return found


async def item_pages(transport: Transport, page: Mapping[str, Any], next_page: str,
                     variables: Mapping[str, Any]) -> AsyncIterator[Mapping[str, Any]]:
    """The raw items of a first items page and of every page its cursor leads to (``next_page``, a
    next_items_page document taking ``variables`` besides the cursor)."""
    while True:
        for raw in page.get("items") or []:
            yield raw
        if not page.get("cursor"):
            return
        data = await transport.query(next_page, {"cursor": page["cursor"], **variables})
        page = data["next_items_page"]


def board_in_answer(data: Mapping[str, Any], board_id: str) -> Mapping[str, Any]:
    """The board a ``boards(ids: [board_id])`` query asked for; an answer without it is permanent."""
    boards = data.get("boards") or []
    if not boards:
        raise MondayPermanentError(f"board {board_id} does not exist or the token cannot see it")
    return boards[0]
