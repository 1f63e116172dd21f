"""Failure messages for people: the Excel column named beside the monday column id, and, for anything shown
beyond the operator's own terminal (the HTTP status route, the status page), the failure reduced to its kind
and its column, with no cell value in it.

The kind comes from a fixed vocabulary and the column from the configuration's own mapping, so what
:func:`failure_kind` returns can never carry a value from the order book, whatever the message held.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ..config import Config

# (kind, pattern) in the order they are tried; the patterns match the client's and monday's messages.
_KINDS = (
    ("not written yet", re.compile(r"not written: the run stopped|NOT_SENT")),
    ("item name too long", re.compile(r"ItemNameTooLong|column 'name'.*characters long", re.I)),
    ("empty name", re.compile(r"column 'name'.*is empty", re.I)),
    ("missing parent item", re.compile(r"parent item has no monday id|parent_item_id", re.I)),
    ("unknown label", re.compile(r"is not a label of this|label.*(not found|does not exist)", re.I)),
    ("not a number", re.compile(r"is not a number", re.I)),
    ("not a date", re.compile(r"is not a date|invalid date", re.I)),
    ("not an email address", re.compile(r"is not an email", re.I)),
    ("not a link", re.compile(r"is not a link", re.I)),
    ("not a yes/no value", re.compile(r"is not a yes/no", re.I)),
    ("text too long", re.compile(r"characters long", re.I)),
    ("empty key", re.compile(r"is empty; every item needs its key", re.I)),
    ("column not on the board", re.compile(r"no such column|InvalidColumnId|column id doesn't exist", re.I)),
    ("column type cannot be written", re.compile(r"cannot be written: column type", re.I)),
    ("value refused by monday", re.compile(r"ColumnValueException|invalid value", re.I)),
    ("item gone from the board", re.compile(r"not found|ResourceNotFound|InvalidItemId", re.I)),
    ("monday unavailable", re.compile(r"no answer|HTTP 5\d\d|unavailable|timeout|timed out", re.I)),
)
# Log records the run summary reports too carry this: the command line prints them once, in the summary.
IN_SUMMARY = {"in_summary": True}
OTHER = "other (see python -m shared status on the operator's machine)"


@dataclass(frozen=True)
class FailureKind:
    kind: str
    column: str | None = None  # the monday column id, from the configuration
    source: str | None = None  # what fills it: 'Excel "TOTAL QTY"', 'line field qty', 'business key'

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.column is None:
            return self.kind
        return f"{self.kind} in column {self.column}" + (f" ({self.source})" if self.source else "")


def column_sources(config: Config) -> dict[str, str]:
    """monday column id -> what fills it: an Excel column, a line field, or the business key."""
    env = config.environment
    sources = {column: f'Excel "{source}"' for source, column in env.item_columns.items()}
    sources.update({column: f"line field {field}" for field, column in env.subitem_columns.items()})
    sources[env.key_column] = "business key"
    return sources


def with_excel_column(config: Config, message: str) -> str:
    """``column 'numbers_total_qty': ...`` -> ``column 'numbers_total_qty' (Excel "TOTAL QTY"): ...``."""
    sources = column_sources(config)
    for match in _COLUMN_ID.finditer(message):
        source = sources.get(match[1])
        if source is not None and not message[match.end():].startswith(" ("):
            return f"{message[:match.end()]} ({source}){message[match.end():]}"
    return message


def failure_kind(config: Config, message: str | None) -> FailureKind:
    """The kind of a stored failure message and the mapped column it names; never the message's values."""
    text = message or ""
    kind = next((name for name, pattern in _KINDS if pattern.search(text)), OTHER)
    sources = column_sources(config)
    named = [match[1] for match in _COLUMN_ID.finditer(text) if match[1] in sources]
    column = named[0] if named else next(
        (column for column in sources if re.search(rf"\b{re.escape(column)}\b", text)), None)
    if column is None and kind in ("item name too long", "empty name"):
        return FailureKind(kind, "name", "the item name template")
    return FailureKind(kind, column, sources.get(column) if column else None)


_COLUMN_ID = re.compile(r"column '([A-Za-z0-9_]{1,100})'")
