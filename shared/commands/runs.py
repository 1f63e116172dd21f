"""``runs [--last N] [--kind KIND] [--json]``: the run history, newest first — every sync, reconcile and plan
tick, from the command line or a function, with its counts, monday's requests and its failures."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..config import Config
from ..store import RunRecord, open_store
from .output import EXIT_OK, UsageError, add_command, print_json, print_table

FAILURES_SHOWN = 5  # per failed run, in text; --json has them all (up to the 100 a run keeps)


def register(commands: argparse._SubParsersAction) -> None:
    runs = add_command(commands, "runs", cmd_runs,
                       "The run history: every sync, reconcile and plan tick (CLI and functions).")
    runs.add_argument("--last", type=int, default=10, metavar="N", help="the N newest runs (default 10)")
    runs.add_argument("--kind", choices=("sync", "reconcile", "plan"), help="only runs of this kind")
    runs.add_argument("--json", action="store_true", help="print as JSON")


def cmd_runs(args: argparse.Namespace, config: Config) -> int:
    if args.last < 1:
        raise UsageError("--last must be a positive number of runs")
    with open_store(config) as store:
        runs = store.recent_runs(args.last, kind=args.kind)
    if args.json:
        print_json([run.to_dict() for run in runs])
        return EXIT_OK
    if not runs:
        print("no runs recorded yet" + (f" of kind {args.kind}" if args.kind else ""))
        return EXIT_OK
    print_runs(runs, failures_shown=FAILURES_SHOWN)
    return EXIT_OK


def print_runs(runs: Sequence[RunRecord], *, failures_shown: int) -> None:
    """The runs as a table (times UTC), then what went wrong in each run that was not ok."""
    print_table(("STARTED (UTC)", "KIND", "FROM", "ENV", "OUTCOME", "ORDERS", "WRITTEN", "FAILED", "REQUESTS",
                 "COMPLEXITY", "429S", "SECONDS", "REC/S"),
                [(_when(r.started_at), r.kind, f"{r.source}@{r.host}" if r.host else r.source, r.environment,
                  r.outcome, r.orders, r.records_written, r.records_failed, r.requests, f"{r.complexity:,}",
                  r.rate_limited, f"{r.duration_seconds:.1f}", f"{r.records_per_second:.1f}") for r in runs])
    for run in runs:
        if run.outcome == "ok":
            continue
        print(f"  {_when(run.started_at)} {run.kind} {run.outcome}:"
              + (f" {run.error}" if run.error else f" {run.records_failed} records failed"))
        for failure in run.failures[:failures_shown]:
            print(f"    {failure.get('business_key')} {failure.get('record')}: {failure.get('message')}"
                  + (" (parked)" if failure.get("parked") else ""))
        if run.records_failed > failures_shown:
            print(f"    ... and {run.records_failed - failures_shown} more (runs --json lists them)")


def _when(timestamp: str) -> str:
    """``2026-05-01T03:12:09.123456+00:00`` -> ``2026-05-01 03:12:09``."""
    return timestamp[:19].replace("T", " ")
