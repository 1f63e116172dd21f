"""``reconcile``: compare the monday board with the store and, with ``--repair``, make it an exact mirror."""

from __future__ import annotations

import argparse
import sys

from ..common.errors import Interrupted
from ..config import Config
from ..sync import EXIT_INTERRUPTED, run_reconcile
from .customers import resolve_customer
from .output import EXIT_OK, EXIT_PROBLEM, add_command, print_json, require_monday_token
from .progress import sync_progress_line


def register(commands: argparse._SubParsersAction) -> None:
    reconcile = add_command(
        commands, "reconcile", cmd_reconcile,
        "Compare the monday board with the store (exit 1 on drift); --repair makes the board exact again.")
    reconcile.add_argument("--customer", help="only this customer's orders (canonical name or alias)")
    reconcile.add_argument("--repair", action="store_true",
                           help="repair the drift and sync it; exit 1 when something could not be repaired")
    reconcile.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_reconcile(args: argparse.Namespace, config: Config) -> int:
    require_monday_token("reconcile")
    customer = resolve_customer(config, args.customer)
    try:
        with sync_progress_line("reconcile", enabled=not args.quiet) as progress:
            report = run_reconcile(config, customer=customer, repair_drift=args.repair, progress=progress)
    except (Interrupted, KeyboardInterrupt) as exc:  # Ctrl-C / SIGTERM: one line, no traceback
        name = exc.signal_name if isinstance(exc, Interrupted) else "SIGINT"
        print(f"reconcile: interrupted ({name}); what it marked or synced is saved, nothing half-written "
              f"stays claimed", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.render())
    return EXIT_OK if report.ok else EXIT_PROBLEM
