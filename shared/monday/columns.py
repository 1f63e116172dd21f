"""Column values by monday column type: the store's normalised text in, the JSON monday expects out.

The store holds ISO dates, integer/decimal strings, label text and free text. Each value is converted against
the column as the board describes it (type and labels), *before* any request is built, so one bad value is one
record's error and never sinks the rest of its batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..common.column_values import (  # the value checks the ingest warns with too
    ITEM_NAME_MAX,
    checkbox_state,
    date_value,
    number_text,
    value_problem,
)

WRITABLE_TYPES = frozenset({"text", "long_text", "numbers", "date", "status", "dropdown", "email", "link",
                            "checkbox"})
LABEL_TYPES = frozenset({"status", "dropdown"})


class ColumnValueError(ValueError):
    """A value that cannot go into its column; names the column and the value."""

    def __init__(self, column_id: str, value: object, problem: str):
        self.column_id, self.value, self.problem = column_id, value, problem
        super().__init__(f"column {column_id!r}: value {_shorten(value)!r} {problem}")


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a board, as ``boards { columns { id title type settings } }`` describes it."""

    id: str
    title: str
    type: str
    labels: tuple[str, ...] = ()  # status / dropdown labels, active ones only, in board order
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> ColumnInfo:
        settings = raw.get("settings") or {}
        return cls(id=str(raw["id"]), title=str(raw.get("title") or ""), type=str(raw["type"]),
                   labels=labels_from_settings(settings), settings=settings)


def labels_from_settings(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """Labels from a status/dropdown column's ``settings``.

    2026-07 gives ``labels`` as a list of objects (status: ``label``, dropdown: ``name``); older boards and
    the deprecated ``settings_str`` gave an index -> label object. Deactivated labels cannot be set, so they
    are left out.
    """
    raw = settings.get("labels") if isinstance(settings, Mapping) else None
    if isinstance(raw, Mapping):
        return tuple(str(v) for _, v in sorted(raw.items(), key=lambda kv: int(kv[0])) if str(v).strip())
    labels = []
    for entry in raw or ():
        if isinstance(entry, str):
            labels.append(entry)
        elif isinstance(entry, Mapping) and not entry.get("is_deactivated"):
            text = entry.get("label", entry.get("name"))
            if text is not None and str(text).strip():
                labels.append(str(text))
    return tuple(labels)


def subitems_board_id(column: ColumnInfo) -> str | None:
    """The subitems board a ``subtasks`` column points at (its settings' boardIds)."""
    ids = column.settings.get("boardIds") or column.settings.get("board_ids") or ()
    return str(ids[0]) if column.type == "subtasks" and ids else None


def item_name(name: str | None) -> str:
    """A checked item or subitem name: non-empty and within monday's length limit."""
    text = (name or "").strip()
    if not text:
        raise ColumnValueError("name", name, "is empty; every item needs a name")
    if len(text) > ITEM_NAME_MAX:
        raise ColumnValueError("name", name, f"is {len(text)} characters long; monday allows {ITEM_NAME_MAX}")
    return text


def column_value(column: ColumnInfo, raw: str | None, *, create_labels: bool = False) -> Any:
    """The column_values entry for ``raw`` in ``column``; ``None``/blank clears the column."""
    if column.type not in WRITABLE_TYPES:
        raise ColumnValueError(column.id, raw, f"cannot be written: column type {column.type!r} is not "
                                               f"supported")
    text = "" if raw is None else str(raw).strip()
    if not text and column.type != "checkbox":
        return _CLEARED[column.type]
    return _CONVERTERS[column.type](column, text, create_labels)


def column_values(columns: Mapping[str, ColumnInfo], values: Mapping[str, str | None],
                  create_labels_columns: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """Convert every ``column id -> raw value``; the first bad one raises :class:`ColumnValueError`."""
    converted = {}
    for column_id, raw in values.items():
        column = columns.get(column_id)
        if column is None:
            raise ColumnValueError(column_id, raw, "cannot be written: the board has no such column")
        converted[column_id] = column_value(column, raw, create_labels=column_id in create_labels_columns)
    return converted


def _checked(column: ColumnInfo, text: str) -> str:
    problem = value_problem(column.type, text)
    if problem:
        raise ColumnValueError(column.id, text, problem)
    return text


def _text(column: ColumnInfo, text: str, _: bool) -> str:
    return _checked(column, text)


def _long_text(column: ColumnInfo, text: str, _: bool) -> dict:
    return {"text": _checked(column, text)}


def _number(column: ColumnInfo, text: str, _: bool) -> str:
    return number_text(_checked(column, text))


def _date(column: ColumnInfo, text: str, _: bool) -> dict:
    return date_value(_checked(column, text))


def _label(column: ColumnInfo, text: str, create_labels: bool) -> str:
    """The board's own spelling of ``text`` (labels compare case-insensitively), or ``text`` when creating."""
    for label in column.labels:
        if label.casefold() == text.casefold():
            return label
    if create_labels:
        return text
    known = ", ".join(repr(label) for label in column.labels) or "none"
    raise ColumnValueError(column.id, text, f"is not a label of this {column.type} column (labels: {known}); "
                                            f"add it on the board or list the column in "
                                            f"sync.create_labels_if_missing")


def _status(column: ColumnInfo, text: str, create_labels: bool) -> dict:
    return {"label": _label(column, text, create_labels)}


def _dropdown(column: ColumnInfo, text: str, create_labels: bool) -> dict:
    return {"labels": [_label(column, text, create_labels)]}


def _email(column: ColumnInfo, text: str, _: bool) -> dict:
    return {"email": _checked(column, text), "text": text}


def _link(column: ColumnInfo, text: str, _: bool) -> dict:
    return {"url": _checked(column, text), "text": text}


def _checkbox(column: ColumnInfo, text: str, _: bool) -> dict | None:
    _checked(column, text)
    return {"checked": "true"} if checkbox_state(text) else None  # monday clears a checkbox with null


_CONVERTERS = {"text": _text, "long_text": _long_text, "numbers": _number, "date": _date, "status": _status,
               "dropdown": _dropdown, "email": _email, "link": _link, "checkbox": _checkbox}
# What clears each type in change_multiple_column_values / create_item column_values.
_CLEARED: dict[str, Any] = {"text": "", "long_text": "", "numbers": "", "date": "", "status": "",
                            "dropdown": {"labels": []}, "email": "", "link": "", "checkbox": None}


def _shorten(value: object, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
