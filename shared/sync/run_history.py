"""Recording runs in the store's run history: every sync, reconcile and plan tick, from the command line or a
function, ends in one row (see ``OrderStore.record_run``).

Writing the history never changes a run's outcome: when the row cannot be written (the database is gone, the
SQL Server schema predates migration 005) the run still ends as it would have, with a warning in the log.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..common.errors import OrderSyncError
from ..config import Config
from ..store import open_store

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)


def record_run(config: Config, kind: str, source: str, summary: Any, *,
               error: BaseException | str | None = None, store: OrderStore | None = None) -> None:
    """Write the run's row (in ``store``, else in a store opened for it); failing to write is only logged."""
    try:
        if store is not None:
            store.record_run(kind, source, summary, environment=config.environment.name, error=error)
            return
        with open_store(config) as own:
            own.record_run(kind, source, summary, environment=config.environment.name, error=error)
    except OrderSyncError as exc:
        log.warning("the %s run was not recorded in the run history: %s (python -m shared db migrate adds "
                    "the runs table on SQL Server)", kind, exc)


@contextlib.contextmanager
def recorded_run(config: Config, kind: str, source: str, summary: Any, *, record: bool = True
                 ) -> Iterator[None]:
    """Record ``summary`` when the block ends, also when it ends in an error (outcome ``error``).

    ``summary`` is the object the block fills in (its counts so far are kept when the run stops early).
    """
    try:
        yield
    except BaseException as exc:
        if record:
            _finish(summary)
            record_run(config, kind, source, summary, error=exc)
        raise
    if record:
        _finish(summary)
        record_run(config, kind, source, summary)


def _finish(summary: Any) -> None:
    if getattr(summary, "finished_at", 0) is None and hasattr(summary, "finish"):
        summary.finish()


class PlanTick:
    """What one plan tick did, as the run history keeps it: orders planned, in how many batch messages."""

    def __init__(self) -> None:
        self.orders = self.batches = 0
        self.started_at, self.finished_at = time.time(), None

    def count(self, messages: Sequence[Any]) -> None:
        self.orders = sum(len(message.record_uuids) for message in messages)
        self.batches = len(messages)

    def finish(self) -> PlanTick:
        self.finished_at = time.time()
        return self

    def to_dict(self) -> dict:
        return {"orders": self.orders, "batches": self.batches}
