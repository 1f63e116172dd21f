"""``create_column``: a new column on a board, as monday makes it — with the id the caller chose (1 to 20
lower-case letters and underscores, unique on the board) or one monday picks, and for a status or dropdown
column the labels given in ``defaults``.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from .api_errors import MondayApiError
from .board_state import AccountState, Column

CUSTOM_ID = re.compile(r"^[a-z_]{1,20}$")
# The types the emulator holds values for (the rest of monday's ColumnType enum is refused).
CREATABLE = frozenset({"text", "long_text", "numbers", "date", "status", "dropdown", "checkbox", "email",
                       "link"})
_generated = itertools.count(1)


def create_column(state: AccountState, board_id: object, title: str, column_type: str, id: str | None = None,
                  defaults: Any = None, **_) -> Column:
    board = state.board(board_id)
    if column_type not in CREATABLE:
        raise MondayApiError("InvalidArgumentException", f"column_type {column_type} is not emulated",
                             status_code=400, error_data={"column_type": column_type})
    if id is None:
        id = f"{column_type}_mk{next(_generated):05d}"
    elif not CUSTOM_ID.match(id):
        raise MondayApiError("InvalidArgumentException", "Column id must be 1-20 characters long and hold "
                             "only lower-case letters and underscores", status_code=400,
                             error_data={"id": id})
    if id in board.columns:
        raise MondayApiError("InvalidArgumentException", f"A column with id {id} already exists on board "
                             f"{board.id}", status_code=400, error_data={"id": id})
    if not isinstance(title, str) or not title.strip():
        raise MondayApiError("InvalidArgumentException", "title must not be empty", status_code=400,
                             error_data={"title": title})
    column = Column(id, title, column_type, _labels(column_type, defaults))
    board.columns[id] = column
    return column


def _labels(column_type: str, defaults: Any) -> list[str]:
    """Status: ``{"labels": {"1": "SEA", ...}}`` (in index order); dropdown: ``{"settings": {"labels":
    [{"id": 1, "name": "ACTIVE"}, ...]}}``."""
    if defaults in (None, ""):
        return []
    try:
        parsed = json.loads(defaults) if isinstance(defaults, str) else defaults
    except ValueError:
        raise MondayApiError("JsonParseException", "defaults is not valid JSON", status_code=400,
                             error_data={"defaults": str(defaults)[:200]}) from None
    if column_type == "status" and isinstance(parsed, dict) and isinstance(parsed.get("labels"), dict):
        return [str(label) for _, label in sorted(parsed["labels"].items(), key=lambda pair: int(pair[0]))]
    settings = parsed.get("settings") if isinstance(parsed, dict) else None
    if column_type == "dropdown" and isinstance(settings, dict) and isinstance(settings.get("labels"), list):
        return [str(label["name"]) for label in settings["labels"] if isinstance(label, dict)]
    raise MondayApiError("InvalidArgumentException", f"defaults do not describe labels of a {column_type} "
                         f"column", status_code=400, error_data={"defaults": str(defaults)[:200]})
