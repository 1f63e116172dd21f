"""The board as a tree, groups → items → subitems, read through the client (what the demo prints)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..monday import FoundSubitem, MondayClient


@dataclass(frozen=True)
class TreeItem:
    id: str
    name: str
    key: str | None
    subitems: tuple[FoundSubitem, ...]


@dataclass(frozen=True)
class TreeGroup:
    id: str
    title: str
    items: tuple[TreeItem, ...]


async def read_board_tree(client: MondayClient) -> list[TreeGroup]:
    """Every group of the items board with its items and their subitems, in board order.

    Use a fresh client: it reads the board's groups once.
    """
    schema = await client.board_schema()
    items = [item async for item in client.iter_board_items()]
    children = await client.subitems_of([item.id for item in items]) if items else {}
    by_group: dict[str | None, list[TreeItem]] = {}
    for item in items:
        by_group.setdefault(item.group_id, []).append(
            TreeItem(item.id, item.name, item.key, tuple(children.get(item.id, ()))))
    return [TreeGroup(group.id, group.title, tuple(by_group.get(group.id, ())))
            for group in schema.items.groups]


def render_board_tree(groups: list[TreeGroup], subitem_columns: Mapping[str, str], *,
                      items_per_group: int | None = None) -> str:
    """Text tree; subitem columns show under their line field names (``qty 12``). With ``items_per_group``,
    each group shows that many items in full and counts the rest."""
    field_of = {column_id: field for field, column_id in subitem_columns.items()}
    items_total = sum(len(group.items) for group in groups)
    subitems_total = sum(len(item.subitems) for group in groups for item in group.items)
    lines = [f"board: {len(groups)} groups, {items_total} items, {subitems_total} subitems"]
    for group_index, group in enumerate(groups):
        last_group = group_index == len(groups) - 1
        lines.append(f"{'└──' if last_group else '├──'} {group.title}  ({len(group.items)} items)")
        indent = "    " if last_group else "│   "
        shown = group.items if items_per_group is None else group.items[:items_per_group]
        hidden = len(group.items) - len(shown)
        for item_index, item in enumerate(shown):
            last_item = item_index == len(shown) - 1 and not hidden
            lines.append(f"{indent}{'└──' if last_item else '├──'} {item.name}  [key {item.key}]")
            sub_indent = indent + ("    " if last_item else "│   ")
            for sub_index, sub in enumerate(item.subitems):
                values = "  ".join(f"{field_of[c]} {v}" for c, v in sub.values.items()
                                   if c in field_of and v not in (None, "", sub.name))
                branch = "└──" if sub_index == len(item.subitems) - 1 else "├──"
                lines.append(f"{sub_indent}{branch} {sub.name}" + (f"  {values}" if values else ""))
        if hidden:
            lines.append(f"{indent}└── … {hidden} more items")
    return "\n".join(lines)
