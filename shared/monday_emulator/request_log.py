"""What was asked of the emulator: counters by kind of request, answer and change (``emu.counters``), and one
:class:`RequestRecord` per request (``emu.requests()``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class EmulatorCounters:
    requests: int = 0  # every POST, refused ones included
    queries: int = 0  # query operations that ran
    mutation_requests: int = 0  # mutation operations that ran
    mutations: int = 0  # mutation fields (aliases) that took effect
    items_created: int = 0
    subitems_created: int = 0
    groups_created: int = 0
    items_updated: int = 0
    items_deleted: int = 0
    items_archived: int = 0
    items_moved: int = 0
    alias_errors: int = 0  # errors inside 200 answers (one per failed field)
    validation_errors: int = 0  # documents refused by parse / validation / variables
    replays: int = 0  # Idempotency-Key answers served from the cache
    complexity_spent: int = 0
    statuses: Counter = field(default_factory=Counter)  # HTTP status (or "hang" / "dropped") -> answers
    fields: Counter = field(default_factory=Counter)  # top-level field -> times asked

    http_429 = property(lambda self: self.statuses[429])
    http_423 = property(lambda self: self.statuses[423])
    http_500 = property(lambda self: self.statuses[500])
    http_409 = property(lambda self: self.statuses[409])
    http_401 = property(lambda self: self.statuses[401])

    def as_dict(self) -> dict:
        plain = {k: v for k, v in self.__dict__.items() if not isinstance(v, Counter)}
        statuses = {str(k): v for k, v in self.statuses.items()}
        return {**plain, "statuses": statuses, "fields": dict(self.fields)}


@dataclass(frozen=True)
class RequestRecord:
    time: float
    operation_name: str | None
    fields: tuple[str, ...]
    aliases: int
    idempotency_key: str | None
    api_version: str | None
    status: int | str  # HTTP status, or "hang" / "dropped"
    replayed: bool = False
    fault: str | None = None
    complexity: int = 0

