"""Reading a board page by page: ``items_page`` (with ``query_params`` rules), ``next_items_page`` and
``items_page_by_column_values``, all served from server-side cursors that live 60 minutes.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence

from .api_errors import MondayApiError
from .board_state import AccountState, Board, Group, Item
from .column_values import EMPTY

PAGE_LIMIT_MAX = 500
CURSOR_LIFETIME = 3600.0  # monday keeps an items_page cursor for 60 minutes


class CursorStore:
    """Server-side items_page cursors: the ids still to hand out, for CURSOR_LIFETIME seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._pages: dict[str, tuple[list[str], float]] = {}

    def page(self, state: AccountState, ids: Sequence[str], limit: object) -> dict:
        size = _page_limit(limit)
        now = self.clock()
        self._pages = {c: p for c, p in self._pages.items() if p[1] > now}
        items = state.visible(ids[:size])
        rest = list(ids[size:])
        cursor = None
        if rest:
            cursor = f"MSw5NjA5MzE3NDAxLHh{secrets.token_urlsafe(24)}"
            self._pages[cursor] = (rest, now + CURSOR_LIFETIME)
        return {"cursor": cursor, "items": items}

    def next_page(self, state: AccountState, cursor: str, limit: object) -> dict:
        # A cursor stays valid for its whole life, so a read that is retried (its answer lost) gets its page.
        entry = self._pages.get(cursor)
        if entry is None or entry[1] <= self.clock():
            raise MondayApiError("CursorException", "The cursor is invalid or has expired (cursors live 60 "
                                 "minutes)", status_code=400, error_data={"cursor": cursor[:40]})
        return self.page(state, entry[0], limit)


def _page_limit(limit: object) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT_MAX:
        raise MondayApiError("InvalidArgumentException", f"limit must be between 1 and {PAGE_LIMIT_MAX}",
                             status_code=400, error_data={"limit": limit})
    return limit


def items_page(board: Board, info, limit=25, cursor=None, query_params=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    items = context.state.board_items(board.id)
    if query_params:
        items = _filtered(board, items, query_params)
    return context.cursors.page(context.state, [i.id for i in items], limit)


def group_items_page(group: Group, info, limit=25, cursor=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    board = next(b for b in context.state.boards.values() if b.groups.get(group.id) is group)
    ids = [i.id for i in context.state.board_items(board.id, group_id=group.id)]
    return context.cursors.page(context.state, ids, limit)


def _filtered(board: Board, items: list[Item], params: Mapping) -> list[Item]:
    unsupported = sorted(k for k, v in params.items() if v and k not in ("ids", "rules", "operator"))
    if unsupported:
        raise MondayApiError("NotEmulated", f"items_page query_params {', '.join(unsupported)} are not "
                             f"emulated", status_code=501)
    if params.get("ids"):
        wanted = {str(i) for i in params["ids"]}
        items = [i for i in items if i.id in wanted]
    rules = params.get("rules") or []
    checks = [_rule(board, rule) for rule in rules]
    combine = any if params.get("operator") == "or" else all
    return [i for i in items if combine(check(i) for check in checks)] if checks else items


def _rule(board: Board, rule: Mapping) -> Callable[[Item], bool]:
    column_id, operator = str(rule["column_id"]), rule.get("operator") or "any_of"
    if column_id != "name" and column_id not in board.columns:
        raise MondayApiError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                             error_data={"column_id": column_id})
    compare = rule.get("compare_value")
    wanted = {str(v) for v in (compare if isinstance(compare, list) else [compare])}
    tests = {"any_of": lambda text: text in wanted, "not_any_of": lambda text: text not in wanted,
             "is_empty": lambda text: text == "", "is_not_empty": lambda text: text != ""}
    if operator not in tests:
        raise MondayApiError("NotEmulated", f"items_page rule operator {operator} is not emulated",
                             status_code=501)
    test = tests[operator]
    return lambda item: test(_text_of(item, column_id))


def _text_of(item: Item, column_id: str) -> str:
    return item.name if column_id == "name" else (item.values.get(column_id) or EMPTY).text


def items_by_column_values(_, info, board_id, columns=None, limit=25, cursor=None, **__):
    context = info.context
    if cursor:
        return context.cursors.next_page(context.state, cursor, limit)
    board = context.state.board(board_id)
    now = context.state.clock()
    items = [i for i in context.state.board_items(board.id) if i.indexed_at <= now]  # the search index lags
    for condition in columns or []:
        column_id = condition["column_id"]
        if column_id != "name" and column_id not in board.columns:
            raise MondayApiError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                                 error_data={"column_id": column_id})
        wanted = {str(v) for v in condition["column_values"] if v is not None}
        items = [i for i in items if _text_of(i, column_id) in wanted]
    return context.cursors.page(context.state, [i.id for i in items], limit)


def next_items_page(_, info, cursor, limit):
    return info.context.cursors.next_page(info.context.state, cursor, limit)


