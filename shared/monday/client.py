"""The only place that talks to monday.com (API v2, GraphQL over HTTPS).

Writes go in batches of aliased mutations (``m0: create_item(...)``, ``m1: ...``) built from the
per-mutation templates in ``graphql/``; every value travels as a variable. Each alias' answer or error is
mapped back to its own record by alias. Requests are paced against monday's complexity budget, capped in
concurrency, retried with backoff, and carry an ``Idempotency-Key`` so a retried write replays instead of
applying twice. A create whose outcome stays unknown after the retries is looked up by the order's business
key (items) or by name under its parent (subitems) and adopted rather than created again.
See docs/client.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ..common.errors import DailyLimitExceeded, MondayPermanentError, MondayTransientError
from ..config import Config, name_key, normalise_name
from .answers import GONE_CODES, Problem, RequestFailed, classify, split_errors
from .board import Board, BoardSchema, GroupInfo, board_from_api, subitems_board_of
from .budget import BudgetSeen, ComplexityBudget
from .columns import LABEL_TYPES, ColumnValueError, column_values, item_name
from .documents import batch_document, batch_variables, document
from .records import (
    ClientStats,
    FoundItem,
    FoundSubitem,
    ItemCreate,
    ItemUpdate,
    OnResult,
    SubitemCreate,
    SubitemDelete,
    SubitemUpdate,
    WriteResult,
)
from .write_operations import (
    ARCHIVE_ITEM,
    CREATE_ITEM,
    CREATE_SUBITEM,
    DELETE_ITEM,
    UPDATE_ITEM,
    Write,
    WriteOperation,
)

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.monday.com/v2"
QUERY_COMPLEXITY_LIMIT = 5_000_000  # monday refuses a single query above this
PAGE_LIMIT = 500  # items_page / next_items_page maximum
KEYS_PER_LOOKUP = 100
ITEMS_PER_QUERY = 100  # items(ids:) answers at most 100
_UNKNOWN_UNIT_COST = 100_000.0  # per mutation, until monday has told us (it is ~30k for create_item)


# -- the client ----------------------------------------------------------------------------------------------

class MondayClient:
    """``async with MondayClient(config) as client:`` — one aiohttp session reused for every call."""

    def __init__(self, config: Config, *, url: str | None = None, token: str | None = None):
        self.config = config
        self.settings = config.monday
        self.url = url or os.environ.get("MONDAY_API_URL") or DEFAULT_URL
        self.__token = token if token is not None else os.environ.get("MONDAY_API_TOKEN", "")
        if not self.__token:
            raise MondayPermanentError("MONDAY_API_TOKEN is not set (an app setting / environment variable)")
        self.board_id = config.environment.board_id
        self.key_column = config.environment.key_column
        self.create_labels_columns = frozenset(config.sync.create_labels_if_missing)
        self.stats = ClientStats()
        self.budget = ComplexityBudget(self.stats)
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(self.settings.max_concurrent_requests)
        self._unit_costs: dict[str, float] = {}
        self._probes: dict[str, asyncio.Lock] = {}
        self._item_locks: dict[str, asyncio.Lock] = {}
        self._schema: BoardSchema | None = None
        self._schema_lock = asyncio.Lock()
        self._groups: dict[str, str] = {}  # casefolded title -> group id
        self._groups_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (f"MondayClient(url={self.url!r}, board_id={self.board_id!r}, "
                f"api_version={self.settings.api_version!r})")

    async def __aenter__(self) -> MondayClient:
        self._session = aiohttp.ClientSession(
            headers={"Authorization": self.__token, "API-Version": self.settings.api_version,
                     "Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=self.settings.request_timeout_seconds))
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- board ----------------------------------------------------------------------------------------------

    async def board_schema(self) -> BoardSchema:
        """Items board and subitems board columns and groups; read once per client."""
        async with self._schema_lock:
            if self._schema is None:
                items = await self._read_board(self.board_id)
                subitems_id = subitems_board_of(items)
                subitems = await self._read_board(subitems_id) if subitems_id else None
                self._schema = BoardSchema(items=items, subitems=subitems)
                self._groups = {name_key(g.title): g.id for g in items.groups}
            return self._schema

    async def _read_board(self, board_id: str) -> Board:
        data = await self._query("board_schema", {"board_ids": [board_id]})
        boards = data.get("boards") or []
        if not boards:
            raise MondayPermanentError(f"board {board_id} does not exist or the token cannot see it")
        return board_from_api(boards[0])

    async def ensure_groups(self, titles: Iterable[str]) -> dict[str, str]:
        """title -> group id of the items board; a missing group is created once.

        Creation is serialised in this client and the board is read again just before creating, so two tasks
        never create the same group. Two *processes* may still race; when the board then holds twins, every
        caller settles on the same one (the smallest id) so items do not scatter.
        """
        await self.board_schema()
        wanted = list(dict.fromkeys(normalise_name(t) for t in titles))
        async with self._groups_lock:
            missing = [t for t in wanted if name_key(t) not in self._groups]
            if missing:
                await self._refresh_groups()
            for title in wanted:
                if name_key(title) not in self._groups:
                    data = await self._query("create_group", {"board_id": self.board_id, "group_name": title},
                                             write=True)
                    created = data.get("create_group") or {}
                    if not created.get("id"):
                        raise MondayPermanentError(f"monday did not create group {title!r}")
                    self._groups[name_key(title)] = str(created["id"])
                    await self._refresh_groups()
            return {title: self._groups[name_key(title)] for title in wanted}

    async def _refresh_groups(self) -> None:
        data = await self._query("board_groups", {"board_ids": [self.board_id]})
        groups = [GroupInfo(str(g["id"]), str(g["title"]))
                  for board in data.get("boards") or [] for g in board.get("groups") or []]
        by_title: dict[str, str] = {}
        for group in sorted(groups, key=lambda g: g.id):
            by_title.setdefault(name_key(group.title), group.id)
        self._groups.update(by_title)

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
        return await self._write(CREATE_ITEM, {"board_id": self.board_id}, items, writes, results, on_result)

    async def update_items(self, items: Sequence[ItemUpdate],
                           on_result: OnResult = None) -> list[WriteResult]:
        schema = await self.board_schema()
        return await self._updates(schema.items, [(u, (u.item_id,)) for u in items], items, on_result)

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
        return await self._write(CREATE_SUBITEM, {}, subitems, writes, results, on_result)

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
        return await self._write(operation, {}, subitems, writes, {}, on_result)

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
        return await self._write(UPDATE_ITEM, {"board_id": board.id}, originals, writes, results, on_result)

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

    # -- the write engine -----------------------------------------------------------------------------------

    async def _write(self, operation: WriteOperation, shared: dict[str, Any], records: Sequence,
                     writes: list[Write], results: dict[str, WriteResult],
                     on_result: OnResult = None) -> list[WriteResult]:
        """Send ``writes`` in rounds; a record's retry goes into the next round, after adoption for creates.

        ``on_result`` hears each final result (success or permanent failure) as soon as monday answers,
        so the caller can save it before the rest of the call is done.

        On a request-level failure (daily limit, outage, refusal) the exception raised carries ``results``:
        one WriteResult per record, so what did get written is not lost.
        """
        refs = [r.ref for r in records]
        if len(set(refs)) != len(refs):
            raise ValueError(f"{operation.template}: every record needs its own ref")
        report = _Reporter(on_result)
        for result in results.values():  # refused before sending
            report(result)
        pending = sorted(writes, key=lambda w: w.touches)
        failure: MondayTransientError | MondayPermanentError | None = None
        last_errors: dict[str, WriteResult] = {}
        for round_number in range(self.settings.max_retries + 1):
            if not pending or failure is not None:
                break
            if round_number:
                self.stats.records_retried += len(pending)
                await asyncio.sleep(self._backoff(round_number))
            round_ = _Round(operation, shared, deque(pending), report)
            try:
                await self._run_round(round_)
            except (MondayTransientError, MondayPermanentError) as exc:
                failure = exc
            results.update(round_.done)
            last_errors.update(round_.failed)
            pending = round_.retry
            if round_.ambiguous and operation.creates:
                pending += await self._adopt(operation, round_.ambiguous, results, report,
                                             final=failure is not None)
            elif round_.ambiguous:
                pending += round_.ambiguous
            if failure is None and pending and round_.unanswered and not round_.answered:
                failure = MondayTransientError(f"monday unavailable: {round_.unanswered}")  # not one answer
        for ref in refs:
            results.setdefault(ref, last_errors.get(ref) or WriteResult(
                ref, False, error="not written: the run stopped before it was sent", code="NOT_SENT"))
        ordered = [results[ref] for ref in refs]
        if failure is not None:
            failure.results = ordered
            raise failure
        return ordered

    async def _run_round(self, round_: _Round) -> None:
        workers = max(1, min(self.settings.max_concurrent_requests, len(round_.queue)))
        tasks = [asyncio.create_task(self._worker(round_)) for _ in range(workers)]
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        fatal = [o for o in outcomes if isinstance(o, BaseException)]
        for problem in fatal:
            if not isinstance(problem, MondayTransientError | MondayPermanentError):
                raise problem
        if fatal:
            raise next((f for f in fatal if isinstance(f, DailyLimitExceeded)), fatal[0])

    async def _worker(self, round_: _Round) -> None:
        while round_.queue and not round_.stopped:
            chunk = self._take_chunk(round_)
            try:
                await self._send_chunk(round_, chunk)
            except BaseException:
                round_.stopped = True
                raise

    def _take_chunk(self, round_: _Round) -> list[Write]:
        """The next records for one request: ≤ mutations_per_request, ≤ the payload cap, ≤ what the budget
        (per query and per window) can pay."""
        limit = self.settings.mutations_per_request
        unit = self._unit_costs.get(round_.operation.template)
        if unit:
            payable = min(QUERY_COMPLEXITY_LIMIT, self.budget.limit or QUERY_COMPLEXITY_LIMIT)
            limit = min(limit, max(1, int(payable // unit)))
            left = self.budget.available()
            if left is not None and left >= unit:  # spend the end of a window instead of waiting it out
                limit = min(limit, max(1, int(left // unit)))
        chunk, size = [], 0
        while round_.queue and len(chunk) < limit:
            write = round_.queue[0]
            if chunk and size + write.size > self.settings.max_request_bytes:
                break
            chunk.append(round_.queue.popleft())
            size += write.size
        # Leave the trailing writes of an item the next request also touches (a parent's subitems) for that
        # request, when the chunk has an earlier boundary: split, the two requests could not run side by side.
        following = set(round_.queue[0].touches) if round_.queue else set()
        cut = len(chunk)
        while cut and following & set(chunk[cut - 1].touches):
            cut -= 1
        if 0 < cut < len(chunk):
            round_.queue.extendleft(reversed(chunk[cut:]))
            del chunk[cut:]
        return chunk

    async def _send_chunk(self, round_: _Round, chunk: list[Write]) -> None:
        operation = round_.operation
        query = batch_document(operation.template, len(chunk))
        variables = batch_variables(round_.shared, [w.variables for w in chunk])
        async with self._locked(w for write in chunk for w in write.touches):
            try:
                data, alias_errors = await self._request(operation.template, query, variables,
                                                         units=len(chunk), write=True)
            except RequestFailed as exc:
                round_.unanswered = exc.problem.message
                for write in chunk:
                    (round_.ambiguous if exc.maybe_applied else round_.retry).append(write)
                    round_.failed[write.ref] = WriteResult(
                        write.ref, False, error=exc.problem.message, code=exc.problem.code or "UNAVAILABLE",
                        maybe_applied=exc.maybe_applied and operation.creates)
                return
        round_.answered += 1
        self.stats.mutations += len(chunk)
        for index, write in enumerate(chunk):
            alias = f"m{index}"
            answer = (data or {}).get(alias)
            error = alias_errors.get(alias)
            if isinstance(answer, Mapping) and answer.get("id") is not None:
                round_.finish(WriteResult(write.ref, True, monday_id=str(answer["id"])))
            else:
                self._alias_failed(round_, write, error)

    def _alias_failed(self, round_: _Round, write: Write, error: Problem | None) -> None:
        operation = round_.operation
        if error is None:  # neither data nor error for this alias: treat as an unknown outcome
            error = Problem("server", "monday gave no answer for this record", maybe_applied=True)
        if operation.removes and error.code in GONE_CODES:
            round_.finish(WriteResult(write.ref, True, monday_id=write.variables.get("item_id")))
        elif error.kind == "permanent":
            round_.finish(WriteResult(write.ref, False, error=error.message, code=error.code, permanent=True))
        else:
            maybe = error.maybe_applied or error.kind == "server"
            (round_.ambiguous if maybe and operation.creates else round_.retry).append(write)
            round_.failed[write.ref] = WriteResult(write.ref, False, error=error.message, code=error.code,
                                                   maybe_applied=maybe and operation.creates)

    async def _adopt(self, operation: WriteOperation, writes: list[Write], results: dict[str, WriteResult],
                     report: _Reporter, final: bool) -> list[Write]:
        """Look up creates whose outcome is unknown; adopt what exists, return what must be created again."""
        lookup = self._find_items_for if operation is CREATE_ITEM else self._find_subitems_for
        missing = list(writes)
        attempts = 1 if final else self.settings.lookup_attempts
        for attempt in range(attempts):
            if attempt:  # monday's search index can lag a create by seconds
                await asyncio.sleep(self.settings.lookup_delay_seconds)
            try:
                found = await lookup(missing)
            except (MondayTransientError, RequestFailed):
                return missing
            for write in list(missing):
                if write.ref in found:
                    results[write.ref] = WriteResult(write.ref, True, monday_id=found[write.ref],
                                                     adopted=True)
                    report(results[write.ref])
                    self.stats.adopted += 1
                    missing.remove(write)
            if not missing:
                break
        return missing

    async def _find_items_for(self, writes: list[Write]) -> dict[str, str]:
        found = await self.find_items_by_key([w.key for w in writes if w.key])
        taken: set[str] = set()
        adopted = {}
        for write in writes:
            candidates = sorted((i.id for i in found.get(write.key, ()) if i.id not in taken), key=id_order)
            if candidates:
                adopted[write.ref] = candidates[0]
                taken.add(candidates[0])
        return adopted

    async def _find_subitems_for(self, writes: list[Write]) -> dict[str, str]:
        children = await self.subitems_of(list(dict.fromkeys(w.parent for w in writes if w.parent)))
        taken: set[str] = set()
        adopted = {}
        for write in writes:
            match = [s.id for s in children.get(write.parent, ())
                     if s.name == write.name and s.id not in taken]
            if match:
                adopted[write.ref] = sorted(match, key=id_order)[0]
                taken.add(adopted[write.ref])
        return adopted

    @contextlib.asynccontextmanager
    async def _locked(self, item_ids: Iterable[str]):
        """Hold every item id's lock (in sorted order, so two requests never deadlock)."""
        locks = [self._item_locks.setdefault(i, asyncio.Lock()) for i in sorted(set(item_ids))]
        async with contextlib.AsyncExitStack() as stack:
            for lock in locks:
                await stack.enter_async_context(lock)
            yield

    # -- reads ----------------------------------------------------------------------------------------------

    async def find_items_by_key(self, keys: Sequence[str]) -> dict[str, list[FoundItem]]:
        """key -> the items whose key column holds it (items_page_by_column_values); absent keys map to []."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        found: dict[str, list[FoundItem]] = {k: [] for k in wanted}
        for start in range(0, len(wanted), KEYS_PER_LOOKUP):
            chunk = wanted[start:start + KEYS_PER_LOOKUP]
            columns = [{"column_id": self.key_column, "column_values": chunk}]
            first = await self._query("items_by_column_values", {
                "board_id": self.board_id, "columns": columns, "limit": PAGE_LIMIT,
                "column_ids": [self.key_column]})
            async for item in self._pages(first["items_page_by_column_values"]):
                if item.key in found:
                    found[item.key].append(item)
        return found

    async def iter_board_items(self) -> AsyncIterator[FoundItem]:
        """Every item of the items board with its key column and group (items_page + next_items_page)."""
        first = await self._query("board_items", {"board_ids": [self.board_id], "limit": PAGE_LIMIT,
                                                  "column_ids": [self.key_column]})
        for board in first.get("boards") or []:
            async for item in self._pages(board["items_page"]):
                yield item

    async def _pages(self, page: Mapping[str, Any]) -> AsyncIterator[FoundItem]:
        while True:
            for raw in page.get("items") or []:
                yield self._found_item(raw)
            if not page.get("cursor"):
                return
            data = await self._query("next_items_page", {"cursor": page["cursor"], "limit": PAGE_LIMIT,
                                                         "column_ids": [self.key_column]})
            page = data["next_items_page"]

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
            data = await self._query("subitems_of", {"item_ids": chunk, "limit": len(chunk)})
            for item in data.get("items") or []:
                found[str(item["id"])] = [
                    FoundSubitem(id=str(s["id"]), name=str(s.get("name") or ""),
                                 values={v["id"]: v.get("text") for v in s.get("column_values") or []})
                    for s in item.get("subitems") or [] if s]
        return found

    # -- one request ----------------------------------------------------------------------------------------

    async def _query(self, name: str, variables: Mapping[str, Any], write: bool = False) -> dict:
        """A single (non-batched) document; any error is request-level."""
        try:
            data, errors = await self._request(name, document(name), variables, units=1, write=write)
        except RequestFailed as exc:
            raise MondayTransientError(f"monday unavailable ({name}): {exc.problem.message}") from None
        if errors:
            problem = next(iter(errors.values()))
            raise MondayPermanentError(f"monday refused {name}: {problem.message}" +
                                       (f" ({problem.code})" if problem.code else ""))
        return data or {}

    def _estimate(self, operation: str, units: int) -> float:
        """Cost of a request: what this operation cost before, else the dearest seen so far, else a guess."""
        unit = self._unit_costs.get(operation) or max(self._unit_costs.values(), default=_UNKNOWN_UNIT_COST)
        return unit * units

    async def _request(self, operation: str, query: str, variables: Mapping[str, Any], *, units: int,
                       write: bool) -> tuple[dict | None, dict[str, Problem]]:
        """POST one document with retries; returns data and the errors of individual aliases/paths.

        Raises DailyLimitExceeded and MondayPermanentError for request-level refusals, RequestFailed when the
        retries are spent.
        """
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": hashlib.sha256(body).hexdigest()} if write else {}
        maybe_applied = False
        problem = Problem("server", "no attempt made")
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                self.stats.retries += 1
                delay = problem.wait if problem.wait is not None else self._backoff(attempt)
                log.warning("monday %s: %s; retry %d/%d in %.1fs", operation, problem.message, attempt,
                            self.settings.max_retries, delay)
                await asyncio.sleep(delay)
            async with self._probe(operation):
                estimate = self._estimate(operation, units)
                reservation = await self.budget.reserve(estimate)
                seen = None
                try:
                    async with self._slots:
                        reservation.sent_at = self.budget.clock()
                        status, answer_headers, payload = await self._post(body, headers)
                    replayed = answer_headers.get("Idempotency-Replayed", "").lower() == "true"
                    seen = BudgetSeen.of(answer_headers, payload, replayed)
                finally:
                    self.budget.settle(reservation, seen)
            if replayed:
                self.stats.replays += 1
            else:
                self._learn_cost(operation, units, payload)
            problem = classify(status, answer_headers, payload)
            if problem is None:
                return split_errors(payload)
            maybe_applied = maybe_applied or (write and problem.maybe_applied)
            if problem.kind in ("budget", "rate"):
                self.stats.http_429 += 1
                if problem.kind == "budget":
                    self.budget.exhausted(problem.wait or 60.0)
                    problem.wait = 0.0  # reserve() already waits for the reset
            elif problem.kind == "daily":
                raise DailyLimitExceeded(f"monday's daily call limit is spent ({problem.message}); the work "
                                         f"stays pending until the limit resets")
            elif problem.kind == "permanent":
                raise MondayPermanentError(f"monday refused {operation}: {problem.message}")
        raise RequestFailed(problem, maybe_applied)

    async def _post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int | str, Mapping, Any]:
        """One HTTP POST. Transport failures come back as pseudo-statuses, never as exceptions."""
        if self._session is None:
            raise RuntimeError("use MondayClient as `async with MondayClient(config) as client:`")
        self.stats.requests += 1
        try:
            async with self._session.post(self.url, data=body, headers=headers) as response:
                text = await response.text()
                status: int | str = response.status
                answer_headers = dict(response.headers)
        except TimeoutError:
            self.stats.statuses["timeout"] += 1
            return "timeout", {}, None
        except (aiohttp.ClientError, OSError) as exc:
            self.stats.statuses["connection"] += 1
            return "connection", {}, self._redact(f"{type(exc).__name__}: {exc}")
        self.stats.statuses[status] += 1
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = self._redact(text[:200])
        return status, answer_headers, payload

    @contextlib.asynccontextmanager
    async def _probe(self, operation: str):
        """Until monday has told us what ``operation`` costs, send one such request at a time."""
        lock = self._probes.setdefault(operation, asyncio.Lock())
        holding = False
        if operation not in self._unit_costs:
            await lock.acquire()
            holding = operation not in self._unit_costs  # else it was learnt while this request waited
            if not holding:
                lock.release()
        try:
            yield
        finally:
            if holding:
                lock.release()

    def _learn_cost(self, operation: str, units: int, payload: Any) -> None:
        data = payload.get("data") if isinstance(payload, Mapping) else None
        complexity = data.get("complexity") if isinstance(data, Mapping) else None
        cost = float(complexity.get("query") or 0) if isinstance(complexity, Mapping) else 0.0
        self.stats.complexity_spent += int(cost)
        if cost > 0:
            self._unit_costs[operation] = max(self._unit_costs.get(operation, 0.0), cost / units)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _redact(self, text: str) -> str:
        return text.replace(self.__token, "[token]") if self.__token else text


async def read_board_schema(config: Config, *, url: str | None = None,
                            token: str | None = None) -> BoardSchema:
    """The board's schema with a client of its own (``board describe`` / ``board check``)."""
    async with MondayClient(config, url=url, token=token) as client:
        return await client.board_schema()


