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
import functools
import hashlib
import json
import logging
import os
import random
import re
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from graphql import (
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from ..common.errors import DailyLimitExceeded, MondayPermanentError, MondayTransientError
from ..config import Config, name_key, normalise_name
from .board import Board, BoardSchema, GroupInfo, board_from_api, subitems_board_of
from .columns import LABEL_TYPES, ColumnValueError, column_values, item_name

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.monday.com/v2"
GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"
QUERY_COMPLEXITY_LIMIT = 5_000_000  # monday refuses a single query above this
SHARED_VARIABLES = frozenset({"board_id"})  # in a batch template, the one variable all aliases share
PAGE_LIMIT = 500  # items_page / next_items_page maximum
KEYS_PER_LOOKUP = 100
ITEMS_PER_QUERY = 100  # items(ids:) answers at most 100
_ALIAS = re.compile(r"^m(\d+)$")
_RESET_MARGIN = 0.05  # seconds past a computed reset before sending again
_CHARGE_DELAY = 0.2  # a request sent this long before monday measured its budget was charged by then
_UNKNOWN_UNIT_COST = 100_000.0  # per mutation, until monday has told us (it is ~30k for create_item)

# monday error codes (extensions.code / error_code) by what to do about them.
_BUDGET_CODES = frozenset({"COMPLEXITY_BUDGET_EXHAUSTED", "ComplexityException"})
_RATE_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "Rate Limit Exceeded", "FIELD_LIMIT_EXCEEDED",
                         "maxConcurrencyExceeded", "IP_RATE_LIMIT_EXCEEDED", "API_TEMPORARILY_BLOCKED"})
_DAILY_CODES = frozenset({"DAILY_LIMIT_EXCEEDED"})
_LOCKED_CODES = frozenset({"ResourceLocked", "ResourceLockedException", "RESOURCE_LOCKED",
                           "ItemLockedException"})
_SERVER_CODES = frozenset({"INTERNAL_SERVER_ERROR", "InternalServerError", "InternalServerException"})
_GONE_CODES = frozenset({"ResourceNotFoundException", "InvalidItemIdException", "ItemNotFoundException"})


# -- public records ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemCreate:
    ref: str  # the caller's id for this record (the sync engine uses record_uuid)
    group_id: str | None
    name: str
    key: str  # the order's business key, written to config.environment.key_column
    values: Mapping[str, str | None] = field(default_factory=dict)  # monday column id -> store text


@dataclass(frozen=True)
class ItemUpdate:
    ref: str
    item_id: str
    values: Mapping[str, str | None]
    name: str | None = None  # a new item name, if it changed


@dataclass(frozen=True)
class SubitemCreate:
    ref: str  # the sync engine uses line_uuid
    parent_item_id: str
    name: str
    values: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SubitemUpdate:
    ref: str
    subitem_id: str
    values: Mapping[str, str | None]
    name: str | None = None
    parent_item_id: str | None = None  # when known, keeps writes under one parent from colliding


@dataclass(frozen=True)
class SubitemDelete:
    ref: str
    subitem_id: str
    parent_item_id: str | None = None


@dataclass(frozen=True)
class WriteResult:
    ref: str
    ok: bool
    monday_id: str | None = None
    error: str | None = None
    code: str | None = None  # monday's error code, or one of ours: INVALID_VALUE, NOT_SENT, UNAVAILABLE
    permanent: bool = False  # True: retrying the same record will fail the same way
    adopted: bool = False  # the create's outcome was unknown and an existing item/subitem was taken instead
    maybe_applied: bool = False  # a failed create that may exist on the board: look it up before retrying

    @property
    def gone(self) -> bool:
        """The item or subitem written to no longer exists on monday (deleted there)."""
        return not self.ok and self.code in _GONE_CODES


OnResult = Callable[[WriteResult], None] | None  # hears each final result as soon as monday answers


@dataclass(frozen=True)
class FoundItem:
    id: str
    name: str
    key: str | None
    group_id: str | None


