"""Pacing against monday's complexity budget: what is left of the current window and when it can end
(ComplexityBudget), the cost a request holds from before it is sent until its answer (Reservation), and the
budget as one answer reports it (BudgetSeen: the ``complexity`` field and the RateLimit headers).

monday's reset hints (``reset_in_x_seconds``, ``retry_in_seconds``, RateLimit ``t=``) are whole seconds
rounded in a direction monday does not document, so every hint is taken as ±1 s: the window can end no
earlier than (sent + hint - 1) and no later than (received + hint + 1). A request charged in a window also
bounds its end by (received + window length), the window having opened no later than that charge.

When the budget left cannot pay the next request, the client waits for the earliest possible end and then
asks monday with one cheap probe (graphql/budget.graphql, which costs nothing) whether the window has reset,
holding every other request until the probe's answer says so; past the latest possible end the probe's answer
is the new window's. A probe that opens a window pins it: it ends within one probe round trip of
(probe sent + window length), so in a steady run only one probe per window is sent and no request meets a
429. A 429 all the same sets the budget to nothing until its retry_in (taken as ±1 s too), and the next
request goes only after a probe: one refusal, never a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .records import ClientStats

HINT_UNIT = 1.0  # a reset hint is whole seconds, rounded up, to the nearest or down: ±1 s
KEEP = 1_000  # points never spent in a window, so a probe (or a read) still fits
ORDER_SLACK = 0.005  # a request sent this long before another may still be charged after it
PROBE_GAP = 0.2  # seconds between probes while the window may or may not have reset
_FIRST_ANSWER_WAIT = 2.0  # before the first answer, other requests wait this long for it at most

Probe = Callable[[], Awaitable["BudgetSeen | None"]]


@dataclass(eq=False)
class Reservation:
    """The estimated cost of one request, from before it is sent until its answer."""

    cost: float
    window: int  # the window (as this client counts them) the request is charged to
    units: int = 1  # mutations it pays for (reserve with a unit cost)
    sent_at: float | None = None


@dataclass(frozen=True)
class BudgetSeen:
    """The budget as one answer reports it. ``before``/``after``/``reset_in`` come from the ``complexity``
    field (measured when the request was charged) or else from the RateLimit header (``after``, ``reset_in``
    measured when answered); ``refused`` is a budget 429 whose ``reset_in`` is its retry_in. ``cost`` is
    what the request itself was charged (``complexity.query``), known only from the field."""

    after: float | None = None
    reset_in: float | None = None
    before: float | None = None
    limit: float | None = None
    window: float | None = None
    refused: bool = False
    cost: float | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str], payload: Any, replayed: bool) -> BudgetSeen:
        """From an answer; a replayed body tells the budget of the original request, so only its headers
        count."""
        policy = _rate_limit_entry(headers.get("RateLimit-Policy"))
        limit, window = policy.get("q"), policy.get("w")
        data = payload.get("data") if isinstance(payload, Mapping) else None
        complexity = data.get("complexity") if isinstance(data, Mapping) else None
        if isinstance(complexity, Mapping) and not replayed:
            return cls(_number(complexity.get("after")), _number(complexity.get("reset_in_x_seconds")),
                       _number(complexity.get("before")), limit, window,
                       cost=_number(complexity.get("query")))
        current = _rate_limit_entry(headers.get("RateLimit"))
        return cls(current.get("r"), current.get("t"), None, limit, window)

    @property
    def figure(self) -> bool:
        return self.after is not None and self.reset_in is not None


class ComplexityBudget:
    """What is left of the current window, when it can end, and the requests in flight against it."""

    def __init__(self, stats: ClientStats, probe: Probe):
        self.stats, self.probe = stats, probe  # probe: the transport's cheap budget query
        self.clock: Callable[[], float] = time.monotonic  # a test or benchmark may set its own
        self.speed = 1.0  # clock seconds per wall second (a benchmark may run time faster)
        self.limit: float | None = None  # points per window
        self.window: float | None = None  # seconds per window (RateLimit-Policy w)
        self.current = 0  # the window requests are charged to now, as this client counts them
        self.left: tuple[float, float] | None = None  # (budget left, sent time of the request that said so)
        self.ends = (0.0, math.inf)  # the current window ends no earlier / no later than this
        self.paused_until = 0.0  # after a rate-limit 429 nothing is sent before this
        self.waiting_until = 0.0  # while requests wait for the budget (or a pause): until when
        self.doubted = False  # a 429 came that the figures did not foresee: ask before believing it
        self.in_flight: set[Reservation] = set()
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._version = 0  # counts what answers have changed, so a waiter never misses one

    def available(self) -> float | None:
        """Points the next request may take: the least left reported, less what requests sent since then (and
        requests sent just before, which may have been charged after it) hold; None before any figure."""
        if self.left is None:
            return None
        left, measured = self.left
        holding = sum(r.cost for r in self.in_flight if r.window == self.current
                      and (r.sent_at is None or r.sent_at > measured - ORDER_SLACK))
        return left - holding - KEEP

    async def reserve(self, cost: float, *, unit: float | None = None, most: int = 1) -> Reservation:
        """Wait until the budget can pay ``cost``, then hold it for the request about to be sent.

        With a ``unit`` cost, wait until it can pay one unit and hold as many as it can pay now, up to
        ``most`` (``reservation.units``): the end of a window is spent on one smaller request, and the next
        request, sized when it is its turn, waits for the new window and goes whole.
        """
        async with self._lock:
            waited_from = self.clock()
            first_wait = waited_from + _FIRST_ANSWER_WAIT
            while True:
                now, version = self.clock(), self._version
                if now < self.paused_until:
                    await self._wait(self.paused_until - now, version)
                    continue
                spare = self.available()
                units = most
                if spare is not None and unit:
                    units = max(1, min(most, int(spare // unit)))
                    cost = unit * units
                if spare is None:  # nothing known yet: the first request goes alone and tells
                    if self.in_flight and now < first_wait:
                        await self._wait(first_wait - now, version)
                        continue
                elif cost > spare and not self._overdue(cost):
                    low, high = self.ends
                    if self.doubted:  # is the budget spent (another integration) or was the 429 spurious?
                        self.doubted = False
                        await self._ask(surely_new=now >= high)
                    elif now < low:
                        await self._wait(low - now, version)
                    elif now < high and high - now <= PROBE_GAP:
                        await self._wait(high - now, version)
                    else:
                        await self._ask(surely_new=now >= high)
                    continue
                if now > waited_from:
                    self.stats.budget_waits += 1
                    self.stats.budget_wait_seconds += now - waited_from
                reservation = Reservation(cost, self.current, units)
                self.in_flight.add(reservation)
                return reservation

    def _overdue(self, cost: float) -> bool:
        """A request dearer than a whole window goes when nothing else is in flight (monday decides)."""
        return self.limit is not None and cost > self.limit - KEEP and not self.in_flight

    async def _ask(self, surely_new: bool) -> None:
        """Send a probe and learn from it: a new window (its budget, and its end pinned when the probe opened
        it), or the old one still running (its end moves later). Other requests wait meanwhile."""
        sent = self.clock()
        self.stats.budget_probes += 1
        seen = await self.probe()
        received = self.clock()
        if seen is None or not (seen.figure or seen.refused):
            await self._wait(PROBE_GAP, self._version)
            return
        self._policy(seen)
        if seen.refused:
            self._refusal(sent, received, seen.reset_in or HINT_UNIT)
            return
        left = self.left[0] if self.left else -math.inf
        before, opened = self._charged_from(seen)
        if surely_new or before > left:
            self._open(seen, sent, received, pinned=opened)
        else:  # the old window is still running at the probe's charge
            self.left = (min(left, seen.after), sent)
            self._narrow(sent, received + seen.reset_in + HINT_UNIT)
            await self._wait(PROBE_GAP, self._version)

    def settle(self, reservation: Reservation, seen: BudgetSeen | None, received: float) -> None:
        """A request was answered (or failed): its cost is no longer held; what its answer says is learnt."""
        self.in_flight.discard(reservation)
        self._changed_now()
        if seen is None or reservation.sent_at is None:
            return
        self._policy(seen)
        if not seen.figure or reservation.window != self.current:
            return  # charged to a window that has ended since: nothing to learn about this one
        sent = reservation.sent_at
        before, opened = self._charged_from(seen)
        if self.left is None:
            self._open(seen, sent, received, pinned=opened)
        elif sent > self.left[1] + ORDER_SLACK and before > self.left[0]:
            self._open(seen, sent, received, pinned=opened)  # the budget rose: the window reset before it
        elif sent >= self.left[1]:
            self.left = (min(self.left[0], seen.after), sent)
            high = received + seen.reset_in + HINT_UNIT
            self._narrow(sent + seen.reset_in - HINT_UNIT, min(high, received + (self.window or math.inf)))

    def refused(self, reservation: Reservation, retry_in: float, received: float) -> None:
        """A budget 429: nothing is left until the reset retry_in says."""
        self.in_flight.discard(reservation)
        self._changed_now()
        if reservation.window == self.current and reservation.sent_at is not None:
            self._refusal(reservation.sent_at, received, retry_in)

    def release(self, reservation: Reservation) -> None:
        """A reservation that was never sent."""
        self.in_flight.discard(reservation)
        self._changed_now()

    def wait_left(self) -> float:
        """Wall seconds requests still wait for monday's budget (what a progress line shows); 0 when none."""
        return max(self.waiting_until - self.clock(), 0.0) / self.speed

    def pause(self, seconds: float) -> None:
        """A rate-limit 429 (requests, concurrency): nobody sends for ``seconds``."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        self._changed_now()

    # -- the window's figures -------------------------------------------------------------------------------

    def _policy(self, seen: BudgetSeen) -> None:
        self.window = seen.window or self.window
        self.limit = max(self.limit or 0.0, seen.limit or 0.0, seen.before or 0.0) or None

    def _charged_from(self, seen: BudgetSeen) -> tuple[float, bool]:
        """The budget the answered request was charged from, and whether that was a whole window (nothing was
        charged before it: it opened the window, which pins the window's end)."""
        before = seen.before if seen.before is not None else seen.after
        return before, self.limit is not None and before >= self.limit

    def _open(self, seen: BudgetSeen, sent: float, received: float, pinned: bool) -> None:
        """A new window, first seen in a request sent at ``sent``: requests sent before it were charged to an
        older window (or are in its figure); the ones sent after it are charged to this one."""
        self.current += 1
        for reservation in self.in_flight:
            if reservation.sent_at is None or reservation.sent_at >= sent:
                reservation.window = self.current
        self.left = (seen.after, sent)
        low, high = sent + seen.reset_in - HINT_UNIT, received + seen.reset_in + HINT_UNIT
        if self.window:  # it opened no later than this request's charge; when the request opened it, then
            high = min(high, received + self.window)
            low = max(low, sent + self.window) if pinned else low
        self.ends = (min(low, high), high)

    def _narrow(self, low: float, high: float) -> None:
        current_low, current_high = self.ends
        low, high = max(low, current_low), min(high, current_high)
        self.ends = (min(low, high), high)

    def _refusal(self, sent: float, received: float, retry_in: float) -> None:
        self.doubted = self.left is None or self.left[0] > KEEP  # the figures said there was budget left
        self.left = (0.0, sent)
        low, high = sent + retry_in - HINT_UNIT, received + retry_in + HINT_UNIT
        current_low, current_high = self.ends
        if low > current_high or high < current_low:  # not the window we thought: take monday's word
            self.ends = (low, high)
        else:
            self._narrow(low, high)

    def _changed_now(self) -> None:
        self._version += 1
        self._changed.set()

    async def _wait(self, seconds: float, version: int) -> None:
        """Sleep up to ``seconds`` (clock seconds), waking early when an answer has changed what is known
        since ``version``."""
        if version != self._version:
            return
        self._changed.clear()
        self.waiting_until = max(self.waiting_until, self.clock() + seconds)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=max(seconds, 0.001) / self.speed)
        finally:
            self.waiting_until = min(self.waiting_until, self.clock())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


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
