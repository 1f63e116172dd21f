"""The client's public records: what callers ask to write (ItemCreate, ItemUpdate, ItemMove, ItemArchive,
SubitemCreate, SubitemUpdate, SubitemDelete), what each write came to (WriteResult), what reads find
(FoundItem, FoundSubitem) and the client's running counts (ClientStats).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .answers import GONE_CODES


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
    key: str | None = None  # the business key, written to key_column again (someone may have edited it)


@dataclass(frozen=True)
class ItemMove:
    ref: str
    item_id: str
    group_id: str  # a group of the items board


@dataclass(frozen=True)
class ItemArchive:
    ref: str
    item_id: str  # archived, never deleted: monday keeps it in the board's archive


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
        return not self.ok and self.code in GONE_CODES


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
    budget_probes: int = 0  # cheap budget queries: has the window reset yet?
    replays: int = 0  # answers with Idempotency-Replayed: true
    adopted: int = 0
    statuses: Counter = field(default_factory=Counter)  # HTTP status -> count ("timeout", "connection" too)

    def as_dict(self) -> dict:
        return {**{k: v for k, v in self.__dict__.items() if k != "statuses"},
                "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=str)}}