@dataclass(frozen=True)
class FoundSubitem:
    id: str
    name: str
    values: Mapping[str, str | None]  # column id -> monday's text of the value


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent, retries included
    mutations: int = 0  # aliased mutations sent, retries included
    complexity_spent: int = 0  # sum of complexity.query monday reported
    http_429: int = 0  # answers that were 429 or a budget/rate-limit error
    retries: int = 0  # requests sent again after a failed attempt
    records_retried: int = 0  # records sent again in a later round (locked, failed alias, not adopted)
    budget_waits: int = 0  # times a request waited for the budget to reset instead of being sent
    budget_wait_seconds: float = 0.0
    replays: int = 0  # answers with Idempotency-Replayed: true
    adopted: int = 0
    statuses: Counter = field(default_factory=Counter)  # HTTP status -> count ("timeout", "connection" too)

    def as_dict(self) -> dict:
        return {**{k: v for k, v in self.__dict__.items() if k != "statuses"},
                "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)}}


# -- GraphQL documents ---------------------------------------------------------------------------------------

@functools.cache
def document(name: str) -> str:
    """The text of ``graphql/<name>.graphql`` (read once)."""
    return (GRAPHQL_DIR / f"{name}.graphql").read_text(encoding="utf-8")


class _RenameVariables(Visitor):
    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def enter_variable(self, node: VariableNode, *_):
        name = node.name.value
        return None if name in SHARED_VARIABLES else VariableNode(name=NameNode(value=f"{name}_{self.index}"))


@functools.lru_cache(maxsize=256)
def batch_document(name: str, size: int) -> str:
    """``size`` aliased copies (m0..m{size-1}) of the mutation in template ``name``, one complexity field.

    Per-record variables are suffixed with the alias' index ($item_name -> $item_name_3); $board_id is shared.
    """
    operation = parse(document(name)).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    complexity = [s for s in operation.selection_set.selections if s.name.value == "complexity"]
    (mutation,) = [s for s in operation.selection_set.selections if s.name.value != "complexity"]
    shared = [d for d in operation.variable_definitions if d.variable.name.value in SHARED_VARIABLES]
    per_record = [d for d in operation.variable_definitions if d.variable.name.value not in SHARED_VARIABLES]
    definitions, selections = list(shared), list(complexity)
    for index in range(size):
        rename = _RenameVariables(index)
        definitions += [visit(d, rename) for d in per_record]
        renamed = visit(mutation, rename)
        selections.append(FieldNode(alias=NameNode(value=f"m{index}"), name=renamed.name,
                                    arguments=renamed.arguments, directives=renamed.directives,
                                    selection_set=renamed.selection_set))
    batch = OperationDefinitionNode(operation=operation.operation, name=operation.name,
                                    variable_definitions=tuple(definitions), directives=(),
                                    selection_set=SelectionSetNode(selections=tuple(selections)))
    return print_ast(batch)


def batch_variables(shared: Mapping[str, Any], per_record: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    variables = dict(shared)
    for index, record in enumerate(per_record):
        variables.update({f"{name}_{index}": value for name, value in record.items()})
    return variables


@dataclass(frozen=True)
class WriteOperation:
    template: str  # graphql/<template>.graphql
    creates: bool  # an unknown outcome may have created something: adopt before creating again
    removes: bool = False  # "already gone" counts as done


CREATE_ITEM = WriteOperation("create_item", creates=True)
UPDATE_ITEM = WriteOperation("update_item", creates=False)
CREATE_SUBITEM = WriteOperation("create_subitem", creates=True)
DELETE_ITEM = WriteOperation("delete_item", creates=False, removes=True)
ARCHIVE_ITEM = WriteOperation("archive_item", creates=False, removes=True)
WRITE_OPERATIONS = (CREATE_ITEM, UPDATE_ITEM, CREATE_SUBITEM, DELETE_ITEM, ARCHIVE_ITEM)


# -- pacing --------------------------------------------------------------------------------------------------

class ComplexityBudget:
    """What is left of monday's complexity budget, from each answer's RateLimit header or complexity field.

    A request reserves its estimated cost before it is sent; when the budget left (less what requests in
    flight reserved) cannot pay, it waits for the reset instead of drawing a 429. An answer saying "resets in
    t seconds" (rounded up) puts that reset between (sent + t - 1) and (received + t): the least upper bound
    is when the client sends again; an answer whose reset cannot be the tracked one (its lower bound lies
    beyond the tracked reset) opened a new window, which monday starts at the first call after the old one
    ended. When the answers also give the window's length (RateLimit-Policy ``w``), that window cannot end
    later than the first request sent after the reset plus its length, a tighter bound than the rounded ``t``.
    Past the tracked reset, and before any answer from the new window, the whole budget is assumed.
    """

    def __init__(self, stats: ClientStats, clock=time.monotonic):
        self.stats, self.clock = stats, clock
        self.limit: float | None = None  # the budget per window
        self.low: float | None = None  # the least budget left reported in the current window
        self.reset_at = 0.0
        self.in_flight: set[Reservation] = set()
        self.window: float | None = None  # the window's length, when monday says it
        self.opened_at: float | None = None  # when the first request after the tracked reset was sent
        self._lock = asyncio.Lock()
        self._settled = asyncio.Event()

    @property
    def reserved(self) -> float:
        """What requests in flight may still take from the tracked budget figure."""
        fresh = self.clock() >= self.reset_at
        return sum(r.cost for r in self.in_flight if fresh or not r.counted)

    def available(self) -> float | None:
        if self.low is None:
            return None
        left = self.limit if self.clock() >= self.reset_at else self.low
        return left - self.reserved

    async def reserve(self, cost: float) -> Reservation:
        async with self._lock:
            while True:
                left = self.available()
                fresh = self.clock() >= self.reset_at
                if left is None or cost <= left or (not self.in_flight and fresh):
                    reservation = Reservation(cost)
                    self.in_flight.add(reservation)
                    if fresh and (self.opened_at is None or self.opened_at < self.reset_at):
                        self.opened_at = self.clock()
                    return reservation
                started = self.clock()
                if not fresh:  # wait for the reset
                    await asyncio.sleep(self.reset_at - started + 0.01)
                else:  # a fresh window that in-flight reservations still cover: wait for one to settle
                    self._settled.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._settled.wait(), timeout=1.0)
                self.stats.budget_waits += 1
                self.stats.budget_wait_seconds += self.clock() - started

    def settle(self, reservation: Reservation, seen: BudgetSeen | None) -> None:
        self.in_flight.discard(reservation)
        self._settled.set()
        if seen is None or seen.reset_in <= 0 or reservation.sent_at is None:
            return
        now, sent_at = self.clock(), reservation.sent_at
        # Requests sent well before the figure was taken were charged by then (this window or an older one).
        measured = (now if seen.at_answer else sent_at) - _CHARGE_DELAY
        for other in self.in_flight:
            if other.sent_at is not None and other.sent_at < measured:
                other.counted = True
        self.limit = max(self.limit or 0.0, seen.limit or 0.0, seen.left)
        self.window = seen.window or self.window
        earliest, latest = sent_at + seen.reset_in - 1, now + seen.reset_in
        if self.low is None or earliest > self.reset_at:  # the first answer, or one from a newer window
            opened = self.opened_at if (self.opened_at or -1.0) >= self.reset_at else None
            self.low, self.reset_at = seen.left, latest
            if opened is not None and self.window:
                self.reset_at = min(latest, opened + self.window + _RESET_MARGIN)
        elif now < self.reset_at:  # the tracked window (answers from it arriving after its reset are stale)
            self.low = min(self.low, seen.left)
            self.reset_at = min(self.reset_at, latest)

    def exhausted(self, retry_in: float) -> None:
        """monday said the budget is spent: nothing is sent before it resets."""
        self.low, self.reset_at = 0.0, self.clock() + retry_in


@dataclass(eq=False)
class Reservation:
    """The estimated cost of one request, from before it is sent until its answer."""

    cost: float
    sent_at: float | None = None
    counted: bool = False  # already included in the budget figure monday last reported


@dataclass(frozen=True)
class BudgetSeen:
    """The budget as one answer reports it."""

    left: float
    reset_in: float
    limit: float | None = None
    window: float | None = None
    at_answer: bool = False  # measured when the answer was made (headers), else when the request was charged

    @classmethod
    def of(cls, headers: Mapping[str, str], payload: Any, replayed: bool) -> BudgetSeen | None:
        """From the RateLimit headers (the state when answered) or else the ``complexity`` field — never
        from a replayed answer's body, which tells the budget of the original request."""
        current, policy = _rate_limit_entry(headers.get("RateLimit")), _rate_limit_entry(
            headers.get("RateLimit-Policy"))
        if "r" in current and "t" in current:
            return cls(current["r"], current["t"], policy.get("q"), policy.get("w"), at_answer=True)
        data = payload.get("data") if isinstance(payload, Mapping) else None
        complexity = data.get("complexity") if isinstance(data, Mapping) else None
        if replayed or not isinstance(complexity, Mapping):
            return None
        return cls(float(complexity.get("after") or 0), float(complexity.get("reset_in_x_seconds") or 0),
                   float(complexity.get("before") or 0) or None)


def _rate_limit_entry(header: str | None) -> dict[str, float]:
    """The ``"complexity";r=…;t=…`` entry of a RateLimit / RateLimit-Policy header (IETF draft form)."""
    for entry in (header or "").split(","):
        name, *params = entry.strip().split(";")
        if "complexity" in name.casefold():
            values = {}
            for param in params:
                key, _, value = param.partition("=")
                with contextlib.suppress(ValueError):
                    values[key.strip()] = float(value)
            return values
    return {}


@dataclass
class _Problem:
    kind: str  # budget | rate | busy | daily | locked | server | permanent
    message: str
    code: str | None = None
    wait: float | None = None
    maybe_applied: bool = False


class _RequestFailed(Exception):
    """A request that outlived its retries; carries whether a write may have been applied."""

    def __init__(self, problem: _Problem, maybe_applied: bool):
        super().__init__(problem.message)
        self.problem, self.maybe_applied = problem, maybe_applied


@dataclass
class _Write:
    """One record ready to send: its per-record variables and what it touches on the board."""

    ref: str
    variables: dict[str, Any]
    touches: tuple[str, ...]  # item ids no concurrent request may write at the same time (423 otherwise)
    size: int  # bytes of its variables, for the payload cap
    key: str | None = None  # items: business key, for adoption
    parent: str | None = None  # subitems: parent item id, for adoption
    name: str | None = None


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
    def _prepared(ref: str, variables: dict[str, Any], touches: tuple[str, ...], **adoption) -> _Write:
        return _Write(ref, variables, touches, len(json.dumps(variables, ensure_ascii=False)), **adoption)

    # -- the write engine -----------------------------------------------------------------------------------

    async def _write(self, operation: WriteOperation, shared: dict[str, Any], records: Sequence,
                     writes: list[_Write], results: dict[str, WriteResult],
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

    def _take_chunk(self, round_: _Round) -> list[_Write]:
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

    async def _send_chunk(self, round_: _Round, chunk: list[_Write]) -> None:
        operation = round_.operation
        query = batch_document(operation.template, len(chunk))
        variables = batch_variables(round_.shared, [w.variables for w in chunk])
        async with self._locked(w for write in chunk for w in write.touches):
            try:
                data, alias_errors = await self._request(operation.template, query, variables,
                                                         units=len(chunk), write=True)
            except _RequestFailed as exc:
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

    def _alias_failed(self, round_: _Round, write: _Write, error: _Problem | None) -> None:
        operation = round_.operation
        if error is None:  # neither data nor error for this alias: treat as an unknown outcome
            error = _Problem("server", "monday gave no answer for this record", maybe_applied=True)
        if operation.removes and error.code in _GONE_CODES:
            round_.finish(WriteResult(write.ref, True, monday_id=write.variables.get("item_id")))
        elif error.kind == "permanent":
            round_.finish(WriteResult(write.ref, False, error=error.message, code=error.code, permanent=True))
        else:
            maybe = error.maybe_applied or error.kind == "server"
            (round_.ambiguous if maybe and operation.creates else round_.retry).append(write)
            round_.failed[write.ref] = WriteResult(write.ref, False, error=error.message, code=error.code,
                                                   maybe_applied=maybe and operation.creates)

    async def _adopt(self, operation: WriteOperation, writes: list[_Write], results: dict[str, WriteResult],
                     report: _Reporter, final: bool) -> list[_Write]:
        """Look up creates whose outcome is unknown; adopt what exists, return what must be created again."""
        lookup = self._find_items_for if operation is CREATE_ITEM else self._find_subitems_for
        missing = list(writes)
        attempts = 1 if final else self.settings.lookup_attempts
        for attempt in range(attempts):
            if attempt:  # monday's search index can lag a create by seconds
                await asyncio.sleep(self.settings.lookup_delay_seconds)
            try:
                found = await lookup(missing)
            except (MondayTransientError, _RequestFailed):
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

    async def _find_items_for(self, writes: list[_Write]) -> dict[str, str]:
        found = await self.find_items_by_key([w.key for w in writes if w.key])
        taken: set[str] = set()
        adopted = {}
        for write in writes:
            candidates = sorted((i.id for i in found.get(write.key, ()) if i.id not in taken), key=id_order)
            if candidates:
                adopted[write.ref] = candidates[0]
                taken.add(candidates[0])
        return adopted

    async def _find_subitems_for(self, writes: list[_Write]) -> dict[str, str]:
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
        except _RequestFailed as exc:
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
                       write: bool) -> tuple[dict | None, dict[str, _Problem]]:
        """POST one document with retries; returns data and the errors of individual aliases/paths.

        Raises DailyLimitExceeded and MondayPermanentError for request-level refusals, _RequestFailed when the
        retries are spent.
        """
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": hashlib.sha256(body).hexdigest()} if write else {}
        maybe_applied = False
        problem = _Problem("server", "no attempt made")
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
            problem = _classify(status, answer_headers, payload)
            if problem is None:
                return _split_errors(payload)
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
        raise _RequestFailed(problem, maybe_applied)

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
    queue: deque[_Write]
    report: _Reporter
    done: dict[str, WriteResult] = field(default_factory=dict)
    retry: list[_Write] = field(default_factory=list)
    ambiguous: list[_Write] = field(default_factory=list)
    failed: dict[str, WriteResult] = field(default_factory=dict)  # the last error of records to retry
    answered: int = 0  # requests that got an answer
    unanswered: str | None = None  # why the last request that outlived its retries failed
    stopped: bool = False

    def finish(self, result: WriteResult) -> None:
        self.done[result.ref] = result
        self.report(result)


# -- answers -------------------------------------------------------------------------------------------------

def _error_entries(payload: Any) -> list[dict]:
    """monday's errors in one shape: GraphQL ``errors`` objects, or the older top-level error_code/message."""
    if not isinstance(payload, Mapping):
        return []
    entries = []
    for error in payload.get("errors") or []:
        entries.append(error if isinstance(error, Mapping) else {"message": str(error)})
    if payload.get("error_code") or payload.get("error_message"):
        extensions = {"code": payload.get("error_code"), "status_code": payload.get("status_code"),
                      **(payload.get("error_data") or {})}
        entries.append({"message": payload.get("error_message") or payload.get("error_code"),
                        "extensions": extensions})
    return entries


def _problem_of(error: Mapping[str, Any], status: int | str = 200) -> _Problem:
    extensions = error.get("extensions") or {}
    code = extensions.get("code") or error.get("code")
    message = str(error.get("message") or code or "unknown error")
    code_status = extensions.get("status_code")
    retry_in = extensions.get("retry_in_seconds")
    if retry_in is None and isinstance(extensions.get("error_data"), Mapping):
        retry_in = extensions["error_data"].get("retry_in_seconds")
    wait = float(retry_in) if isinstance(retry_in, int | float) else None
    if code in _DAILY_CODES:
        return _Problem("daily", message, code)
    if code in _BUDGET_CODES:
        return _Problem("budget", message, code, wait)
    if code in _RATE_CODES or code_status == 429 or status == 429:
        return _Problem("rate", message, code, wait if wait is not None else 10.0)
    if code in _LOCKED_CODES or code_status == 423 or status == 423:
        return _Problem("locked", message, code)
    if code in _SERVER_CODES or (isinstance(code_status, int) and code_status >= 500) or code is None:
        return _Problem("server", message, code, maybe_applied=True)
    return _Problem("permanent", message, code)


def _classify(status: int | str, headers: Mapping[str, str], payload: Any) -> _Problem | None:
    """None when the answer carries data to use (possibly with per-alias errors); else what went wrong."""
    retry_after = _seconds(headers.get("Retry-After"))
    if status in ("timeout", "connection"):
        return _Problem("server", f"no answer ({status}{': ' + payload if isinstance(payload, str) else ''})",
                        maybe_applied=True)
    entries = _error_entries(payload)
    if status == 200:
        if not isinstance(payload, Mapping):
            return _Problem("server", "HTTP 200 without a JSON answer", maybe_applied=True)
        request_level = [e for e in entries if not _alias_of(e)]
        return _problem_of(request_level[0]) if request_level else None  # alias errors are per record
    if status in (401, 403):
        return _Problem("permanent", f"HTTP {status}: the token was refused (check MONDAY_API_TOKEN and its "
                                     f"access to the board)")
    problem = _problem_of(entries[0], status) if entries else None
    if status == 409:  # the same Idempotency-Key is still being processed
        return _Problem("busy", "HTTP 409: the same write is still in progress", wait=retry_after or 1.0,
                        maybe_applied=True)
    if status == 429:
        problem = problem if problem and problem.kind in ("budget", "rate") else _Problem("rate", "HTTP 429")
        problem.wait = problem.wait if problem.wait is not None else (retry_after or 10.0)
        return problem
    if status == 423:
        return _Problem("locked", f"HTTP 423: {problem.message if problem else 'resource locked'}",
                        problem.code if problem else None)
    if isinstance(status, int) and status >= 500:
        return _Problem("server", f"HTTP {status}" + (f": {problem.message}" if problem else ""),
                        problem.code if problem else None, maybe_applied=True)
    if problem is not None and problem.kind in ("daily", "budget", "rate", "locked"):
        return problem
    detail = problem.message if problem else (payload if isinstance(payload, str) else "no details")
    return _Problem("permanent", f"HTTP {status}: {detail}", problem.code if problem else None)


def _split_errors(payload: Mapping[str, Any]) -> tuple[dict | None, dict[str, _Problem]]:
    errors = {}
    for entry in _error_entries(payload):
        alias = _alias_of(entry) or "(request)"
        errors.setdefault(alias, _problem_of(entry))
    return payload.get("data"), errors


def _alias_of(error: Mapping[str, Any]) -> str | None:
    path = error.get("path") or []
    return path[0] if path and isinstance(path[0], str) and _ALIAS.match(path[0]) else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _invalid(ref: str, exc: ColumnValueError) -> WriteResult:
    return WriteResult(ref, False, error=f"record {ref}: {exc}", code="INVALID_VALUE", permanent=True)


def _touched(*item_ids: str | None) -> tuple[str, ...]:
    return tuple(i for i in item_ids if i)


def id_order(item_id: str) -> tuple[int, str]:
    """Sort key for monday ids: numerically (the oldest first), so every worker picks the same one."""
    return (int(item_id), item_id) if item_id.isdigit() else (1 << 62, item_id)
