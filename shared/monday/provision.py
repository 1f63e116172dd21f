"""Which mapped columns ``board provision`` must create, and how: the configured id (monday's
``create_column`` takes one), a title from the Excel column, a type from ``[environments.<env>.column_types]``
or else from the id's prefix as monday names columns, and for status and dropdown columns the labels the
orders hold.

Pure: the caller reads the board and the labels, this module only decides. Every problem is found before
anything is created, so a provision either creates every missing column or none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..config import Environment
from .board import COMPATIBLE, Board, BoardSchema, source_kind

# The prefixes monday gives the ids of new columns (older boards: numeric_, color_), longest first.
TYPE_PREFIXES = (("long_text_", "long_text"), ("text_", "text"), ("numbers_", "numbers"),
                 ("numeric_", "numbers"), ("date_", "date"), ("status_", "status"), ("color_", "status"),
                 ("dropdown_", "dropdown"), ("checkbox_", "checkbox"), ("email_", "email"), ("link_", "link"))
CUSTOM_ID = re.compile(r"^[a-z_]{1,20}$")  # what monday accepts as a column id chosen by the caller
MAX_STATUS_LABELS = 40
LINE_FIELD_TITLES = {"size_code": "Size", "qty": "Quantity"}
KEY_TITLE = "Order key"


@dataclass(frozen=True)
class ColumnToCreate:
    board_id: str
    board: str  # "items board" or "subitems board"
    column_id: str
    title: str
    type: str
    source: str  # 'Excel "TOTAL QTY"', 'line field qty' or 'business key'
    labels: tuple[str, ...] = ()

    def defaults(self) -> str | None:
        """``create_column``'s ``defaults`` (a JSON text): the labels of a status or dropdown column."""
        if not self.labels:
            return None
        if self.type == "status":  # index 5 is monday's default, unlabelled status
            indexes = [index for index in range(1, MAX_STATUS_LABELS + 2) if index != 5][:len(self.labels)]
            labels = zip(indexes, self.labels, strict=True)
            return json.dumps({"labels": {str(index): label for index, label in labels}})
        return json.dumps({"settings": {"labels": [{"id": i, "name": label}
                                                   for i, label in enumerate(self.labels, start=1)]}})

    def to_dict(self) -> dict:
        return {"board_id": self.board_id, "board": self.board, "column_id": self.column_id,
                "title": self.title, "type": self.type, "source": self.source, "labels": list(self.labels)}

    def __str__(self) -> str:
        labels = f"; labels: {', '.join(self.labels)}" if self.labels else ""
        return f"{self.board} {self.board_id}: {self.column_id} ({self.type}) titled {self.title!r}, from " \
               f"{self.source}{labels}"


class ProvisionProblems(ValueError):
    """Why the missing columns cannot be created; nothing was."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def column_type(environment: Environment, column_id: str) -> str | None:
    """The configured type, else the one the id's prefix names, else None."""
    configured = environment.column_types.get(column_id)
    return configured or next((kind for prefix, kind in TYPE_PREFIXES if column_id.startswith(prefix)), None)


def missing_columns(schema: BoardSchema, environment: Environment,
                    labels_of: Callable[[str, str], Sequence[str]]) -> list[ColumnToCreate]:
    """The mapped columns (and the key column) the boards lack, ready to create; ProvisionProblems if any
    cannot be. ``labels_of(side, source)`` gives the stored values of an order column (side "items") or a
    line field (side "subitems")."""
    wanted: list[tuple[str, str, str, str, str]] = [  # side, column id, title, source text, source name
        ("items", environment.key_column, KEY_TITLE, "business key", "")]
    wanted += [("items", column, source, f'Excel "{source}"', source)
               for source, column in environment.item_columns.items()]
    wanted += [("subitems", column, LINE_FIELD_TITLES.get(line_field, line_field), f"line field {line_field}",
                line_field) for line_field, column in environment.subitem_columns.items()]
    creates, problems = [], []
    for side, column_id, title, source_text, source in wanted:
        board = schema.items if side == "items" else schema.subitems
        if board is None:
            problems.append(f"{column_id} ({source_text}): the items board {schema.items.id} has no "
                            f"subitems board yet; monday makes it with the first subitem: add one subitem on "
                            f"the board by hand, then run board provision again")
            continue
        if column_id in board.columns:
            continue
        try:
            creates.append(_column(board, side, environment, column_id, title, source_text, source,
                                   labels_of))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ProvisionProblems(problems)
    return creates


def _column(board: Board, side: str, environment: Environment, column_id: str, title: str, source_text: str,
            source: str, labels_of: Callable[[str, str], Sequence[str]]) -> ColumnToCreate:
    where = f"{column_id} ({source_text})"
    kind = column_type(environment, column_id)
    if kind is None:
        raise ValueError(f"{where}: no type: its id has no prefix monday uses (text_, numbers_, date_, "
                         f"status_, dropdown_, long_text_ ...); give one in "
                         f"[environments.{environment.name}.column_types]")
    if not CUSTOM_ID.match(column_id):
        raise ValueError(f"{where}: monday creates a column with a chosen id only when the id is 1 to 20 "
                         f"lower-case letters and underscores; create it on monday and map the id it gets")
    value_kind = "text" if not source else source_kind("QTY" if source == "qty" else source)
    if kind in COMPATIBLE and value_kind not in COMPATIBLE[kind]:
        raise ValueError(f"{where}: a {kind} column cannot take its {value_kind} values (it takes: "
                         f"{', '.join(sorted(COMPATIBLE[kind]))}); choose another type in column_types")
    labels: tuple[str, ...] = ()
    if kind in ("status", "dropdown"):
        values = labels_of(side, source)
        labels = tuple(sorted({value.strip() for value in values if value and value.strip()}))
        if kind == "status" and len(labels) > MAX_STATUS_LABELS:
            raise ValueError(f"{where}: the stored orders hold {len(labels)} different values, more than a "
                             f"status column's {MAX_STATUS_LABELS} labels; make it a dropdown or text column")
    board_name = "items board" if side == "items" else "subitems board"
    return ColumnToCreate(board.id, board_name, column_id, title, kind, source_text, labels)


def provision_text(created: Sequence[ColumnToCreate], *, dry_run: bool) -> str:
    if not created:
        return "board provision: nothing to create; every mapped column is on the board\n"
    verb = "would create" if dry_run else "created"
    lines = [f"board provision: {verb} {len(created)} column(s)"] + [f"  {column}" for column in created]
    return "\n".join(lines) + "\n"

