"""What a sync run did, counted honestly: ``ok`` (result OK) only when every record the run took was written;
a record that failed, or that the run left alone because it is parked, makes the result PARTIAL."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields

# The counters that add up when runs (or batches) are merged, in the order they are printed.
_COUNTS = ("orders", "batches", "batches_skipped", "items_created", "items_updated", "items_adopted",
           "items_moved", "items_archived", "orders_forgotten", "subitems_created", "subitems_updated",
           "subitems_deleted", "subitems_adopted", "lines_forgotten", "missing_on_board", "requests",
           "complexity", "rate_limited")


@dataclass(frozen=True)
class FailedRecord:
    business_key: str
    record: str  # "item", "item archive" or "size <code>"
    message: str
    attempts: int
    parked: bool


@dataclass
class RunSummary:
    dry_run: bool = False
    orders: int = 0  # orders whose rows a batch read and decided on
    batches: int = 0
    batches_skipped: int = 0  # another worker held the claim (a duplicate delivery): nothing done
    groups_created: list[str] = field(default_factory=list)
    items_created: int = 0
    items_updated: int = 0
    items_adopted: int = 0  # found on the board by key (a crashed earlier run made them): not created again
    items_moved: int = 0  # moved into the group their (changed) group title names
    items_archived: int = 0  # REMOVED orders' items archived; the orders are ARCHIVED
    orders_forgotten: int = 0  # REMOVED orders that never reached monday: ARCHIVED without a call
    subitems_created: int = 0
    subitems_updated: int = 0
    subitems_deleted: int = 0
    subitems_adopted: int = 0
    lines_forgotten: int = 0  # removed sizes that never reached monday
    missing_on_board: int = 0  # items / subitems someone deleted on monday: their ids forgotten, made again
    failed: list[FailedRecord] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # business keys waiting for a person
    left_parked: list[FailedRecord] = field(default_factory=list)  # taken, left alone: parked before the run
    requests: int = 0
    complexity: int = 0
    rate_limited: int = 0  # 429 answers seen (the client waited and retried)
    daily_limit_until: str | None = None  # monday's daily call limit is spent until then: the run paused
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    @property
    def ok(self) -> bool:
        """Every record the run took was written (a batch another worker held was not taken)."""
        return not self.failed and not self.left_parked and self.daily_limit_until is None

    @property
    def result(self) -> str:
        return "OK" if self.ok else "PARTIAL"

    @property
    def records_written(self) -> int:
        return (self.items_created + self.items_updated + self.items_adopted + self.items_moved
                + self.items_archived + self.subitems_created + self.subitems_updated + self.subitems_deleted
                + self.subitems_adopted)

    @property
    def duration_seconds(self) -> float:
        return max((self.finished_at or time.time()) - self.started_at, 0.0)

    @property
    def records_per_second(self) -> float:
        duration = self.duration_seconds
        return self.records_written / duration if duration > 0 else 0.0

    def add_failure(self, failure: FailedRecord) -> None:
        self.failed.append(failure)
        if failure.parked:
            self.add_parked(failure.business_key)

    def add_parked(self, business_key: str) -> None:
        if business_key not in self.parked:
            self.parked.append(business_key)

    def add_left_parked(self, record: FailedRecord) -> None:
        self.left_parked.append(record)
        self.add_parked(record.business_key)

    def finish(self) -> RunSummary:
        self.finished_at = time.time()
        return self

    def merge(self, other: RunSummary) -> RunSummary:
        """Fold another run's (or batch's) summary into this one; the time span covers both."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.groups_created.extend(t for t in other.groups_created if t not in self.groups_created)
        self.failed.extend(other.failed)
        self.left_parked.extend(other.left_parked)
        for key in other.parked:
            self.add_parked(key)
        self.dry_run = self.dry_run or other.dry_run
        self.daily_limit_until = max(filter(None, (self.daily_limit_until, other.daily_limit_until)),
                                     default=None)
        self.started_at = min(self.started_at, other.started_at)
        ends = [end for end in (self.finished_at, other.finished_at) if end is not None]
        self.finished_at = max(ends) if ends else None
        return self

    def to_dict(self) -> dict:
        payload = {f.name: getattr(self, f.name) for f in fields(self)
                   if f.name not in ("started_at", "finished_at")}
        payload["failed"] = [asdict(failure) for failure in self.failed]
        payload["left_parked"] = [asdict(record) for record in self.left_parked]
        payload.update(ok=self.ok, result=self.result, records_written=self.records_written,
                       duration_seconds=round(self.duration_seconds, 3),
                       records_per_second=round(self.records_per_second, 2))
        return payload

    def render(self) -> str:
        verb = "would be " if self.dry_run else ""
        lines = [
            f"sync{' (dry run: nothing written)' if self.dry_run else ''}: {self.orders} orders in "
            f"{self.batches} batches" + (f", {self.batches_skipped} skipped (claimed by another worker)"
                                         if self.batches_skipped else ""),
            f"  groups {verb}created: {len(self.groups_created)}"
            + (f" ({', '.join(self.groups_created)})" if self.groups_created else ""),
            f"  items {verb}created {self.items_created}, updated {self.items_updated}, "
            f"adopted {self.items_adopted}, moved {self.items_moved}, archived {self.items_archived}"
            + (f"; {self.orders_forgotten} removed orders never reached monday" if self.orders_forgotten
               else ""),
            f"  subitems {verb}created {self.subitems_created}, updated {self.subitems_updated}, "
            f"deleted {self.subitems_deleted}, adopted {self.subitems_adopted}"
            + (f"; {self.lines_forgotten} removed sizes never reached monday"
               if self.lines_forgotten else ""),
            *([f"  deleted on the board by hand: {self.missing_on_board} items/subitems, to be created again"]
              if self.missing_on_board else []),
            f"  monday: {self.requests} requests, {self.complexity:,} complexity, "
            f"{self.rate_limited} rate-limited (429)",
            f"  {self.records_written} records in {self.duration_seconds:.2f} s "
            f"({self.records_per_second:.1f}/s)",
        ]
        if self.failed:
            lines.append(f"  FAILED: {len(self.failed)} records")
            lines.extend(f"    {failure.business_key} {failure.record}: {failure.message} "
                         f"(attempt {failure.attempts}{', parked' if failure.parked else ''})"
                         for failure in self.failed)
        if self.left_parked:
            lines.append(f"  left alone, parked: {len(self.left_parked)} records")
            lines.extend(f"    {record.business_key} {record.record}: {record.message} "
                         f"({record.attempts} attempts)" for record in self.left_parked)
        if self.parked:
            lines.append(f"  parked (waiting for a person; fix the cause, then `python -m shared retry "
                         f"--order KEY`, or ingest a fixed file): {len(self.parked)}")
            lines.extend(f"    {key}" for key in self.parked)
        if self.daily_limit_until:
            lines.append(f"  PAUSED: monday's daily call limit is spent until {self.daily_limit_until}; "
                         f"nothing is sent before then, and the orders not synced stay pending")
        lines.append(f"  result: {self.result}" + ("" if self.ok else f" ({self.partial_reason})"))
        return "\n".join(lines)

    @property
    def partial_reason(self) -> str:
        now_parked = sum(failure.parked for failure in self.failed)
        parts = [f"{len(self.failed)} records failed" + (f", {now_parked} of them now parked" if now_parked
                                                          else "")] if self.failed else []
        if self.left_parked:
            parts.append(f"{len(self.left_parked)} parked records left alone")
        if self.daily_limit_until:
            parts.append(f"paused by monday's daily call limit until {self.daily_limit_until}")
        return "; ".join(parts)
