"""The store for async code: every call runs on the store's own thread, so the event loop never waits on the
database (a pyodbc round trip, SQLite's busy wait, SQL Server's retry pauses).

``AsyncStore.of(store)`` gives the same methods as the synchronous store, each returning an awaitable. A call
is handed to the thread when it is made, not when it is awaited, and the thread runs the calls one at a time
in the order they were made (a connection is no place for two threads at once). So a write-back made from a
callback (the monday client's ``on_result``) is on its way without anyone awaiting it, and a claim released
later is released after it. ``settled()`` waits for the write-backs made so far; the first one that failed is
raised there, and by every write-back made after it (so a sync stops at the first full disk, as before).

A call once made runs to its end even when its awaiter is cancelled: a worker stopped half-way still saves
what monday has answered, then frees its claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future as ThreadFuture
from typing import TYPE_CHECKING, Any

from .write_back import WRITE_BACK_METHODS

if TYPE_CHECKING:
    from ..config import Config
    from .order_store import OrderStore


class AsyncStore:
    """The store's methods as awaitables run on the store's thread; see the module's docstring."""

    def __init__(self, store: Any):
        self.wrapped = store  # the synchronous store (or the store under a claim)
        self._thread = store.store_thread()
        self._write_backs: list[asyncio.Future] = []
        self._failure: BaseException | None = None

    @classmethod
    def of(cls, store: Any) -> AsyncStore:
        """The store as async code uses it (a store already wrapped is returned as it is)."""
        return store if isinstance(store, AsyncStore) else cls(store)

    def claimed_by(self, claim_id: str) -> AsyncStore:
        """The store under that claim (see ``WriteBackMixin.claimed_by``), on the same thread."""
        return AsyncStore(self.wrapped.claimed_by(claim_id))

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future:
        """Run ``function(*args, **kwargs)`` on the store's thread (a function using the synchronous store,
        ``self.wrapped``, such as the planner); its result as an awaitable."""
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        context = contextvars.copy_context()  # the caller's trace: SQL spans stay under the sync's span

        def settle(done: ThreadFuture) -> None:
            def copy() -> None:
                if answer.cancelled():  # its awaiter was cancelled; the call itself ran to its end
                    return
                if done.exception() is not None:
                    answer.set_exception(done.exception())
                else:
                    answer.set_result(done.result())

            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits for the answer
                loop.call_soon_threadsafe(copy)

        self._thread.submit(context.run, function, *args, **kwargs).add_done_callback(settle)
        return answer

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.wrapped, name)
        if not callable(attribute):
            return attribute
        if name not in WRITE_BACK_METHODS:
            return lambda *args, **kwargs: self.call(attribute, *args, **kwargs)
        return lambda *args, **kwargs: self._write_back(attribute, *args, **kwargs)

    def _write_back(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> asyncio.Future:
        if self._failure is not None:
            raise self._failure
        saved = self.call(method, *args, **kwargs)
        saved.add_done_callback(self._note_failure)
        self._write_backs.append(saved)
        return saved

    def _note_failure(self, saved: asyncio.Future) -> None:
        if not saved.cancelled() and saved.exception() is not None and self._failure is None:
            self._failure = saved.exception()

    async def settled(self) -> None:
        """Wait for every write-back made so far; raise the first that failed."""
        while self._write_backs:
            waiting, self._write_backs = self._write_backs, []
            await asyncio.gather(*waiting, return_exceptions=True)
        if self._failure is not None:
            raise self._failure

    def __repr__(self) -> str:
        return f"AsyncStore({self.wrapped!r})"


def when_saved(saved: asyncio.Future, use: Callable[[Any], None]) -> None:
    """Call ``use(result)`` once a store call succeeded (a failure is the caller's ``settled()`` to raise)."""
    saved.add_done_callback(lambda done: None if done.cancelled() or done.exception() is not None
                            else use(done.result()))


@contextlib.asynccontextmanager
async def store_off_loop(config: Config) -> AsyncIterator[AsyncStore]:
    """``open_store(config)`` for async code: opened (a connection, a sign-in) and closed off the loop."""
    from .order_store import open_store

    store: OrderStore = await asyncio.to_thread(open_store, config)
    try:
        yield AsyncStore(store)
    finally:
        await asyncio.to_thread(store.close)
