"""``status``: where ordersync works (environment, database, board), order and line counts per sync state,
failed orders, the last ingests and the last runs.

On the operator's own machine the failed orders keep their full error texts (cell values included: they say
what to fix); the HTTP status route and the status page show only the kind of error and its column.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from ..config import Config
from ..store import RunRecord, open_store
from ..sync import status_report
from .output import EXIT_OK, add_command, print_json, print_table
from .runs import print_runs

FAILURES_SHOWN_PER_RUN = 2


def register(commands: argparse._SubParsersAction) -> None:
    status = add_command(commands, "status", cmd_status,
                         "Environment, database and board; counts per sync state, failed orders, last "
                         "ingests and runs.")
    status.add_argument("--json", action="store_true", help="print as JSON")


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with open_store(config) as store:
        status = status_report(config, store)
    if args.json:
        print_json(status)
        return EXIT_OK
    api = os.environ.get("MONDAY_API_URL")
    print(f"environment: {status['environment']} ({config.path})")
    print(f"database: {status['database']} {status['database_location']}, schema {status['schema_version']}")
    print(f"board: {status['board_id']}" + (f" at {api}" if api else ""))
    for kind in ("orders", "lines"):
        counts = status[kind]
        print(f"{kind + ':':<8}" + "  ".join(f"{state} {count}" for state, count in counts.items())
              + f"  ({sum(counts.values())} in all)")
    if status.get("daily_limit_until"):
        print(f"monday: the daily call limit is spent; sync paused until {status['daily_limit_until']}")
    print(f"pending: {status['pending']} orders to sync, {status['to_archive']} to archive, "
          f"{status['parked']} parked (`retry` makes them due again)")
    print_claims(status["claimed"])
    failed, ingests, runs = status["failed_orders"], status["ingests"], status["runs"]
    print(f"failed orders: {len(failed) or 'none'}")
    if failed:
        print_table(("BUSINESS KEY", "CUSTOMER", "ATTEMPTS", "PARKED", "NEXT TRY", "LAST ERROR"),
                    [(o["business_key"], o["customer"], o["attempts"], "yes" if o["parked"] else "no",
                      o["next_attempt_at"], o["last_error"]) for o in failed])
    print(f"last ingests: {len(ingests) or 'none'}")
    if ingests:
        print_table(("ID", "WHEN", "FILE", "OUTCOME", "ROWS", "NEW", "CHANGED", "UNCHANGED", "REJECTED",
                     "REMOVED", "WARNED", "MESSAGE"),
                    [(i["ingest_id"], i["ingested_at"], i["file_name"], i["outcome"], i["rows_total"],
                      i["orders_new"], i["orders_changed"], i["orders_unchanged"], i["rows_rejected"],
                      i["orders_removed"], i["rows_warned"], i["message"]) for i in ingests])
    warnings = status.get("warnings", [])
    print(f"warnings of the last ingests: {len(warnings) or 'none'}"
          + (" (`python -m shared ingest show ID` lists one ingest's)" if warnings else ""))
    if warnings:
        print_table(("ID", "FILE", "ROW", "COLUMN", "MESSAGE"),
                    [(w["ingest_id"], w["file_name"], w["row"], w["column"], w["message"]) for w in warnings])
    print(f"last runs: {len(runs) or 'none'}" + (f" ({status['runs_unavailable']})"
                                                  if status.get("runs_unavailable") else ""))
    if runs:
        print_runs([RunRecord(**{k: v for k, v in run.items() if k != "records_per_second"}) for run in runs],
                   failures_shown=FAILURES_SHOWN_PER_RUN)
    return EXIT_OK


def print_claims(claimed: dict, now: datetime | None = None) -> None:
    """The orders syncs hold now, per claim, and when they free unless the holder renews its lease."""
    if not claimed["orders"]:
        print("claimed: none")
        return
    now = now or datetime.now(UTC)
    print(f"claimed: {claimed['orders']} orders under {len(claimed['claims'])} claims; free by "
          f"{_when(claimed['frees_by'], now)} unless a live sync renews its lease")
    print_table(("CLAIM", "ORDERS", "CUSTOMERS", "FREE AT"),
                [(c["claim_id"], c["orders"], ", ".join(c["customers"]), _when(c["claimed_until"], now))
                 for c in claimed["claims"]])


def _when(moment: str, now: datetime) -> str:
    at = datetime.fromisoformat(moment)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC (in {max(0, round((at - now).total_seconds()))} s)"
