"""One request to monday, sent well: the aiohttp session and the token, each POST paced against the
complexity budget and capped in concurrency, retried with backoff, with an ``Idempotency-Key`` on writes so
a retried write replays instead of applying twice; the answer classified, the client's counts kept.

An Idempotency-Key lives exactly as long as one request goes unanswered. monday caches the answer to a key
for 30 minutes and replays it, failures included, so the key is only reused while no answer came back
(a timeout, a dropped connection, a 5xx without a GraphQL result, a 409 "still in progress"). A request
refused before it ran (429, 423) goes again under a new key; a write whose answer failed (HTTP 200 with an
error, a replayed failure) is handed back to the caller, which re-sends what failed as a new request with a
new key. Keys are random, so no later request, in this run or the next, can meet an old failed answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp

from ..common.errors import DailyLimitExceeded, MondayPermanentError, MondayTransientError
from ..config import Config
from ..telemetry import monday_request
from .answers import Problem, RequestFailed, classify, daily_limit_reset, split_errors
from .budget import BudgetSeen, ComplexityBudget, Reservation
from .documents import document
from .records import ClientStats
from .unit_costs import UnitCosts

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.monday.com/v2"


class Transport:
    """The session, retries, pacing and counts behind every request a MondayClient sends.

    The token stays here, private: it goes into the session's Authorization header and nowhere else (any
    text quoted from an answer or an exception is redacted).
    """

    def __init__(self, config: Config, *, url: str | None = None, token: str | None = None,
                 unit_costs: Mapping[str, float] | None = None):
        self.settings = config.monday
        self.url = url or os.environ.get("MONDAY_API_URL") or DEFAULT_URL
        self.__token = token if token is not None else os.environ.get("MONDAY_API_TOKEN", "")
        if not self.__token:
            raise MondayPermanentError("MONDAY_API_TOKEN is not set (an app setting / environment variable)")
        # the token as it may come back in an answer: as sent, and as JSON escapes it
        self.__token_forms = {self.__token, json.dumps(self.__token)[1:-1], self.__token.replace("/", "\\/")}
        self.stats = ClientStats()
        self.budget = ComplexityBudget(self.stats, self.budget_probe)
        self.costs = UnitCosts(unit_costs)
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(self.settings.max_concurrent_requests)

    def __repr__(self) -> str:
        return f"Transport(url={self.url!r}, api_version={self.settings.api_version!r})"

    def open(self) -> None:
        self._session = aiohttp.ClientSession(
            headers={"Authorization": self.__token, "API-Version": self.settings.api_version,
                     "Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=self.settings.request_timeout_seconds))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def query(self, name: str, variables: Mapping[str, Any], write: bool = False) -> dict:
        """A single (non-batched) document; any error is request-level."""
        try:
            data, errors = await self.request(name, document(name), variables, units=1, write=write)
        except RequestFailed as exc:
            raise MondayTransientError(f"monday unavailable ({name}): {exc.problem.message}") from None
        if errors:
            problem = next(iter(errors.values()))
            raise MondayPermanentError(f"monday refused {name}: {problem.message}" +
                                       (f" ({problem.code})" if problem.code else ""))
        return data or {}

    async def request(self, operation: str, query: str, variables: Mapping[str, Any], *, units: int,
                      write: bool, reservation: Reservation | None = None
                      ) -> tuple[dict | None, dict[str, Problem]]:
        """POST one document with retries; returns data and the errors of individual aliases/paths.
        ``reservation``: the budget already held for the first try (batched writes size a chunk by it).

        Raises DailyLimitExceeded and MondayPermanentError for request-level refusals, RequestFailed when the
        retries are spent or (writes) when monday's answer was a failure.
        """
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
        key = new_idempotency_key() if write else None
        maybe_applied = False
        problem = Problem("server", "no attempt made")
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                self.stats.retries += 1
                delay = problem.wait if problem.wait is not None else self.backoff(attempt)
                log.warning("monday %s: %s; retry %d/%d in %.1fs", operation, problem.message, attempt,
                            self.settings.max_retries, delay)
                await asyncio.sleep(delay)
            status, headers, payload, replayed, problem = await self._attempt(operation, units, body, key,
                                                                               reservation)
            reservation = None
            if problem is None:
                return split_errors(payload)
            maybe_applied = maybe_applied or (write and problem.maybe_applied)
            if write and problem.kind == "server" and answered(status, payload, replayed):
                raise RequestFailed(problem, maybe_applied, answered=True)  # the caller resends what failed
            if key and problem.kind in ("budget", "rate", "locked"):
                key = new_idempotency_key()  # refused before it ran: nothing to replay, nothing applied
            if problem.kind == "daily":
                resets_at = daily_limit_reset(problem, headers, datetime.now(UTC))
                raise DailyLimitExceeded(f"monday's daily call limit is spent ({problem.message}); the work "
                                         f"stays pending until it resets at {resets_at:%Y-%m-%d %H:%M} UTC",
                                         resets_at)
            if problem.kind == "permanent":
                raise MondayPermanentError(f"monday refused {operation}: {problem.message}")
        raise RequestFailed(problem, maybe_applied)

    async def _attempt(self, operation: str, units: int, body: bytes, key: str | None,
                       reservation: Reservation | None
                       ) -> tuple[int | str, Mapping[str, str], Any, bool, Problem | None]:
        """One try: the budget reserved, the POST, what the answer says learnt. A 429 tells the budget (or,
        for rate limits, pauses everyone) and comes back with nothing left to wait: reserve() waits."""
        reservation = reservation or await self.budget.reserve(self.costs.estimate(operation, units))
        seen = problem = None
        try:
            async with self._slots:
                reservation.sent_at = self.budget.clock()
                with monday_request(operation, self.url, units) as call:  # span and latency
                    status, answer_headers, payload = await self._post(
                        body, {"Idempotency-Key": key} if key else {})
                    call.answered(status, answer_headers, payload)
            replayed = answer_headers.get("Idempotency-Replayed", "").lower() == "true"
            problem = classify(status, answer_headers, payload)
            seen = BudgetSeen.of(answer_headers, payload, replayed)
        finally:  # also when cancelled: the reservation never outlives its request
            received = self.budget.clock()
            if problem is not None and problem.kind == "budget":
                self.budget.refused(reservation, problem.wait or 60.0, received)
            else:
                self.budget.settle(reservation, seen, received)
        if replayed:
            self.stats.replays += 1
        else:
            self._learn_cost(operation, units, seen.cost or 0.0)
        if problem is not None and problem.kind in ("budget", "rate"):
            self.stats.http_429 += 1
            if problem.kind == "rate":
                self.budget.pause(problem.wait or 1.0)
            problem.wait = 0.0
        return status, answer_headers, payload, replayed, problem

    async def budget_probe(self) -> BudgetSeen | None:
        """graphql/budget.graphql, outside the request slots (a full set of slots must not delay it): where
        the complexity budget stands. None when monday gave no figure."""
        body = json.dumps({"query": document("budget"), "variables": {}}).encode()
        status, answer_headers, payload = await self._post(body, {})
        problem = classify(status, answer_headers, payload)
        if problem is not None and problem.kind == "budget":
            self.stats.http_429 += 1
            return BudgetSeen(reset_in=problem.wait, refused=True)
        return None if problem is not None else BudgetSeen.of(answer_headers, payload, replayed=False)

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
            return status, answer_headers, self._redact(text[:200])
        if isinstance(payload, dict):  # an error may echo the request's headers; the data is the board's own
            payload = {key: value if key == "data" else self._scrub(value) for key, value in payload.items()}
        return status, answer_headers, payload

    def _learn_cost(self, operation: str, units: int, cost: float) -> None:
        self.stats.complexity_spent += int(cost)
        self.costs.learn(operation, units, cost)

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _scrub(self, payload: Any) -> Any:
        """A parsed value with the token taken out of every text in it (the JSON itself stays whole)."""
        if isinstance(payload, str):
            return self._redact(payload)
        if isinstance(payload, list):
            return [self._scrub(value) for value in payload]
        if isinstance(payload, dict):
            return {key: self._scrub(value) for key, value in payload.items()}
        return payload

    def _redact(self, text: str) -> str:
        """Text from the network, with the token taken out (as sent, and as JSON would escape it)."""
        for form in self.__token_forms:
            text = text.replace(form, "[token]")
        return text


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def answered(status: int | str, payload: Any, replayed: bool) -> bool:
    """monday has answered this key for good (and may replay it): a replay, an HTTP 200 with a JSON body, or
    a GraphQL result (``data``) under any status. Anything else (a timeout, a gateway's 5xx) is no answer."""
    if replayed:
        return True
    return isinstance(payload, Mapping) and (status == 200 or "data" in payload)

