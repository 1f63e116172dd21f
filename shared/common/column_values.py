"""What a monday column of each type accepts, as pure checks on the store's text: the sync converts values
with them (shared/monday/columns.py) and the ingest warns with them about a value sync would refuse.

A mapped column's type is known for certain only from the board; without asking monday it is read from the
column id, which monday derives from the type (``numbers_mkr7qty``, ``date4``, ``color_mkr7method``), unless a
``column id -> type`` mapping says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

ITEM_NAME_MAX = 255  # monday answers ItemNameTooLongException past this
TEXT_MAX = 2000

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LINK = re.compile(r"^https?://\S+$", re.IGNORECASE)
_CHECKED = {"true", "yes", "y", "1", "x", "checked"}
_UNCHECKED = {"false", "no", "n", "0", ""}
# The type a column id's prefix names (longest first); monday writes ids as <type>_<suffix> or <type><n>.
_ID_PREFIX = re.compile(r"^(long_text|text|numbers|numeric|date|status|color|dropdown|email|link|checkbox)"
                        r"(?:_|\d*$)")
_TYPE_OF_PREFIX = {"numeric": "numbers", "color": "status"}


def column_type(column_id: str, column_types: Mapping[str, str] | None = None) -> str | None:
    """The monday type of a column: from ``column_types`` when it names the id, else from the id's prefix;
    None when neither tells."""
    if column_types and column_id in column_types:
        return column_types[column_id]
    match = _ID_PREFIX.match(column_id)
    return _TYPE_OF_PREFIX.get(match[1], match[1]) if match else None


def number_text(text: str) -> str | None:
    """The number monday stores for ``text`` (``1,234.5`` -> ``1234.5``), or None when it is not one."""
    candidate = text.replace(",", "") if _GROUPED_NUMBER.fullmatch(text) else text
    return candidate if _NUMBER.match(candidate) else None


def date_value(text: str) -> dict | None:
    """``{"date": ..., "time"?: ...}`` for ISO text (``YYYY-MM-DD``, optionally with a time), else None."""
    try:
        if len(text) == 10:
            return {"date": dt.date.fromisoformat(text).isoformat()}
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    value = {"date": moment.date().isoformat()}
    if moment.time() != dt.time():
        value["time"] = moment.strftime("%H:%M:%S")
    return value


def checkbox_state(text: str) -> bool | None:
    """True (checked), False (cleared) or None (not a yes/no value)."""
    flag = text.casefold()
    return True if flag in _CHECKED else False if flag in _UNCHECKED else None


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def is_link(text: str) -> bool:
    return bool(_LINK.match(text))


def value_problem(kind: str, text: str) -> str | None:
    """Why a column of type ``kind`` refuses the non-blank ``text`` (completing "value ... "), or None when
    it takes it. Labels of status and dropdown columns live on the board, so they are not checked here."""
    if kind in ("text", "long_text") and len(text) > TEXT_MAX:
        name = "a text column" if kind == "text" else "a long text column"
        return f"is {len(text)} characters long; {name} takes {TEXT_MAX}"
    if kind == "numbers" and number_text(text) is None:
        return "is not a number (a numbers column takes digits such as 12 or 4.50)"
    if kind == "date" and date_value(text) is None:
        return "is not a date (expected YYYY-MM-DD)"
    if kind == "email" and not is_email(text):
        return "is not an email address"
    if kind == "link" and not is_link(text):
        return "is not a link (expected http:// or https://)"
    if kind == "checkbox" and checkbox_state(text) is None:
        return "is not a yes/no value for a checkbox column"
    return None
