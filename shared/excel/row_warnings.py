"""Ingest-time warnings: what the sync would refuse, found while the file is read, so the people who sent it
hear of it at once and ``ingest show`` / ``status`` keep it. A warned row is still stored.

* a value that cannot go into its mapped monday column (text in a numbers column, a date that is not one,
  a text over 2,000 characters ...), the column's type read from the monday column id or given;
* an item name that is empty or over 255 characters;
* ``TOTAL QTY`` that differs from the sum of the row's sizes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ..common.column_values import ITEM_NAME_MAX, column_type, value_problem
from ..config import Config
from .report import RowIssue


class RowWarnings:
    """The checks of one file, prepared once from its header and the configuration."""

    def __init__(self, config: Config, columns: Collection[str], has_sizes: bool,
                 column_types: Mapping[str, str] | None = None):
        self.item_name = config.orders.item_name
        self.total_column = config.excel.sizes_before
        self.has_total = has_sizes and self.total_column in columns  # no sizes: nothing to add up
        self.typed_columns = []  # (order column, monday column id, monday type)
        for column, column_id in config.environment.item_columns.items():
            kind = column_type(column_id, column_types)
            if column in columns and kind is not None:
                self.typed_columns.append((column, column_id, kind))

    def of_row(self, number: int, values, sizes: Mapping[str, int]) -> list[RowIssue]:
        """The warnings of one valid row (``values``: its RowValues, ``sizes``: its non-zero sizes)."""
        issues = []
        for column, column_id, kind in self.typed_columns:
            value = values.get(column)
            if value is None:
                continue
            problem = value_problem(kind, value)
            if problem:
                issues.append(RowIssue(number, column, value, (
                    f"Row {number}: {column} {_shown(value)} cannot go into monday column {column_id!r} "
                    f"({kind}): it {problem}; this order will fail to sync until it is fixed.")))
        name = self.item_name.render(values)
        if not name or len(name) > ITEM_NAME_MAX:
            problem = "is empty" if not name else f"is {len(name)} characters long"
            issues.append(RowIssue(number, None, name or None, (
                f"Row {number}: the item name {problem}; monday accepts 1 to {ITEM_NAME_MAX} characters, so "
                f"this order will fail to sync.")))
        if self.has_total:
            total = values.get(self.total_column)
            added = sum(sizes.values())
            if total is not None and int(total) != added:
                issues.append(RowIssue(number, self.total_column, total, (
                    f"Row {number}: {self.total_column} is {total} but the sizes add up to {added}.")))
        return issues


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else f"{value[:60]}...")
