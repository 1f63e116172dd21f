"""Pacing against monday's complexity budget: what is left of it (ComplexityBudget), the cost a request
reserves until its answer (Reservation), and the budget as one answer reports it (BudgetSeen, from the
RateLimit headers or the ``complexity`` field).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .records import ClientStats

_RESET_MARGIN = 0.05  # seconds past a computed reset before sending again
_CHARGE_DELAY = 0.2  # a request sent this long before monday measured its budget was charged by then


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
        self.paused_until = 0.0  # while requests wait for the budget (or a 429's retry time): until when

    def pause(self, seconds: float) -> None:
        """Requests wait ``seconds`` for the budget from now (what a progress line shows)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def wait_left(self) -> float:
        """Seconds requests still wait for monday's budget; 0 when nothing waits."""
        return max(self.paused_until - self.clock(), 0.0)

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
                    self.pause(self.reset_at - started + 0.01)
                    await asyncio.sleep(self.reset_at - started + 0.01)
                else:  # a fresh window that in-flight reservations still cover: wait for one to settle
                    self.pause(1.0)
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
