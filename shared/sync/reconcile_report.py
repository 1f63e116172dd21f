"""What a reconcile found and did, for people (``render``) and for ``--json`` / the logs (``to_dict``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .drift import KINDS, ORPHAN_ITEMS, Drift, DriftEntry, examples, render_entries
from .summary import RunSummary


@dataclass
class ReconcileReport:
    board_id: str
    customer: str | None
    repair: bool
    found: Drift  # the first comparison: what drifted
    repaired: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unrepaired: list[DriftEntry] = field(default_factory=list)  # still wrong, with why
    sync: RunSummary | None = None  # the sync of what was marked (None: left to the queue, or nothing)
    queued_orders: int = 0  # marked and left to the regular sync (the nightly function)
    passes: int = 0  # compare, repair, sync rounds
    requests: int = 0
    complexity: int = 0

    @property
    def ok(self) -> bool:
        """No drift; with repair: nothing left that could not be repaired (orphans can never be)."""
        return not self.unrepaired if self.repair else self.found.total == 0

    @property
    def result(self) -> str:
        if not self.repair:
            return "OK" if self.ok else "DRIFT"
        return "OK" if self.ok else "NOT REPAIRED"

    def to_dict(self) -> dict:
        return {
            "ok": self.ok, "result": self.result, "board_id": self.board_id, "customer": self.customer,
            "repair": self.repair, "orders_compared": self.found.orders_compared,
            "items_read": self.found.items_read, "subitems_read": self.found.subitems_read,
            "drift": self.found.counts, "examples": examples(self.found.entries),
            "repaired": dict(self.repaired) if self.repair else {},
            "unrepaired": examples(self.unrepaired), "unrepaired_count": len(self.unrepaired),
            "queued_orders": self.queued_orders, "passes": self.passes,
            "sync": self.sync.to_dict() if self.sync else None,
            "requests": self.requests, "complexity": self.complexity,
        }

    def dimensions(self) -> dict[str, int | str | bool]:
        """Flat counts for the ``ordersync.reconcile`` event: outcome, drift and repairs per kind."""
        written = self.sync.records_written if self.sync else 0
        return {"outcome": "ok" if self.ok else "failed", "result": self.result, "repair": self.repair,
                "missing_on_board": self.found.counts.get("missing_items", 0), "drift": self.found.total,
                **{f"drift_{kind}": n for kind, n in self.found.counts.items()},
                **{f"repaired_{kind}": n for kind, n in self.repaired.items()},
                "unrepaired": len(self.unrepaired), "queued_orders": self.queued_orders,
                "records_written": written, "passes": self.passes, "requests": self.requests,
                "complexity": self.complexity}

    def render(self) -> str:
        found = self.found
        customer = f", customer {self.customer}" if self.customer else ""
        lines = [f"reconcile: board {self.board_id}{customer}: {found.orders_compared} orders compared with "
                 f"{found.items_read} items and {found.subitems_read} subitems"]
        if found.total:
            counts = ", ".join(f"{kind} {n}" for kind, n in found.counts.items() if n)
            lines.append(f"  drift: {found.total} ({counts})")
            lines += render_entries(found.entries)
        else:
            lines.append("  drift: none; the board mirrors the store exactly")
        if self.repair and found.total:
            repaired = sum(self.repaired.values())
            counts = ", ".join(f"{kind} {n}" for kind, n in self.repaired.items() if n)
            lines.append(f"  repaired: {repaired}" + (f" ({counts})" if counts else "")
                         + f" in {self.passes} pass{'es' if self.passes != 1 else ''}")
            if self.queued_orders:
                lines.append(f"  {self.queued_orders} orders marked for the sync, which writes them next")
            if self.sync is not None:
                lines.append(f"  sync: {self.sync.orders} orders, {self.sync.records_written} records "
                             f"written, result {self.sync.result}")
        if self.unrepaired:
            orphans = sum(entry.kind == ORPHAN_ITEMS for entry in self.unrepaired)
            lines.append(f"  not repaired: {len(self.unrepaired)}"
                         + (f" ({orphans} orphans: never touched; delete them on monday or ingest their "
                            f"orders)" if orphans else ""))
            lines += render_entries(self.unrepaired)
        lines.append(f"  monday: {self.requests} requests, {self.complexity:,} complexity")
        lines.append(f"  result: {self.result}")
        return "\n".join(lines)
