"""One order row as the store keeps it: its column values (sharing the file's column index), its business
key and its row hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping

from ..config import normalise_text

KEY_SEPARATOR = "|"
ROW_HASH_VERSION = "ordersync-row-v1"


class RowValues(Mapping):
    """One row's order-column values sharing the file's column index (100,000 rows fit in little memory)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[str | None, ...]):
        self._index = index
        self._values = values

    def __getitem__(self, column: str) -> str | None:
        return self._values[self._index[column]]

    def get(self, column: str, default=None):
        position = self._index.get(column)
        return default if position is None else self._values[position]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def items(self) -> list[tuple[str, str | None]]:  # the row hash walks every row's items: keep it quick
        return list(zip(self._index, self._values, strict=True))

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"RowValues({dict(self)!r})"


def business_key(values: Iterable[str]) -> str:
    """Key values joined by ``|``; a ``\\`` or ``|`` inside a value is escaped, so two keys never collide.

    Each value is taken in NFKC without format characters (:func:`normalise_text`), so a zero-width space or
    a full-width letter never makes a second, identical-looking order; plain ASCII keys are unchanged.
    """
    return KEY_SEPARATOR.join(normalise_text(value).replace("\\", "\\\\").replace("|", "\\|")
                              for value in values)


def row_hash(values: Mapping[str, str | None], sizes: Mapping[str, int]) -> str:
    """SHA-256 hex of the JSON text ``["ordersync-row-v1", [[column, value]...], [[size, qty]...]]``.

    Columns and sizes are sorted by name and blanks / zero quantities are left out, so column order, a blank
    versus an absent column, and cosmetic differences (already removed by normalisation) never change it.
    """
    columns = sorted((name, value) for name, value in values.items() if value is not None)
    quantities = sorted((code, qty) for code, qty in sizes.items() if qty)
    payload = json.dumps([ROW_HASH_VERSION, columns, quantities], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
