"""The emulator itself: an aiohttp server answering POST /v2 like api.monday.com, with a test API.

``async with MondayEmulator() as emu:`` in async code, ``with run_emulator_in_thread() as emu:`` in sync code;
either way ``emu.url`` is the endpoint and the accessors (``items``, ``groups``, ``subitems``, ``duplicates``,
``requests``, ``counters``) read what the account holds and what was asked of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiohttp import web
from graphql import GraphQLError

from . import api_errors
from .api_errors import MondayApiError
from .board_state import AccountState, BoardSpec, order_book_board
from .complexity import QUERY_COMPLEXITY_MAX
from .faults import Fault, Faults, RequestInfo
from .graphql_api import MondayGraphQL, Operation, RequestRejected, Variables
from .harness import Harness
from .limits import (
    IN_FLIGHT,
    ComplexityBudget,
    DailyCalls,
    IdempotencyStore,
    LimitExceeded,
    RequestRate,
    StoredAnswer,
)
from .paging import CursorStore
from .request_log import EmulatorCounters, RequestRecord
from .resolvers import FailAlias, RequestContext
from .timing import Timing

ACCOUNT_ID = 24_681_357
_CREATED = {"create_item": "items_created", "create_subitem": "subitems_created",
            "create_group": "groups_created", "change_multiple_column_values": "items_updated",
            "delete_item": "items_deleted", "archive_item": "items_archived",
            "move_item_to_group": "items_moved"}


@dataclass
class _Outcome:
    status: int
    payload: dict | bytes  # bytes: a stored answer replayed as it was
    executed: bool = False  # mutations ran: the answer belongs in the idempotency cache
    delivery: str = "answer"  # answer | http_500 | hang | drop
    headers: dict = field(default_factory=dict)
    fault: Fault | None = None  # the fault that decided the request's fate
    alias_fault: Fault | None = None  # fail_alias, which may come on top of it
    complexity: int = 0

    @property
    def fault_kinds(self) -> str | None:
        return "+".join(f.kind for f in (self.alias_fault, self.fault) if f) or None


class MondayEmulator(Harness):
    """A local api.monday.com (API v2, GraphQL) for tests, the demo and benchmarks.

    boards: the account's boards (default: the development order book and its subitems board).
    token: the Authorization value to demand (None: any request is accepted).
    latency: seconds each mutation field takes (asyncio.sleep, so concurrent requests overlap).
    request_latency: seconds every request takes before it is handled (monday: ~0.15 s).
    complexity_budget / window_seconds: the per-window complexity budget (monday: 10M per 60 s).
    reset_rounding: how reset hints are rounded to whole seconds, "up", "nearest" or "down" (timing.py).
    time_scale: the emulated clock runs this many times faster; windows, latencies and hints are in emulated
    seconds (fault durations, idempotency_ttl and index_lag stay in wall seconds).
    requests_per_window: requests allowed per window (None: no limit); max_concurrency: requests in flight.
    daily_limit: calls per UTC day (None: no limit). idempotency_ttl: seconds an answer is replayed.
    index_lag: seconds before items_page_by_column_values finds a new item. lock_items: a write touching an
    item another request is writing gets 423. seed: the fault RNG.
    """

    def __init__(self, boards: Sequence[BoardSpec] | None = None, *, token: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, schema_file: Path | str | None = None,
                 latency: float = 0.0, complexity_budget: int = 10_000_000, window_seconds: float = 60.0,
                 requests_per_window: int | None = None, max_concurrency: int | None = None,
                 daily_limit: int | None = None, idempotency_ttl: float = 1800.0, index_lag: float = 0.0,
                 lock_items: bool = True, seed: int = 0, request_latency: float = 0.0,
                 reset_rounding: str = "up", time_scale: float = 1.0):
        self.api = MondayGraphQL(Path(schema_file) if schema_file else None)
        self.state = AccountState([order_book_board()] if boards is None else boards, index_lag=index_lag)
        self.host, self.port = host, port
        self.timing = Timing(reset_rounding, time_scale)
        self.latency, self.request_latency = latency, request_latency
        self.lock_items, self.max_concurrency = lock_items, max_concurrency
        self.budget = ComplexityBudget(complexity_budget, window_seconds, self.timing.clock, self.timing.hint)
        self.rate = (RequestRate(requests_per_window, window_seconds, self.timing.clock, self.timing.hint)
                     if requests_per_window else None)
        self.daily = DailyCalls(daily_limit) if daily_limit is not None else None
        self.idempotency = IdempotencyStore(idempotency_ttl)
        self.cursors = CursorStore()
        self.faults = Faults(seed)
        self.counters = EmulatorCounters()
        self.request_log: list[RequestRecord] = []
        self.__token = token
        self._in_flight = 0
        self._writing: set[str] = set()  # item ids under a write in flight
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def __repr__(self) -> str:
        return f"MondayEmulator(url={self.url!r}, boards={list(self.state.boards)})"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v2"

    # -- running -------------------------------------------------------------------------------------------

    async def start(self) -> MondayEmulator:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/v2", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._loop, self._loop_thread = asyncio.get_running_loop(), threading.get_ident()
        self._closing = asyncio.Event()
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MondayEmulator:
        return await self.start()

    async def __aexit__(self, *_) -> None:
        await self.close()

    # -- serving -------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.counters.requests += 1
        await self.timing.sleep(self.request_latency)
        key = request.headers.get("Idempotency-Key")
        version = request.headers.get("API-Version")
        info, outcome = await self._answer(request, key)
        delivered: int | str = {"hang": "hang", "drop": "dropped", "http_500": 500}.get(outcome.delivery,
                                                                                       outcome.status)
        self.counters.statuses[delivered] += 1
        self.request_log.append(RequestRecord(
            time.time(), info.operation_name if info else None, info.fields if info else (),
            len(info.aliases) if info else 0, key, version, delivered,
            replayed=outcome.headers.get("Idempotency-Replayed") == "true",
            fault=outcome.fault_kinds, complexity=outcome.complexity))
        if outcome.delivery == "hang":
            seconds = float(outcome.fault.params.get("seconds", 600.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)
        elif outcome.delivery == "drop":
            request.transport.close()  # nothing is written back; the client sees the connection close
        elif outcome.delivery == "http_500":
            outcome.status, outcome.payload = 500, api_errors.internal_error()
        return web.Response(status=outcome.status, body=_encode(outcome.payload),
                            content_type="application/json",
                            headers={**self._rate_headers(), **outcome.headers})

    async def _answer(self, request: web.Request, key: str | None) -> tuple[RequestInfo | None, _Outcome]:
        token = request.headers.get("Authorization", "")
        token = token[7:] if token.startswith("Bearer ") else token
        if self.__token is not None and token != self.__token:
            return None, _Outcome(401, api_errors.unauthorized())
        try:
            body = await request.json()
        except ValueError:
            return None, _Outcome(400, api_errors.bad_request("The request body is not valid JSON"))
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return None, _Outcome(400, api_errors.bad_request("No query string was present"))
        try:
            operation = self.api.operation(body["query"], body.get("operationName"))
            variables = self.api.variables(operation, body.get("variables"))
        except RequestRejected as exc:
            self.counters.validation_errors += 1
            return None, _Outcome(200, {"errors": exc.errors, "account_id": ACCOUNT_ID})
        info = RequestInfo(operation.name, operation.field_names, operation.aliases, operation.is_mutation)
        key = key if operation.is_mutation else None
        return info, await self._limited(operation, variables, info, token, key)

    async def _limited(self, operation: Operation, variables: Variables, info: RequestInfo, token: str,
                       key: str | None) -> _Outcome:
        """Daily, per-window and concurrency limits, then the Idempotency-Key, then the work."""
        try:
            if self.daily:
                self.daily.take()
        except LimitExceeded as exc:
            return _refused(429, api_errors.daily_limit_exceeded(exc.retry_in), exc.retry_in)
        try:
            if self.rate:
                self.rate.take()
        except LimitExceeded as exc:
            return _refused(429, api_errors.rate_limited(exc.retry_in), exc.retry_in)
        if self.max_concurrency is not None and self._in_flight >= self.max_concurrency:
            return _refused(429, api_errors.concurrency_exceeded(), 1)
        self._in_flight += 1
        try:
            if key is None:
                return await self._execute(operation, variables, info)
            stored = self.idempotency.begin(token, key)
            if stored == IN_FLIGHT:
                return _refused(409, api_errors.idempotency_in_progress(), 1)
            if isinstance(stored, StoredAnswer):
                self.counters.replays += 1
                return _Outcome(stored.status, stored.body, headers={"Idempotency-Replayed": "true"})
            outcome = None
            try:
                outcome = await self._execute(operation, variables, info)
            finally:
                if outcome is not None and outcome.executed:
                    self.idempotency.finish(token, key, outcome.status, _encode(outcome.payload))
                else:
                    self.idempotency.finish(token, key)
            return outcome
        finally:
            self._in_flight -= 1

    async def _execute(self, operation: Operation, variables: Variables, info: RequestInfo) -> _Outcome:
        fault, alias_fault = self.faults.take(info)
        kind = fault.kind if fault else None
        if kind == "slow":
            await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
        if kind == "http_500_before":
            return _Outcome(500, api_errors.internal_error(), fault=fault)
        if kind == "http_423":
            return _Outcome(423, api_errors.locked(), headers={"Retry-After": "1"}, fault=fault)
        if kind == "http_429":
            retry_in = int(fault.params.get("retry_in", 1))
            code = fault.params.get("code", "COMPLEXITY_BUDGET_EXHAUSTED")
            body = api_errors.too_many_requests(code, retry_in)
            return replace(_refused(429, body, retry_in), fault=fault)
        if kind == "drop_connection" and not fault.params.get("applied", True):
            return _Outcome(0, {}, delivery="drop", fault=fault)
        touched = self._touched(operation, variables)
        if touched & self._writing:
            return _Outcome(423, api_errors.locked(), headers={"Retry-After": "1"}, fault=fault)
        cost = self.api.cost(operation, variables)
        if cost > QUERY_COMPLEXITY_MAX:
            payload = {**api_errors.too_complex(cost, QUERY_COMPLEXITY_MAX), "account_id": ACCOUNT_ID}
            return _Outcome(200, payload, fault=fault)
        try:
            complexity = self.budget.charge(cost)
        except LimitExceeded as exc:
            return _refused(429, api_errors.budget_exhausted(exc.retry_in), exc.retry_in)
        self.counters.complexity_spent += cost
        context = RequestContext(self.state, self.cursors, complexity, self.latency / self.timing.scale,
                                 self._fail_alias(alias_fault, operation))
        self._writing |= touched
        try:
            result = await self.api.execute(operation, variables, context)
        finally:
            self._writing -= touched
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [_error_entry(e) for e in result.errors]
            self.counters.alias_errors += len(result.errors)
        payload["account_id"] = ACCOUNT_ID
        self._count(operation, context.applied)
        delivery = {"http_500_after": "http_500", "hang_after": "hang", "drop_connection": "drop"}.get(kind)
        return _Outcome(200, payload, executed=operation.is_mutation, delivery=delivery or "answer",
                        fault=fault, alias_fault=alias_fault, complexity=cost)

    def _touched(self, operation: Operation, variables: Variables) -> set[str]:
        if not (self.lock_items and operation.is_mutation):
            return set()
        touched = set()
        for node in operation.fields:
            args = self.api.arguments(operation, node, variables)
            touched |= {str(args[a]) for a in ("item_id", "parent_item_id") if args.get(a) is not None}
        return touched

    @staticmethod
    def _fail_alias(fault: Fault | None, operation: Operation) -> FailAlias | None:
        if fault is None or fault.kind != "fail_alias" or not operation.aliases:
            return None
        params = fault.params
        error = MondayApiError(params.get("code", "ColumnValueException"),
                               params.get("message", "invalid value (injected fault)"),
                               status_code=params.get("status_code", 200),
                               error_data=params.get("error_data"))
        return FailAlias(params.get("alias") or operation.aliases[0], error)

    def _count(self, operation: Operation, applied: list[str]) -> None:
        counters = self.counters
        if operation.is_mutation:
            counters.mutation_requests += 1
        else:
            counters.queries += 1
        counters.fields.update(operation.field_names)
        counters.mutations += len(applied)
        for name in applied:
            if name in _CREATED:
                setattr(counters, _CREATED[name], getattr(counters, _CREATED[name]) + 1)

    def _rate_headers(self) -> dict[str, str]:
        """RateLimit-Policy / RateLimit in the IETF draft form monday documents."""
        remaining, reset_in = self.budget.remaining()
        window = math.ceil(self.budget.window)
        policy = [f'"complexity";q={self.budget.total};w={window}']
        current = [f'"complexity";r={remaining};t={reset_in}']
        if self.rate:
            policy.append(f'"requests";q={self.rate.limit};w={window}')
            current.append(f'"requests";r={self.rate.remaining()};t={reset_in}')
        if self.daily:
            policy.append(f'"daily";q={self.daily.limit};w=86400')
            current.append(f'"daily";r={max(0, self.daily.limit - self.daily.calls)}')
        return {"RateLimit-Policy": ", ".join(policy), "RateLimit": ", ".join(current)}


def _refused(status: int, payload: dict, retry_in: int) -> _Outcome:
    return _Outcome(status, {**payload, "account_id": ACCOUNT_ID}, headers={"Retry-After": str(retry_in)})


def _error_entry(error: GraphQLError) -> dict:
    entry = error.formatted
    if not isinstance(error.original_error, MondayApiError | GraphQLError | type(None)):
        entry["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "status_code": 500}
    return entry


def _encode(payload: dict | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()


@contextlib.contextmanager
def run_emulator_in_thread(*args, **kwargs) -> Iterator[MondayEmulator]:
    """``with run_emulator_in_thread() as emu:`` — the emulator on its own event loop in a daemon thread."""
    emulator = MondayEmulator(*args, **kwargs)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(emulator.start())
        except BaseException as exc:  # reported to the caller's thread below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(emulator.close())
        loop.close()

    thread = threading.Thread(target=serve, name="monday-emulator", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        raise failure[0]
    try:
        yield emulator
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)


def new_token() -> str:
    return f"emulator-{secrets.token_hex(12)}"