class _Reporter:
    """Passes each final result (a success or a permanent failure) on to the caller's ``on_result``."""

    def __init__(self, on_result: OnResult):
        self.on_result = on_result

    def __call__(self, result: WriteResult) -> None:
        if self.on_result is not None and (result.ok or result.permanent):
            self.on_result(result)


@dataclass
class _Round:
    operation: WriteOperation
    shared: dict[str, Any]
    queue: deque[Write]
    report: _Reporter
    done: dict[str, WriteResult] = field(default_factory=dict)
    retry: list[Write] = field(default_factory=list)
    ambiguous: list[Write] = field(default_factory=list)
    failed: dict[str, WriteResult] = field(default_factory=dict)  # the last error of records to retry
    answered: int = 0  # requests that got an answer
    unanswered: str | None = None  # why the last request that outlived its retries failed
    stopped: bool = False

    def finish(self, result: WriteResult) -> None:
        self.done[result.ref] = result
        self.report(result)


def _invalid(ref: str, exc: ColumnValueError) -> WriteResult:
    return WriteResult(ref, False, error=f"record {ref}: {exc}", code="INVALID_VALUE", permanent=True)


def _touched(*item_ids: str | None) -> tuple[str, ...]:
    return tuple(i for i in item_ids if i)


def id_order(item_id: str) -> tuple[int, str]:
    """Sort key for monday ids: numerically (the oldest first), so every worker picks the same one."""
    return (int(item_id), item_id) if item_id.isdigit() else (1 << 62, item_id)
