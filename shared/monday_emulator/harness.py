"""The test API: what the account holds and what was asked of it, as plain dicts, and seeding state without
a request. Called from another thread (the threaded runner), each call runs on the emulator's event loop, so
what it reads is consistent.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .board_state import AccountState, BoardSpec
from .limits import ComplexityBudget, DailyCalls, IdempotencyStore, RequestRate
from .request_log import EmulatorCounters, RequestRecord


def _on_loop(method: Callable) -> Callable:
    """Run an accessor on the emulator's event loop when called from another thread (threaded runner)."""

    @functools.wraps(method)
    def wrapper(self: Harness, *args, **kwargs):
        loop = self._loop
        if loop is None or not loop.is_running() or self._loop_thread == threading.get_ident():
            return method(self, *args, **kwargs)

        async def call():
            return method(self, *args, **kwargs)

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    return wrapper


class Harness:
    """The test API of :class:`MondayEmulator`, over the state, counters and limits the emulator holds."""

    state: AccountState
    counters: EmulatorCounters
    request_log: list[RequestRecord]
    budget: ComplexityBudget
    idempotency: IdempotencyStore
    rate: RequestRate | None
    daily: DailyCalls | None
    _loop: asyncio.AbstractEventLoop | None
    _loop_thread: int | None
    _in_flight: int

    # -- test API: state (plain dicts) ---------------------------------------------------------------------

    @_on_loop
    def board(self, board_id: str) -> dict:
        board = self.state.boards[str(board_id)]
        return {"id": board.id, "name": board.name, "kind": board.kind,
                "columns": [{"id": c.id, "title": c.title, "type": c.type, "labels": list(c.labels)}
                            for c in board.columns.values()],
                "groups": [{"id": g.id, "title": g.title} for g in board.groups.values()]}

    @_on_loop
    def groups(self, board_id: str) -> list[dict]:
        return [{"id": g.id, "title": g.title} for g in self.state.boards[str(board_id)].groups.values()]

    @_on_loop
    def items(self, board_id: str, *, include_archived: bool = False) -> list[dict]:
        """Items of a board in creation order: id, name, group_id, state, values (column id -> text)..."""
        wanted = ("active", "archived") if include_archived else ("active",)
        items = (self.state.items[i] for i in self.state.boards[str(board_id)].item_ids)
        return [self.state.item_dict(i) for i in items if i.state in wanted]

    @_on_loop
    def item(self, item_id: str) -> dict | None:
        item = self.state.items.get(str(item_id))
        return self.state.item_dict(item) if item is not None else None

    @_on_loop
    def subitems(self, parent_id: str) -> list[dict]:
        parent = self.state.items[str(parent_id)]
        return [self.state.item_dict(s) for s in self.state.active_subitems(parent)]

    @_on_loop
    def duplicates(self, board_id: str, column_id: str) -> dict[str, list[str]]:
        """Column text (or item name for "name") -> ids of the active items sharing it, when more than one."""
        return self.state.duplicates(str(board_id), column_id)

    @_on_loop
    def add_board(self, spec: BoardSpec) -> None:
        self.state.add_board(spec)

    @_on_loop
    def add_group(self, board_id: str, title: str) -> str:
        return self.state.create_group(board_id, title).id

    @_on_loop
    def add_item(self, board_id: str, name: str, *, group_id: str | None = None,
                 values: Mapping[str, Any] | None = None) -> str:
        """Put an item on a board directly (no request, no counters); values as in monday's column_values."""
        return self.state.create_item(board_id, name, group_id=group_id, column_values=dict(values or {}),
                                      create_labels=True).id

    @_on_loop
    def add_subitem(self, parent_id: str, name: str, *, values: Mapping[str, Any] | None = None) -> str:
        return self.state.create_subitem(parent_id, name, column_values=dict(values or {}),
                                         create_labels=True).id

    @_on_loop
    def add_items(self, board_id: str, items: list[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
        """Many items at once (a big board in one call): each ``{name, group_id, values, subitems: [{name,
        values}]}``; gives (item id, [subitem ids]) per item, in order."""
        made = []
        for item in items:
            item_id = self.add_item(board_id, item["name"], group_id=item.get("group_id"),
                                    values=item.get("values"))
            made.append((item_id, [self.add_subitem(item_id, sub["name"], values=sub.get("values"))
                                   for sub in item.get("subitems") or ()]))
        return made

    # -- test API: a person changing the board behind the integration's back (no request, no counters) -----

    @_on_loop
    def delete_item(self, item_id: str) -> None:
        """Delete an item (its subitems go too) or a subitem, as a person would on the board."""
        self.state.delete_item(item_id)

    @_on_loop
    def add_label(self, board_id: str, column_id: str, label: str) -> None:
        """Add a status or dropdown label to a column, as a person fixing the board would."""
        column = self.state.boards[str(board_id)].columns[column_id]
        if label not in column.labels:
            column.labels.append(label)

    @_on_loop
    def archive_item(self, item_id: str) -> None:
        self.state.archive_item(item_id)

    @_on_loop
    def move_item(self, item_id: str, group_id: str) -> None:
        self.state.move_item(item_id, group_id)

    @_on_loop
    def set_values(self, item_id: str, values: Mapping[str, Any]) -> None:
        """Change an item's or a subitem's columns (``"name"`` renames), values as in column_values."""
        item = self.state.live_item(item_id)
        self.state.change_column_values(item.board_id, item.id, dict(values), create_labels=True)

    @_on_loop
    def duplicate_item(self, item_id: str) -> str:
        """monday's "duplicate item with its subitems": a new item in the same group, same name and values."""
        return self.state.duplicate_item(item_id).id

    @_on_loop
    def empty_board(self, board_id: str) -> int:
        """Delete every item of a board (a board restored from an old copy, items cleared by hand)."""
        items = self.state.board_items(str(board_id))
        for item in items:
            self.state.delete_item(item.id)
        return len(items)

    # -- test API: what was asked ---------------------------------------------------------------------------

    @_on_loop
    def requests(self) -> list[RequestRecord]:
        return list(self.request_log)

    @_on_loop
    def requests_in_flight(self) -> int:
        """Requests being handled now (a client that gave up on one does not stop monday working on it)."""
        return self._in_flight

    @_on_loop
    def reset_counters(self) -> None:
        self.counters = EmulatorCounters()
        self.request_log.clear()

    @_on_loop
    def expire_answers(self) -> int:
        """Let the cached answers' time run out (monday keeps them 30 minutes): a write sent again under an
        Idempotency-Key seen before runs afresh instead of being replayed."""
        return self.idempotency.expire()

    @_on_loop
    def reset_limits(self) -> None:
        """A fresh complexity window, request window and day."""
        self.budget.reset()
        if self.rate:
            self.rate.sent.clear()
        if self.daily:
            self.daily.calls = 0
