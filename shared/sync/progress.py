"""How far a running sync is, for whoever shows it (the command line's progress line): the records it means to
write, the records monday has answered for, and whether requests are waiting for monday's budget.

The engine makes the run's :class:`SyncProgress` current (a context variable, so every batch task of the run
sees it and nothing else does); each batch reports the records monday answers for. Reading it from another
thread is safe: it only holds counters.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..config import Config
from .plan import plan_batch_work

if TYPE_CHECKING:
    from ..monday import MondayClient
    from ..store import OrderStore
    from .planner import BatchMessage

_CURRENT: contextvars.ContextVar[SyncProgress | None] = contextvars.ContextVar("sync_progress", default=None)


class SyncProgress:
    """Records planned, records answered (written or failed), and monday's budget wait."""

    def __init__(self) -> None:
        self.planned = 0
        self.done = 0
        self.failed = 0
        self._client: MondayClient | None = None

    def waiting_seconds(self) -> float:
        """How long requests still wait for monday's complexity budget (0 when they do not)."""
        return self._client.budget.wait_left() if self._client is not None else 0.0

    @contextlib.contextmanager
    def running(self, client: MondayClient) -> Iterator[None]:
        """Make this the run's progress while the block runs (the engine wraps its batches in it)."""
        self._client = client
        token = _CURRENT.set(self)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    def add_planned(self, config: Config, store: OrderStore, messages: Sequence[BatchMessage]) -> None:
        """Count the writes these batches will make, from the orders' rows as they are now."""
        for message in messages:
            orders, lines = store.load_batch(message.record_uuids)
            self.planned += plan_batch_work(config, orders, lines).write_count


def record_answered(ok: bool) -> None:
    """monday answered for one record of the current run (a no-op outside a run that shows progress)."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.done += 1
        progress.failed += not ok
