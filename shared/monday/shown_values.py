"""Whether the text monday shows for a column value is the store's value, compared the way monday shows it.

The sync sends the store's text converted for the column's type (:mod:`.columns`); monday then shows its own
``text`` of the value: a number as it was sent (``12`` and ``12.0`` are the same number), a date with an
optional time, the board's spelling of a label, dropdown labels joined by ``", "``, a link as ``text - url``,
a checked checkbox as ``v``. An exact board therefore compares equal everywhere, and any real difference
(another number, date, label or text) does not.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from .columns import ColumnInfo, ColumnValueError, column_value


def clean_text(text: str | None) -> str:
    """Text as monday keeps it: line breaks in one form, no white space at the ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def shows_value(column: ColumnInfo, stored: str | None, shown: str | None) -> bool:
    """True when monday showing ``shown`` in ``column`` mirrors the store's ``stored`` text."""
    shown_text = clean_text(shown)
    try:
        sent = column_value(column, stored, create_labels=True)
    except ColumnValueError:  # the sync cannot write it (the record fails there): compare the texts
        return clean_text(stored) == shown_text
    return _MATCHES[column.type](sent, shown_text)


def _text(sent: Any, shown: str) -> bool:
    return clean_text(sent if isinstance(sent, str) else (sent or {}).get("text")) == shown


def _number(sent: Any, shown: str) -> bool:
    if not sent or not shown:
        return not sent and not shown
    try:
        return Decimal(sent) == Decimal(shown.replace(",", ""))
    except InvalidOperation:
        return False


def _date(sent: Any, shown: str) -> bool:
    if not sent:
        return not shown
    day, _, clock = shown.partition(" ")
    expected_clock = (sent.get("time") or "")[:5]
    return day == sent["date"] and clock.strip()[:5] == expected_clock


def _status(sent: Any, shown: str) -> bool:
    return (sent.get("label") if sent else "").casefold() == shown.casefold()


def _dropdown(sent: Any, shown: str) -> bool:
    labels = [label.casefold() for label in (sent or {}).get("labels") or []]
    return labels == [part.strip().casefold() for part in shown.split(",") if part.strip()]


def _email(sent: Any, shown: str) -> bool:
    return (sent.get("email") if sent else "").casefold() == shown.casefold()


def _link(sent: Any, shown: str) -> bool:
    url = sent.get("url") if sent else ""
    return shown == url or (bool(url) and shown.endswith(f" - {url}"))


def _checkbox(sent: Any, shown: str) -> bool:
    return bool(sent) == (shown.casefold() in ("v", "true", "checked"))


_MATCHES: dict[str, Callable[[Any, str], bool]] = {
    "text": _text, "long_text": _text, "numbers": _number, "date": _date, "status": _status,
    "dropdown": _dropdown, "email": _email, "link": _link, "checkbox": _checkbox,
}
