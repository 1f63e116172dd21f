"""Adoption: a create whose outcome stayed unknown after the retries is looked up on the board — an item by
the order's business key, a subitem by name under its parent — and the existing one is taken (the oldest id
first, ``id_order``) instead of creating a twin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ..common.errors import MondayTransientError
from .answers import RequestFailed
from .reads import BoardReader
from .records import WriteResult
from .transport import Transport
from .write_operations import CREATE_ITEM, Write, WriteOperation


class Adoption:
    """Finds what unknown-outcome creates made and reports it as written (``adopted=True``)."""

    def __init__(self, reader: BoardReader, transport: Transport):
        self.reader = reader
        self.settings, self.stats = transport.settings, transport.stats

    async def adopt(self, operation: WriteOperation, writes: list[Write], results: dict[str, WriteResult],
                    report: Callable[[WriteResult], None], final: bool) -> list[Write]:
        """Look up creates whose outcome is unknown; adopt what exists, return what must be created again."""
        lookup = self._find_items_for if operation is CREATE_ITEM else self._find_subitems_for
        missing = list(writes)
        attempts = 1 if final else self.settings.lookup_attempts
        for attempt in range(attempts):
            if attempt:  # monday's search index can lag a create by seconds
                await asyncio.sleep(self.settings.lookup_delay_seconds)
            try:
                found = await lookup(missing)
            except (MondayTransientError, RequestFailed):
                return missing
            for write in list(missing):
                if write.ref in found:
                    results[write.ref] = WriteResult(write.ref, True, monday_id=found[write.ref],
                                                     adopted=True)
                    report(results[write.ref])
                    self.stats.adopted += 1
                    missing.remove(write)
            if not missing:
                break
        return missing

    async def _find_items_for(self, writes: list[Write]) -> dict[str, str]:
        found = await self.reader.find_items_by_key([w.key for w in writes if w.key])
        return _take_oldest(writes, lambda write: [i.id for i in found.get(write.key, ())])

    async def _find_subitems_for(self, writes: list[Write]) -> dict[str, str]:
        children = await self.reader.subitems_of(list(dict.fromkeys(w.parent for w in writes if w.parent)))
        return _take_oldest(writes, lambda write: [s.id for s in children.get(write.parent, ())
                                                   if s.name == write.name])


def _take_oldest(writes: list[Write], candidates_of: Callable[[Write], list[str]]) -> dict[str, str]:
    """ref -> the oldest of its candidates that no earlier write took, so two writes never adopt one id."""
    taken: set[str] = set()
    adopted = {}
    for write in writes:
        free = [c for c in candidates_of(write) if c not in taken]
        if free:
            adopted[write.ref] = min(free, key=id_order)
            taken.add(adopted[write.ref])
    return adopted


def id_order(item_id: str) -> tuple[int, str]:
    """Sort key for monday ids: numerically (the oldest first), so every worker picks the same one."""
    return (int(item_id), item_id) if item_id.isdigit() else (1 << 62, item_id)
