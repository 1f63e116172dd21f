"""Column values as monday takes them in ``column_values`` and gives them back as ``text`` / ``value``.

Each writable type accepts the JSON shapes monday documents (and the simple string form where monday has one);
anything else is a ``ColumnValueException`` naming the column, its type and the value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .api_errors import MondayApiError

LONG_TEXT_MAX = 2000
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOCS = "https://developer.monday.com/api-reference/docs/change-column-values"

COLUMN_VALUE_TYPENAMES = {
    "text": "TextValue", "long_text": "LongTextValue", "numbers": "NumbersValue", "date": "DateValue",
    "status": "StatusValue", "dropdown": "DropdownValue", "email": "EmailValue", "link": "LinkValue",
    "checkbox": "CheckboxValue", "subtasks": "SubtasksValue",
}


@dataclass(frozen=True)
class StoredValue:
    value: str | None = None  # monday's ``value``: a JSON string, null when empty
    text: str = ""


EMPTY = StoredValue()


def parse_column_value(column_id: str, column_type: str, labels: Sequence[str], raw: Any,
                       create_labels: bool) -> tuple[StoredValue, list[str]]:
    """The stored value for ``raw`` and the labels it needs added (only when create_labels allows)."""
    if raw is None or raw == "" or raw == {}:
        return EMPTY, []
    parser = _PARSERS.get(column_type)
    if parser is None:
        raise _invalid(column_id, column_type, raw, f"a {column_type} column cannot be changed by the API")
    return parser(_Value(column_id, column_type, raw, labels, create_labels))


@dataclass(frozen=True)
class _Value:
    column_id: str
    column_type: str
    raw: Any
    labels: Sequence[str]
    create_labels: bool

    def invalid(self, detail: str) -> Exception:
        return _invalid(self.column_id, self.column_type, self.raw, detail)

    def field(self, key: str) -> Any:
        """``raw[key]`` when raw is an object, raw itself when it is a plain value."""
        return self.raw.get(key) if isinstance(self.raw, dict) else self.raw

    def label_indexes(self, wanted: Sequence[Any], first_id: int) -> tuple[list[int], list[str]]:
        """Label ids for label texts / ids; unknown texts become new labels when create_labels allows."""
        ids, missing = [], []
        for label in wanted:
            if isinstance(label, int) and not isinstance(label, bool):
                if not 0 <= label - first_id < len(self.labels):
                    raise self.invalid(f"label id {label} does not exist in column")
                ids.append(label)
            elif str(label) in self.labels:
                ids.append(self.labels.index(str(label)) + first_id)
            elif self.create_labels and str(label).strip():
                missing.append(str(label))
                ids.append(len(self.labels) + len(missing) - 1 + first_id)
            else:
                known = ", ".join(self.labels) or "none"
                raise self.invalid(f"label {label!r} does not exist in column (labels: {known})")
        return ids, missing


def _invalid(column_id: str, column_type: str, raw: Any, detail: str) -> Exception:
    return MondayApiError("ColumnValueException",
                          f"invalid value - {detail}. Please check our API documentation for the correct "
                          f"data structure for this column. {_DOCS}",
                          error_data={"column_id": column_id, "column_type": column_type,
                                      "column_value": raw if isinstance(raw, str) else json.dumps(raw)})


def _stored(value: Any, text: str) -> StoredValue:
    return StoredValue(json.dumps(value, ensure_ascii=False), text)


def _text(v: _Value) -> tuple[StoredValue, list[str]]:
    if isinstance(v.raw, bool) or not isinstance(v.raw, str | int | float):
        raise v.invalid("a text column takes a string")
    return _stored(str(v.raw), str(v.raw)), []


def _long_text(v: _Value) -> tuple[StoredValue, list[str]]:
    text = v.field("text")
    if not isinstance(text, str):
        raise v.invalid('a long text column takes a string or {"text": "..."}')
    if len(text) > LONG_TEXT_MAX:
        raise v.invalid(f"a long text column holds at most {LONG_TEXT_MAX} characters, got {len(text)}")
    return _stored({"text": text}, text), []


def _numbers(v: _Value) -> tuple[StoredValue, list[str]]:
    raw = v.raw
    if isinstance(raw, bool) or not isinstance(raw, str | int | float) or not _NUMBER.match(str(raw).strip()):
        raise v.invalid("a numbers column takes a number or a string that parses as one")
    text = str(raw).strip()
    return _stored(text, text), []


def _date(v: _Value) -> tuple[StoredValue, list[str]]:
    date, time = v.field("date"), v.raw.get("time") if isinstance(v.raw, dict) else None
    if isinstance(date, str) and not isinstance(v.raw, dict) and " " in date.strip():
        date, time = date.strip().split(" ", 1)
    try:
        day = dt.date.fromisoformat(date) if isinstance(date, str) and len(date) == 10 else None
        clock = dt.time.fromisoformat(time) if time else None
    except ValueError:
        day = clock = None
        time = time or "invalid"
    if day is None or (time and clock is None):
        raise v.invalid('a date column takes "YYYY-MM-DD" or {"date": "YYYY-MM-DD", "time": "HH:MM:SS"}')
    value = {"date": day.isoformat(), "icon": None}
    text = day.isoformat()
    if clock is not None:
        value["time"] = clock.strftime("%H:%M:%S")
        text += " " + clock.strftime("%H:%M")
    return _stored(value, text), []


def _status(v: _Value) -> tuple[StoredValue, list[str]]:
    if isinstance(v.raw, dict) and "index" in v.raw:
        wanted: Any = v.raw["index"]
        if isinstance(wanted, str) and wanted.isdigit():
            wanted = int(wanted)
        if not isinstance(wanted, int):
            raise v.invalid("a status index is a number")
    else:
        wanted = v.field("label")
        if not isinstance(wanted, str):
            raise v.invalid('a status column takes a label, {"label": "..."} or {"index": n}')
    (index,), missing = v.label_indexes([wanted], first_id=0)
    label = missing[0] if missing else v.labels[index]
    return _stored({"index": index, "post_id": None}, label), missing


def _dropdown(v: _Value) -> tuple[StoredValue, list[str]]:
    if isinstance(v.raw, dict) and "ids" in v.raw:
        wanted = [int(i) if isinstance(i, str) and i.isdigit() else i for i in v.raw["ids"] or []]
    elif isinstance(v.raw, dict):
        wanted = v.raw.get("labels")
    else:
        wanted = [part.strip() for part in str(v.raw).split(",") if part.strip()]
    if not isinstance(wanted, list):
        raise v.invalid('a dropdown column takes "a,b", {"labels": [...]} or {"ids": [...]}')
    if not wanted:
        return EMPTY, []
    ids, missing = v.label_indexes(wanted, first_id=1)
    every = [*v.labels, *missing]
    return _stored({"ids": ids}, ", ".join(every[i - 1] for i in ids)), missing


def _email(v: _Value) -> tuple[StoredValue, list[str]]:
    if isinstance(v.raw, dict):
        address, shown = v.raw.get("email"), v.raw.get("text")
    else:
        address, _, shown = str(v.raw).strip().partition(" ")
    if not isinstance(address, str) or not _EMAIL.match(address):
        raise v.invalid("an email column takes an email address")
    return _stored({"email": address, "text": shown or address}, address), []


def _link(v: _Value) -> tuple[StoredValue, list[str]]:
    if isinstance(v.raw, dict):
        url, shown = v.raw.get("url"), v.raw.get("text")
    else:
        url, _, shown = str(v.raw).strip().partition(" ")
    if not isinstance(url, str) or not url.strip():
        raise v.invalid('a link column takes {"url": "...", "text": "..."}')
    text = url if not shown or shown == url else f"{shown} - {url}"
    return _stored({"url": url, "text": shown or url}, text), []


def _checkbox(v: _Value) -> tuple[StoredValue, list[str]]:
    checked = v.raw.get("checked") if isinstance(v.raw, dict) else None
    if checked in (True, "true"):
        return _stored({"checked": True}, "v"), []
    if checked in (False, "false"):
        return EMPTY, []
    raise v.invalid('a checkbox column takes {"checked": "true"} (null clears it)')


_PARSERS: dict[str, Callable[[_Value], tuple[StoredValue, list[str]]]] = {
    "text": _text, "long_text": _long_text, "numbers": _numbers, "date": _date, "status": _status,
    "dropdown": _dropdown, "email": _email, "link": _link, "checkbox": _checkbox,
}
