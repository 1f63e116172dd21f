"""Plan and sync: the planner that claims pending orders into batch messages, the pure sync plan, the engine
that writes a batch to monday and every result back to the store (group moves and archives included), run
summaries, the board tree, and reconcile (the board compared with the store, drift repaired).
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "interrupts": ("EXIT_INTERRUPTED",),
    "board_provision": ("provision_board",),
    "board_tree": ("TreeGroup", "read_board_tree", "render_board_tree"),
    "drift": ("Drift", "DriftEntry"),
    "engine": ("run_sync", "sync_batch"),
    "failure_text": ("FailureKind", "failure_kind"),
    "planner": ("BatchMessage", "plan_batches"),
    "progress": ("SyncProgress",),
    "reconcile": ("compare_board",),
    "reconcile_report": ("ReconcileReport",),
    "reconcile_run": ("reconcile_board", "run_reconcile"),
    "run_history": ("PlanTick", "record_run", "recorded_run"),
    "status": ("redacted", "status_report"),
    "summary": ("RunSummary",),
})
