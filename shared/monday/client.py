"""The only place that talks to monday.com (API v2, GraphQL over HTTPS).

Writes go in batches of aliased mutations (``m0: create_item(...)``, ``m1: ...``) built from the
per-mutation templates in ``graphql/``; every value travels as a variable. Each alias' answer or error is
mapped back to its own record by alias. Requests are paced against monday's complexity budget, capped in
concurrency, retried with backoff, and carry an ``Idempotency-Key`` so a retried write replays instead of
applying twice. A create whose outcome stays unknown after the retries is looked up by the order's business
key (items) or by name under its parent (subitems) and adopted rather than created again.
See docs/client.md.

This module holds MondayClient, the face of those parts: the board's schema and groups, and records turned
into writes. The parts: transport (one request), budget (pacing), batch_writes and adoption (writes),
reads, documents (GraphQL), answers (reading monday's answers), records (what callers pass and get back).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..common.errors import MondayPermanentError, MondayTransientError
from ..config import Config, name_key, normalise_name
from .adoption import Adoption
from .batch_writes import BatchWriter
from .board import Board, BoardSchema, GroupInfo, board_from_api, group_ids_by_title, subitems_board_of
from .columns import LABEL_TYPES, ColumnValueError, column_values, item_name
from .reads import BoardReader, board_in_answer
from .records import (
    FoundItem,
    FoundSubitem,
    ItemArchive,
    ItemCreate,
    ItemMove,
    ItemUpdate,
    OnResult,
    SubitemCreate,
    SubitemDelete,
    SubitemUpdate,
    WriteResult,
)
from .snapshot import BoardSnapshot, read_snapshot
from .transport import Transport
from .write_operations import (
    ARCHIVE_ITEM,
    CREATE_ITEM,
    CREATE_SUBITEM,
    DELETE_ITEM,
    MOVE_ITEM,
    UPDATE_ITEM,
    Write,
)


class MondayClient:
    """``async with MondayClient(config) as client:`` — one aiohttp session reused for every call.

    Composed of a Transport (session, token, retries, ``stats``, ``budget``), a BoardReader and a BatchWriter
    that adopts through the reader.
    """

    def __init__(self, config: Config, *, url: str | None = None, token: str | None = None,
                 unit_costs: Mapping[str, float] | None = None):
        self.config = config
        self.settings = config.monday
        self._transport = Transport(config, url=url, token=token, unit_costs=unit_costs)
        self.url = self._transport.url
        self.board_id = config.environment.board_id
        self.key_column = config.environment.key_column
        self.create_labels_columns = frozenset(config.sync.create_labels_if_missing)
        self.stats = self._transport.stats
        self.budget = self._transport.budget
        self.unit_costs = self._transport.costs  # what each operation costs; remember .known() between runs
        self._reader = BoardReader(self._transport, self.board_id, self.key_column)
        self._writer = BatchWriter(self._transport, Adoption(self._reader, self._transport))
        self._schema: BoardSchema | None = None
        self._schema_lock = asyncio.Lock()
        self._groups: dict[str, str] = {}  # casefolded title -> group id
        self._groups_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (f"MondayClient(url={self.url!r}, board_id={self.board_id!r}, "
                f"api_version={self.settings.api_version!r})")

    async def __aenter__(self) -> MondayClient:
        self._transport.open()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        await self._transport.close()

    # -- board ----------------------------------------------------------------------------------------------

    async def board_schema(self) -> BoardSchema:
        """Items board and subitems board columns and groups; read once per client."""
        async with self._schema_lock:
            if self._schema is None:
                items = await self._read_board(self.board_id)
                subitems_id = subitems_board_of(items)
                subitems = await self._read_board(subitems_id) if subitems_id else None
                self._schema = BoardSchema(items=items, subitems=subitems)
                self._groups = group_ids_by_title(items.groups)
            return self._schema

    async def _read_board(self, board_id: str) -> Board:
        data = await self._transport.query("board_schema", {"board_ids": [board_id]})
        return board_from_api(board_in_answer(data, board_id))

    async def ensure_groups(self, titles: Iterable[str], *, exclusive: bool = False) -> dict[str, str]:
        """title -> group id of the items board; a missing group is created once.

        Creation is serialised in this client and the board is read again just before creating, so two tasks
        never create the same group. Two *processes* may still race; when the board then holds twins, every
        caller settles on the same one (the smallest id) so items do not scatter: the board is read again
        after creating. ``exclusive``: the caller holds a lock on these titles that other processes honour
        too (the sync's group locks in the store), so there is no race to settle and that read is skipped.
        """
        await self.board_schema()
        wanted = list(dict.fromkeys(normalise_name(t) for t in titles))
        async with self._groups_lock:
            missing = [t for t in wanted if name_key(t) not in self._groups]
            if missing:
                await self._refresh_groups()
            for title in wanted:
                if name_key(title) not in self._groups:
                    self._groups[name_key(title)] = await self._create_group(title)
                    if not exclusive:
                        await self._refresh_groups()
            return {title: self._groups[name_key(title)] for title in wanted}

    async def create_column(self, board_id: str, column_id: str, title: str, column_type: str,
                            defaults: str | None = None) -> str:
        """Create one column with the id given (``board provision``); the board is read again afterwards."""
        data = await self._transport.query("create_column", {
            "board_id": board_id, "id": column_id, "title": title, "column_type": column_type,
            "defaults": defaults}, write=True)
        created = data.get("create_column") or {}
        if created.get("id") != column_id:
            raise MondayPermanentError(f"monday did not create column {column_id!r} on board {board_id}")
        async with self._schema_lock:
            self._schema = None
        return column_id

    async def _create_group(self, title: str) -> str:
        """Create one group. After a failed try the board is read again (the failed create may have been
        applied) before the next try, which is a new request under a new Idempotency-Key."""
        failure: MondayTransientError | None = None
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                await asyncio.sleep(self._transport.backoff(attempt))
                await self._refresh_groups()
                if name_key(title) in self._groups:
                    return self._groups[name_key(title)]
            try:
                data = await self._transport.query(
                    "create_group", {"board_id": self.board_id, "group_name": title}, write=True)
            except MondayTransientError as exc:
                failure = exc
                continue
            created = data.get("create_group") or {}
            if not created.get("id"):
                raise MondayPermanentError(f"monday did not create group {title!r}")
            return str(created["id"])
        raise failure

    async def _refresh_groups(self) -> None:
        data = await self._transport.query("board_groups", {"board_ids": [self.board_id]})
        groups = [GroupInfo(str(g["id"]), str(g["title"]))
                  for board in data.get("boards") or [] for g in board.get("groups") or []]
        self._groups.update(group_ids_by_title(groups))

    # -- writes ---------------------------------------------------------------------------------------------

    async def create_items(self, items: Sequence[ItemCreate],
                           on_result: OnResult = None) -> list[WriteResult]:
        schema = await self.board_schema()
        results: dict[str, WriteResult] = {}
        writes = []
        for item in items:
            try:
                values = {**item.values, self.key_column: item.key}
                if not (item.key or "").strip():
                    raise ColumnValueError(self.key_column, item.key, "is empty; every item needs its key")
                writes.append(self._prepared(item.ref, {
                    "group_id": item.group_id, "item_name": item_name(item.name),
                    **self._values(schema.items, values)}, touches=(), key=item.key))
            except ColumnValueError as exc:
                results[item.ref] = _invalid(item.ref, exc)
        return await self._writer.write(CREATE_ITEM, {"board_id": self.board_id}, items, writes, results,
                                        on_result)

    async def update_items(self, items: Sequence[ItemUpdate],
                           on_result: OnResult = None) -> list[WriteResult]:
        schema = await self.board_schema()
        keyed = [replace(u, values={**u.values, self.key_column: u.key}) if u.key else u for u in items]
        return await self._updates(schema.items, [(u, (u.item_id,)) for u in keyed], items, on_result)

    async def move_items(self, moves: Sequence[ItemMove], on_result: OnResult = None) -> list[WriteResult]:
        """Move items into other groups of the board (move_item_to_group)."""
        writes = [self._prepared(m.ref, {"item_id": m.item_id, "group_id": m.group_id}, touches=(m.item_id,))
                  for m in moves]
        return await self._writer.write(MOVE_ITEM, {}, moves, writes, {}, on_result)

    async def archive_items(self, items: Sequence[ItemArchive],
                            on_result: OnResult = None) -> list[WriteResult]:
        """Archive items (never delete: monday keeps them, with their subitems, in the board's archive); an
        item already gone counts as done."""
        writes = [self._prepared(a.ref, {"item_id": a.item_id}, touches=(a.item_id,)) for a in items]
        return await self._writer.write(ARCHIVE_ITEM, {}, items, writes, {}, on_result)

    async def create_subitems(self, subitems: Sequence[SubitemCreate],
                              on_result: OnResult = None) -> list[WriteResult]:
        board = await self._subitems_board()
        results: dict[str, WriteResult] = {}
        writes = []
        for sub in subitems:
            try:
                if not sub.parent_item_id:
                    raise ColumnValueError("parent_item_id", sub.parent_item_id,
                                           "is missing: the parent item has no monday id yet")
                name = item_name(sub.name)
                variables = {"parent_item_id": sub.parent_item_id, "item_name": name,
                             **self._values(board, sub.values)}
                writes.append(self._prepared(sub.ref, variables, touches=(sub.parent_item_id,),
                                             parent=sub.parent_item_id, name=name))
            except ColumnValueError as exc:
                results[sub.ref] = _invalid(sub.ref, exc)
        return await self._writer.write(CREATE_SUBITEM, {}, subitems, writes, results, on_result)

    async def update_subitems(self, subitems: Sequence[SubitemUpdate],
                              on_result: OnResult = None) -> list[WriteResult]:
        board = await self._subitems_board()
        touched = [(s, _touched(s.subitem_id, s.parent_item_id)) for s in subitems]
        return await self._updates(board, touched, subitems, on_result)

    async def delete_subitems(self, subitems: Sequence[SubitemDelete],
                              on_result: OnResult = None) -> list[WriteResult]:
        """Delete subitems (or archive: [monday] subitem_removal = "archive"); gone counts as done."""
        operation = ARCHIVE_ITEM if self.settings.subitem_removal == "archive" else DELETE_ITEM
        writes = [self._prepared(s.ref, {"item_id": s.subitem_id},
                                 touches=_touched(s.subitem_id, s.parent_item_id)) for s in subitems]
        return await self._writer.write(operation, {}, subitems, writes, {}, on_result)

    async def _updates(self, board: Board, records: Sequence[tuple[Any, tuple[str, ...]]],
                       originals: Sequence, on_result: OnResult) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        writes = []
        for record, touches in records:
            try:
                variables = self._values(board, record.values, required=True)
                if record.name is not None:  # the name column takes a plain string
                    names = json.loads(variables["column_values"])
                    names["name"] = item_name(record.name)
                    variables["column_values"] = json.dumps(names, ensure_ascii=False)
                item_id = record.item_id if isinstance(record, ItemUpdate) else record.subitem_id
                writes.append(self._prepared(record.ref, {"item_id": item_id, **variables}, touches=touches))
            except ColumnValueError as exc:
                results[record.ref] = _invalid(record.ref, exc)
        return await self._writer.write(UPDATE_ITEM, {"board_id": board.id}, originals, writes, results,
                                        on_result)

    async def _subitems_board(self) -> Board:
        schema = await self.board_schema()
        if schema.subitems is None:
            raise MondayPermanentError(f"board {self.board_id} has no subitems column, so no subitems board")
        return schema.subitems

    def _values(self, board: Board, values: Mapping[str, str | None], required: bool = False) -> dict:
        converted = column_values(board.columns, values, self.create_labels_columns)
        labels = any(board.columns[c].type in LABEL_TYPES and c in self.create_labels_columns for c in values)
        return {"column_values": json.dumps(converted, ensure_ascii=False) if converted or required else None,
                "create_labels_if_missing": labels}

    @staticmethod
    def _prepared(ref: str, variables: dict[str, Any], touches: tuple[str, ...], **adoption) -> Write:
        return Write(ref, variables, touches, len(json.dumps(variables, ensure_ascii=False)), **adoption)

    # -- reads (BoardReader's, in reads.py) -----------------------------------------------------------------

    async def find_items_by_key(self, keys: Sequence[str]) -> dict[str, list[FoundItem]]:
        return await self._reader.find_items_by_key(keys)

    async def iter_board_items(self) -> AsyncIterator[FoundItem]:
        async for item in self._reader.iter_board_items():
            yield item

    async def subitems_of(self, item_ids: Sequence[str]) -> dict[str, list[FoundSubitem]]:
        return await self._reader.subitems_of(item_ids)

    async def board_snapshot(self) -> BoardSnapshot:
        """Every active item with its group, name, key and mapped columns, and its subitems (reconcile)."""
        environment = self.config.environment
        return await read_snapshot(self._transport, self.board_id, self.key_column,
                                   list(environment.item_columns.values()),
                                   list(environment.subitem_columns.values()))


async def read_board_schema(config: Config, *, url: str | None = None,
                            token: str | None = None) -> BoardSchema:
    """The board's schema with a client of its own (``board describe`` / ``board check``)."""
    async with MondayClient(config, url=url, token=token) as client:
        return await client.board_schema()


def _invalid(ref: str, exc: ColumnValueError) -> WriteResult:
    return WriteResult(ref, False, error=f"record {ref}: {exc}", code="INVALID_VALUE", permanent=True)


def _touched(*item_ids: str | None) -> tuple[str, ...]:
    return tuple(i for i in item_ids if i)

