"""Plan and sync: the planner that claims pending orders into batch messages, the pure sync plan, the engine
that writes a batch to monday and every result back to the store (group moves and archives included), run
summaries, the board tree, and reconcile (the board compared with the store, drift repaired).
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "TreeGroup": "board_tree",
    "read_board_tree": "board_tree",
    "render_board_tree": "board_tree",
    "run_sync": "engine",
    "sync_batch": "engine",
    "BatchMessage": "planner",
    "plan_batches": "planner",
    "PlanTick": "run_history",
    "provision_board": "board_provision",
    "SyncProgress": "progress",
    "record_run": "run_history",
    "recorded_run": "run_history",
    "RunSummary": "summary",
    "Drift": "drift",
    "DriftEntry": "drift",
    "compare_board": "reconcile",
    "ReconcileReport": "reconcile_report",
    "reconcile_board": "reconcile_run",
    "run_reconcile": "reconcile_run",
    "FailureKind": "failure_text",
    "failure_kind": "failure_text",
    "redacted": "status",
    "status_report": "status",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
