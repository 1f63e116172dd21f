"""The board as monday describes it (columns, labels, groups), and the check of a column mapping against it.

``python -m shared board describe`` prints :func:`describe`; ``board check`` prints :func:`check`'s problems.
Nothing here talks to monday: the client reads the :class:`BoardSchema`, these functions only look at it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..config import name_key
from .columns import WRITABLE_TYPES, ColumnInfo, subitems_board_id


@dataclass(frozen=True)
class GroupInfo:
    id: str
    title: str


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    columns: Mapping[str, ColumnInfo]  # column id -> column, in board order
    groups: tuple[GroupInfo, ...] = ()


@dataclass(frozen=True)
class BoardSchema:
    """The items board and, when it has a subitems column, the subitems board that column points at."""

    items: Board
    subitems: Board | None


def board_from_api(raw: Mapping) -> Board:
    columns = (ColumnInfo.from_api(c) for c in raw.get("columns") or ())
    return Board(id=str(raw["id"]), name=str(raw.get("name") or ""), columns={c.id: c for c in columns},
                 groups=tuple(GroupInfo(str(g["id"]), str(g["title"])) for g in raw.get("groups") or ()))


def group_ids_by_title(groups: Iterable[GroupInfo]) -> dict[str, str]:
    """Title key (``name_key``) -> group id. Twin titles map to the smallest id, so every worker and every
    read of the board settles on the same group."""
    by_title: dict[str, str] = {}
    for group in sorted(groups, key=lambda g: g.id):
        by_title.setdefault(name_key(group.title), group.id)
    return by_title


def subitems_board_of(board: Board) -> str | None:
    for column in board.columns.values():
        if (board_id := subitems_board_id(column)) is not None:
            return board_id
    return None


# -- describe ------------------------------------------------------------------------------------------------

def describe(schema: BoardSchema) -> dict:
    """A JSON-ready description: each board's columns (id, title, type, labels) and groups."""
    def board(b: Board) -> dict:
        return {"id": b.id, "name": b.name,
                "columns": [{"id": c.id, "title": c.title, "type": c.type, "labels": list(c.labels)}
                            for c in b.columns.values()],
                "groups": [{"id": g.id, "title": g.title} for g in b.groups]}

    return {"items_board": board(schema.items), "subitems_board": board(schema.subitems) if schema.subitems
            else None}


def describe_text(schema: BoardSchema) -> str:
    lines = []
    for heading, b in (("items board", schema.items), ("subitems board", schema.subitems)):
        if b is None:
            lines += [f"{heading}: none (the items board has no subitems column)", ""]
            continue
        lines.append(f"{heading} {b.id} {b.name!r}")
        width = max((len(c.id) for c in b.columns.values()), default=2)
        for c in b.columns.values():
            labels = f"  labels: {', '.join(c.labels)}" if c.labels else ""
            lines.append(f"  {c.id:<{width}}  {c.type:<10}  {c.title}{labels}")
        if b.groups:
            lines.append("  groups:")
            lines += [f"    {g.id}  {g.title}" for g in b.groups]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- check ---------------------------------------------------------------------------------------------------

# What a source column holds, judged by its name; each monday column type takes some of these kinds.
SOURCE_KINDS = ("text", "date", "quantity", "price", "email", "link", "flag")
COMPATIBLE: Mapping[str, frozenset[str]] = {
    "text": frozenset(SOURCE_KINDS),
    "long_text": frozenset(SOURCE_KINDS),
    "numbers": frozenset({"quantity", "price"}),
    "date": frozenset({"date"}),
    "status": frozenset({"text"}),  # labels themselves are checked per value at sync time
    "dropdown": frozenset({"text"}),
    "checkbox": frozenset({"flag"}),
    "email": frozenset({"email"}),
    "link": frozenset({"link"}),
}
_KIND_PATTERNS = (
    ("date", re.compile(r"\bDATE\b")),
    ("quantity", re.compile(r"\b(QTY|QUANTITY)\b")),
    ("price", re.compile(r"\b(PRICE|FOB|COST|FREIGHT|AMOUNT)\b")),
    ("email", re.compile(r"\bE-?MAIL\b")),
    ("link", re.compile(r"\b(URL|LINK|WEBSITE)\b")),
    ("flag", re.compile(r"(^(IS|HAS)\b|\bFLAG\b|\?$)")),
)


def source_kind(source: str) -> str:
    """``date``, ``quantity``, ``price``, ``email``, ``link``, ``flag`` or ``text``, from a column's name."""
    name = re.sub(r"[_\s]+", " ", source).strip().upper()
    return next((kind for kind, pattern in _KIND_PATTERNS if pattern.search(name)), "text")


@dataclass(frozen=True)
class MappingProblem:
    # missing_column | wrong_type | duplicate_target | missing_key_column | key_not_text | no_subitems
    kind: str
    where: str  # e.g. item_columns."TOTAL QTY"
    message: str


def check(schema: BoardSchema, key_column: str, item_columns: Mapping[str, str],
          subitem_columns: Mapping[str, str]) -> list[MappingProblem]:
    """Everything wrong with this mapping on this board; an empty list means the mapping is usable."""
    problems: list[MappingProblem] = []
    key = schema.items.columns.get(key_column)
    if key is None:
        problems.append(MappingProblem("missing_key_column", "key_column",
                                       f"key column {key_column!r} does not exist on items board "
                                       f"{schema.items.id}"))
    elif key.type != "text":
        problems.append(MappingProblem("key_not_text", "key_column",
                                       f"key column {key_column!r} is a {key.type} column; it must be text"))
    problems += _check_side("item_columns", schema.items, item_columns, reserved={key_column: "key_column"})
    if subitem_columns:
        if schema.subitems is None:
            problems.append(MappingProblem("no_subitems", "subitem_columns",
                                           f"subitem_columns is set but items board {schema.items.id} has no "
                                           f"subitems column"))
        else:
            problems += _check_side("subitem_columns", schema.subitems, subitem_columns, reserved={})
    return problems


def _check_side(section: str, board: Board, mapping: Mapping[str, str],
                reserved: Mapping[str, str]) -> list[MappingProblem]:
    problems = []
    targets = Counter(mapping.values())
    for source, target in mapping.items():
        where = f'{section}."{source}"'
        if targets[target] > 1 or target in reserved:
            others = [s for s, t in mapping.items() if t == target and s != source]
            others += [name for column, name in reserved.items() if column == target]
            problems.append(MappingProblem("duplicate_target", where,
                                           f"monday column {target!r} is also the target of "
                                           f"{', '.join(repr(o) for o in others)}"))
        column = board.columns.get(target)
        if column is None:
            problems.append(MappingProblem("missing_column", where,
                                           f"monday column {target!r} does not exist on board {board.id}"))
            continue
        kind = source_kind(source)
        if column.type not in WRITABLE_TYPES:
            problems.append(MappingProblem("wrong_type", where,
                                           f"monday column {target!r} is a {column.type} column, which the "
                                           f"sync cannot write"))
        elif kind not in COMPATIBLE[column.type]:
            problems.append(MappingProblem("wrong_type", where,
                                           f"monday column {target!r} is a {column.type} column and cannot "
                                           f"take {kind} values from {source!r} (it takes: "
                                           f"{', '.join(sorted(COMPATIBLE[column.type]))})"))
    return problems


def check_text(problems: list[MappingProblem]) -> str:
    if not problems:
        return "board check: the mapping fits the board\n"
    lines = [f"board check: {len(problems)} problem(s)"]
    lines += [f"  - {p.where}: {p.message}" for p in problems]
    return "\n".join(lines) + "\n"
