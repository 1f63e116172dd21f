"""monday's limits on a token: the complexity budget per window, requests per window, calls per day, requests
in flight, and the Idempotency-Key cache. Each keeps its own time so tests can scale a "minute" down, and
rounds what it tells clients about resets with ``hint`` (see timing.py).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


class LimitExceeded(Exception):
    def __init__(self, retry_in: int):
        super().__init__(f"retry in {retry_in}s")
        self.retry_in = retry_in


def _ceil(seconds: float) -> int:
    return max(1, math.ceil(seconds))


Hint = Callable[[float], int]  # seconds still to wait -> the whole seconds a client is told


class ComplexityBudget:
    """A budget of ``total`` points that refills ``window`` seconds after the first call of a window."""

    def __init__(self, total: int, window: float, clock: Callable[[], float] = time.monotonic,
                 hint: Hint = _ceil):
        self.total, self.window, self.clock, self.hint = total, window, clock, hint
        self.spent = 0
        self.window_start: float | None = None
        self.history: list[tuple[float, int]] = []  # (start, points charged) of each window, oldest first

    def _roll(self) -> float:
        now = self.clock()
        if self.window_start is None or now >= self.window_start + self.window:
            if self.window_start is not None:
                self.history.append((self.window_start, self.spent))
            self.window_start, self.spent = now, 0
        return now

    def windows(self) -> list[tuple[float, int]]:
        """(start, points charged) of every window so far, the current one last."""
        current = [(self.window_start, self.spent)] if self.window_start is not None else []
        return self.history + current

    def charge(self, cost: int) -> dict:
        """The ``complexity`` answer for a request of ``cost``; LimitExceeded when the rest cannot pay."""
        now = self._roll()
        before = self.total - self.spent
        reset_in = self.hint(self.window_start + self.window - now)
        if cost > before:
            raise LimitExceeded(reset_in)
        self.spent += cost
        return {"before": before, "after": before - cost, "query": cost, "reset_in_x_seconds": reset_in}

    def refund(self, cost: int) -> None:
        self.spent = max(0, self.spent - cost)

    def remaining(self) -> tuple[int, int]:
        """(points left, hint to the reset) now. Only a call opens a window, so a window that has run out
        reads as a whole budget and a whole window, which the next call starts."""
        now = self.clock()
        if self.window_start is None or now >= self.window_start + self.window:
            return self.total, self.hint(self.window)
        return self.total - self.spent, self.hint(self.window_start + self.window - now)

    def reset(self) -> None:
        self.window_start, self.spent = None, 0
        self.history.clear()


class RequestRate:
    """At most ``limit`` requests in any ``window`` seconds (a sliding log)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 hint: Hint = _ceil):
        self.limit, self.window, self.clock, self.hint = limit, window, clock, hint
        self.sent: deque[float] = deque()

    def take(self) -> None:
        now = self.clock()
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            raise LimitExceeded(self.hint(self.sent[0] + self.window - now))
        self.sent.append(now)

    def remaining(self) -> int:
        return max(0, self.limit - len(self.sent))


class DailyCalls:
    """At most ``limit`` calls per UTC day (monday resets the daily limit at midnight UTC)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time):
        self.limit, self.clock = limit, clock
        self.day, self.calls = None, 0

    def take(self) -> None:
        now = self.clock()
        day = int(now // 86400)
        if day != self.day:
            self.day, self.calls = day, 0
        if self.calls >= self.limit:
            raise LimitExceeded(_ceil((day + 1) * 86400 - now))
        self.calls += 1


@dataclass
class StoredAnswer:
    status: int
    body: bytes
    expires: float


IN_FLIGHT = "in flight"


class IdempotencyStore:
    """Answers of finished writes by (token, Idempotency-Key), kept ``ttl`` seconds; keys in flight."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.clock = ttl, clock
        self._entries: dict[tuple[str, str], StoredAnswer | str] = {}

    def begin(self, scope: str, key: str) -> StoredAnswer | str | None:
        """The stored answer, IN_FLIGHT, or None (the key is now in flight and the request should run)."""
        now = self.clock()
        entry = self._entries.get((scope, key))
        if isinstance(entry, StoredAnswer) and entry.expires <= now:
            entry = None
        if entry is None:
            self._entries[(scope, key)] = IN_FLIGHT
        return entry

    def finish(self, scope: str, key: str, status: int | None = None, body: bytes = b"") -> None:
        """Store the answer, or (status None: nothing ran) forget the key."""
        if status is None:
            self._entries.pop((scope, key), None)
        else:
            self._entries[(scope, key)] = StoredAnswer(status, body, self.clock() + self.ttl)

    def expire(self) -> int:
        """Let every stored answer's time run out (keys in flight stay); how many there were."""
        stored = [entry for entry, value in self._entries.items() if isinstance(value, StoredAnswer)]
        for entry in stored:
            del self._entries[entry]
        return len(stored)
