"""``sync``: plan and sync all pending work in this process (a progress line on stderr meanwhile), then print
the run summary."""

from __future__ import annotations

import argparse
import os
import sys

from ..config import Config
from ..sync import SyncProgress, run_sync
from .output import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, add_command, print_json
from .progress import Progress, ProgressLine


def register(commands: argparse._SubParsersAction) -> None:
    sync = add_command(commands, "sync", cmd_sync,
                       "Plan and sync all pending work in-process, then print the run summary.")
    sync.add_argument("--customer", help="only this customer (canonical name or alias)")
    sync.add_argument("--limit", type=int, help="at most this many orders")
    sync.add_argument("--dry-run", action="store_true", help="decide everything, write nothing")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    if not os.environ.get("MONDAY_API_TOKEN"):
        print("sync: MONDAY_API_TOKEN is not set. sync talks to the monday board of the configured "
              "environment (MONDAY_API_URL, default https://api.monday.com/v2). To see the whole job run "
              "locally against an emulated board, no token needed: python -m shared demo", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("sync: --limit must be a positive number of orders", file=sys.stderr)
        return EXIT_USAGE
    progress = SyncProgress()

    def where() -> Progress:
        return Progress("sync", progress.done, progress.planned or None, progress.waiting_seconds())

    with ProgressLine(where, unit="records", enabled=not (args.quiet or args.dry_run)):
        summary = run_sync(config, customer=args.customer, limit=args.limit, dry_run=args.dry_run,
                           progress=progress)
    if args.json:
        print_json(summary.to_dict())
    else:
        print(summary.render())
    return EXIT_OK if summary.ok else EXIT_PROBLEM
