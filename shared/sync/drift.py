"""Drift: how the board differs from the store, entry by entry and kind by kind.

Kinds, in the order they are reported:

- ``missing_items``: a SYNCED order whose item is gone from the board (deleted, archived by hand, a board
  restored from an old copy); when another item holds its key, that item is adopted instead.
- ``stale_items``: the order's item shows another name, key or mapped value than SQL holds.
- ``wrong_group``: the item sits in another group than the order's group title names.
- ``duplicate_items``: more items than the order's own carry its key.
- ``missing_subitems``, ``stale_subitems``: a SYNCED size whose subitem is gone, or shows another name or
  value.
- ``extra_subitems``: a subitem under a synced item that matches no size of the order.
- ``orphan_items``: an item whose key SQL does not know (reported, never touched).
- ``unarchived_items``: an item of an ARCHIVED order that is active on the board again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

MISSING_ITEMS, STALE_ITEMS, WRONG_GROUP = "missing_items", "stale_items", "wrong_group"
DUPLICATE_ITEMS, MISSING_SUBITEMS, STALE_SUBITEMS = "duplicate_items", "missing_subitems", "stale_subitems"
EXTRA_SUBITEMS, ORPHAN_ITEMS, UNARCHIVED_ITEMS = "extra_subitems", "orphan_items", "unarchived_items"
KINDS = (MISSING_ITEMS, STALE_ITEMS, WRONG_GROUP, DUPLICATE_ITEMS, MISSING_SUBITEMS, STALE_SUBITEMS,
         EXTRA_SUBITEMS, ORPHAN_ITEMS, UNARCHIVED_ITEMS)
EXAMPLES_PER_KIND = 20


@dataclass(frozen=True)
class DriftEntry:
    kind: str
    business_key: str | None  # None for an orphan: no order holds its key
    item_id: str | None  # the item concerned (None: the order never had one)
    differs: str  # what differs, for people
    record_uuid: str | None = None
    line_uuid: str | None = None
    subitem_id: str | None = None
    group_id: str | None = None  # the group the item sits in (wrong_group, an adopted item)
    adopt_item_id: str | None = None  # missing_items: another item holding the order's key, to adopt

    @property
    def identity(self) -> tuple:
        """Which drift this is, whichever pass of a reconcile saw it."""
        return (self.kind, self.record_uuid, self.line_uuid, self.item_id, self.subitem_id)

    def to_dict(self) -> dict:
        shown = {"business_key": self.business_key, "item_id": self.item_id}
        if self.subitem_id is not None:
            shown["subitem_id"] = self.subitem_id
        return {**shown, "differs": self.differs}

    def render(self) -> str:
        where = f"item {self.item_id}" if self.item_id else "no item"
        if self.subitem_id:
            where += f", subitem {self.subitem_id}"
        return f"{self.business_key or '(key unknown to SQL)'} ({where}): {self.differs}"


@dataclass
class Drift:
    """One comparison of the board with the store."""

    entries: list[DriftEntry] = field(default_factory=list)
    orders_compared: int = 0
    items_read: int = 0
    subitems_read: int = 0

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(entry.kind for entry in self.entries)
        return {kind: found[kind] for kind in KINDS}

    @property
    def total(self) -> int:
        return len(self.entries)

    def of(self, kind: str) -> list[DriftEntry]:
        return [entry for entry in self.entries if entry.kind == kind]


def examples(entries: Iterable[DriftEntry], limit: int = EXAMPLES_PER_KIND) -> dict[str, list[dict]]:
    """kind -> the first ``limit`` entries of that kind, JSON-ready (kinds without entries left out)."""
    shown: dict[str, list[dict]] = {}
    for entry in entries:
        bucket = shown.setdefault(entry.kind, [])
        if len(bucket) < limit:
            bucket.append(entry.to_dict())
    return {kind: shown[kind] for kind in KINDS if kind in shown}


def render_entries(entries: Iterable[DriftEntry], limit: int = EXAMPLES_PER_KIND, indent: str = "    "
                   ) -> list[str]:
    """Lines for people: per kind a heading with its count, then up to ``limit`` entries."""
    by_kind: dict[str, list[DriftEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    lines = []
    for kind in KINDS:
        found = by_kind.get(kind, [])
        if not found:
            continue
        lines.append(f"{indent}{kind}: {len(found)}")
        lines.extend(f"{indent}  {entry.render()}" for entry in found[:limit])
        if len(found) > limit:
            lines.append(f"{indent}  ... and {len(found) - limit} more")
    return lines
