"""Faults injected on demand: ``emulator.faults.add("http_500_after", count=2, match="create_item")``.

A fault fires on the next requests it matches, ``count`` times (None: every time), or with a ``probability``
drawn from a seeded RNG so a run is repeatable. Kinds and their parameters:

- ``http_500_before``: answer 500 without applying anything.
- ``http_500_after``: apply, then answer 500 (the real answer is what an Idempotency-Key retry replays).
- ``hang_after``: apply, then send nothing for ``seconds`` (default 600) so the client times out.
- ``http_423``: answer 423 "Resource is currently locked" without applying.
- ``http_429``: a spurious 429 (the budget is not spent): ``code`` (default COMPLEXITY_BUDGET_EXHAUSTED, or
  RATE_LIMIT_EXCEEDED) with ``retry_in`` seconds (default 1), without applying.
- ``fail_alias``: the mutation under ``alias`` (default: the request's first) fails with ``code`` /
  ``message`` / ``status_code`` / ``error_data`` while the other aliases succeed. It combines with one fault
  of the other kinds on the same request (an alias fails, then the answer is lost: ``http_500_after``).
- ``slow``: wait ``seconds`` (default 1.0) before handling the request.
- ``drop_connection``: close the connection without an answer, after applying (``applied=True``, default) or
  before.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("http_500_before", "http_500_after", "hang_after", "http_423", "http_429", "fail_alias",
               "slow", "drop_connection")
ALIAS_KINDS = frozenset({"fail_alias"})  # fire alongside one fault of the other kinds (the request's fate)
_PARAMS = {"hang_after": {"seconds"}, "slow": {"seconds"}, "drop_connection": {"applied"},
           "http_429": {"code", "retry_in"},
           "fail_alias": {"alias", "code", "message", "status_code", "error_data"}}


@dataclass(frozen=True)
class RequestInfo:
    """What a fault's ``match`` sees of a request."""

    operation_name: str | None
    fields: tuple[str, ...]  # top-level field names, e.g. ("create_item", "create_item")
    aliases: tuple[str, ...]
    is_mutation: bool


Match = str | Callable[[RequestInfo], bool] | None


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    match: Match = None
    probability: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    def matches(self, request: RequestInfo) -> bool:
        if self.match is None:
            return True
        if callable(self.match):
            return bool(self.match(request))
        if self.match in ("mutation", "query"):
            return request.is_mutation == (self.match == "mutation")
        return self.match == request.operation_name or self.match in request.fields


class Faults:
    """The armed faults of one emulator; safe to arm from another thread."""

    def __init__(self, seed: int = 0):
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, count: int | None = 1, *, match: Match = None, probability: float | None = None,
            **params: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        unknown = set(params) - _PARAMS.get(kind, set())
        if unknown:
            raise ValueError(f"fault {kind!r} takes no parameter(s) {', '.join(sorted(unknown))}")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, got {probability}")
        fault = Fault(kind, count, match, probability, dict(params))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.count is None or f.fired < f.count]

    def fired(self) -> dict[str, int]:
        """kind -> how many times faults of that kind fired (spent ones included)."""
        with self._lock:
            counts: dict[str, int] = {}
            for fault in self._faults:
                counts[fault.kind] = counts.get(fault.kind, 0) + fault.fired
            return counts

    def take(self, request: RequestInfo) -> tuple[Fault | None, Fault | None]:
        """(request fault, alias fault): of each family, the first armed fault that matches this request and
        fires now (counted as fired)."""
        fired: dict[bool, Fault] = {}
        with self._lock:
            for fault in self._faults:
                family = fault.kind in ALIAS_KINDS
                if family in fired or (fault.count is not None and fault.fired >= fault.count):
                    continue
                if not fault.matches(request):
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                fired[family] = fault
        return fired.get(False), fired.get(True)
