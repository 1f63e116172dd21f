"""Batched writes: prepared records sent in rounds of aliased mutations (one request per chunk, the chunk
sized to the request cap, the payload cap and the budget), each alias' answer or error mapped back to its
record, a record's retry put into the next round — after adoption, for creates with an unknown outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..common.errors import DailyLimitExceeded, MondayPermanentError, MondayTransientError
from .adoption import Adoption
from .answers import GONE_CODES, Problem, RequestFailed
from .budget import Reservation
from .documents import batch_document, batch_variables
from .records import OnResult, WriteResult
from .transport import Transport
from .write_operations import Write, WriteOperation

QUERY_COMPLEXITY_LIMIT = 5_000_000  # monday refuses a single query above this


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


class BatchWriter:
    """Sends a call's prepared writes through the transport; one lock per item id across its requests."""

    def __init__(self, transport: Transport, adoption: Adoption):
        self.transport, self.adoption = transport, adoption
        self.settings, self.stats, self.budget = transport.settings, transport.stats, transport.budget
        self._item_locks: dict[str, asyncio.Lock] = {}

    async def write(self, operation: WriteOperation, shared: dict[str, Any], records: Sequence,
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
                await asyncio.sleep(self.transport.backoff(round_number))
            round_ = _Round(operation, shared, deque(pending), report)
            try:
                await self._run_round(round_)
            except (MondayTransientError, MondayPermanentError) as exc:
                failure = exc
            results.update(round_.done)
            last_errors.update(round_.failed)
            pending = round_.retry
            if round_.ambiguous and operation.creates:
                pending += await self.adoption.adopt(operation, round_.ambiguous, results, report,
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
        unit = self.transport.costs.unit(round_.operation.template)
        payable = min(QUERY_COMPLEXITY_LIMIT, self.budget.limit or QUERY_COMPLEXITY_LIMIT)
        most = min(self.settings.mutations_per_request, max(1, int(payable // unit)))
        while round_.queue and not round_.stopped:
            # The chunk is sized by the budget when it is this request's turn: the end of a window goes into
            # one smaller request, and the next request waits for the new window and goes whole.
            reservation = await self.budget.reserve(unit * most, unit=unit, most=min(most, len(round_.queue)))
            if not round_.queue or round_.stopped:
                self.budget.release(reservation)
                break
            chunk = self._take_chunk(round_, reservation.units)
            reservation.cost = unit * len(chunk)
            try:
                await self._send_chunk(round_, chunk, reservation)
            except BaseException:
                round_.stopped = True
                raise

    def _take_chunk(self, round_: _Round, limit: int) -> list[Write]:
        """The next records for one request: ≤ ``limit`` (what the budget holds for it), ≤ the payload cap."""
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

    async def _send_chunk(self, round_: _Round, chunk: list[Write], reservation: Reservation) -> None:
        operation = round_.operation
        query = batch_document(operation.template, len(chunk))
        variables = batch_variables(round_.shared, [w.variables for w in chunk])
        async with self._locked(w for write in chunk for w in write.touches):
            try:
                data, alias_errors = await self.transport.request(operation.template, query, variables,
                                                                  units=len(chunk), write=True,
                                                                  reservation=reservation)
            except RequestFailed as exc:
                if exc.answered:
                    round_.answered += 1
                else:
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

    @contextlib.asynccontextmanager
    async def _locked(self, item_ids: Iterable[str]):
        """Hold every item id's lock (in sorted order, so two requests never deadlock)."""
        locks = [self._item_locks.setdefault(i, asyncio.Lock()) for i in sorted(set(item_ids))]
        async with contextlib.AsyncExitStack() as stack:
            for lock in locks:
                await stack.enter_async_context(lock)
            yield
