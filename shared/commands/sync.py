"""``sync``: plan and sync all pending work in this process (a progress line on stderr meanwhile), then print
the run summary."""

from __future__ import annotations

import argparse
import sys

from ..config import Config
from ..store import open_store
from ..sync import EXIT_INTERRUPTED, run_sync
from .customers import resolve_customer
from .output import EXIT_OK, EXIT_PROBLEM, UsageError, add_command, print_json, require_monday_token
from .progress import sync_progress_line
from .status import print_claims


def register(commands: argparse._SubParsersAction) -> None:
    sync = add_command(commands, "sync", cmd_sync,
                       "Plan and sync all pending work in-process, then print the run summary.")
    sync.add_argument("--customer", help="only this customer (canonical name or alias)")
    sync.add_argument("--limit", type=int, help="at most this many orders")
    sync.add_argument("--dry-run", action="store_true", help="decide everything, write nothing")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    require_monday_token("sync")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be a positive number of orders")
    customer = resolve_customer(config, args.customer)
    try:
        with sync_progress_line("sync", enabled=not (args.quiet or args.dry_run)) as progress:
            summary = run_sync(config, customer=customer, limit=args.limit, dry_run=args.dry_run,
                               progress=progress)
    # Interrupted (claims held, then released) goes up to cli._run, which says it in one line
    except KeyboardInterrupt:  # Ctrl-C before the run held anything (or after it let go of everything)
        print("sync: interrupted (SIGINT); no orders were claimed", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print_json(summary.to_dict())
    else:
        print(summary.render())
        with open_store(config) as store:  # the two figures of status worth a note here, not all of it
            parked, claimed = store.run_in_transaction(
                lambda: (store.work_counts()["parked"], store.claimed()), write=False)
        if parked:  # not taken by this run, so not in its result: still worth saying
            print(f"note: {parked} parked orders wait for a person: fix the cause, then "
                  f"`python -m shared retry --order KEY` (or --customer NAME, --all)")
        if claimed["orders"]:  # another sync holds them (or held them, and died): say until when
            print(f"note: {claimed['orders']} orders are claimed by another sync and were left to "
                  f"it; a sync that stopped frees them within its lease ({config.sync.lease_seconds} s):")
            print_claims(claimed)
    return EXIT_OK if summary.ok else EXIT_PROBLEM
