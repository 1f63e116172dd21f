"""The different values an order column (or a line field) holds: the labels ``board provision`` gives a new
status or dropdown column, so the orders already stored fit it."""

from __future__ import annotations

from ..config.loader import LINE_FIELDS
from .schema import SchemaMixin

MAX_LABEL_VALUES = 1000  # beyond any status (40) or sensible dropdown: enough for the caller to refuse


class LabelValuesMixin(SchemaMixin):
    """Distinct stored values of :class:`OrderStore`."""

    def distinct_order_values(self, column: str, limit: int = MAX_LABEL_VALUES) -> list[str]:
        """The different non-blank values of an order column (named as the workbook header), sorted; [] when
        no file ever had the column."""
        def read() -> list[str]:
            stored = self.stored_column(column)
            if stored is None:
                return []
            quoted = self.dialect.quote(stored)  # a column of the table itself, never a name from data
            return self._distinct(quoted, self.orders_table, limit)

        return self.run_in_transaction(read, write=False)

    def distinct_line_values(self, line_field: str, limit: int = MAX_LABEL_VALUES) -> list[str]:
        """The different values of a line field (``size_code`` or ``qty``) over every stored line."""
        if line_field not in LINE_FIELDS:
            raise ValueError(f"line field {line_field!r} is not one of {', '.join(LINE_FIELDS)}")
        return self.run_in_transaction(lambda: self._distinct(line_field, self.lines_table, limit),
                                       write=False)

    def _distinct(self, column: str, table: str, limit: int) -> list[str]:
        sql, params = self.dialect.select_first(limit, f"DISTINCT {column}",
                                                f"FROM {table} WHERE {column} IS NOT NULL ORDER BY {column}")
        return [str(row[0]) for row in self.query(sql, params)]
