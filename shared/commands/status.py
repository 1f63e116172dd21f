"""``status``: order and line counts per sync state, failed orders, the last ingests."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ..config import Config
from ..store import open_store
from .output import EXIT_OK, add_command, print_json, print_table


def register(commands: argparse._SubParsersAction) -> None:
    status = add_command(commands, "status", cmd_status,
                         "Order and line counts per sync state, failed orders, last ingests.")
    status.add_argument("--json", action="store_true", help="print as JSON")


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with open_store(config) as store:
        status = store.status()
    if args.json:
        print_json(status)
        return EXIT_OK
    print(f"database: {status['database']}, schema {status['schema_version']}")
    for kind in ("orders", "lines"):
        counts = status[kind]
        print(f"{kind + ':':<8}" + "  ".join(f"{state} {count}" for state, count in counts.items())
              + f"  ({sum(counts.values())} in all)")
    if status.get("daily_limit_until"):
        print(f"monday: the daily call limit is spent; sync paused until {status['daily_limit_until']}")
    print(f"pending: {status['pending']} orders to sync, {status['to_archive']} to archive, "
          f"{status['parked']} parked (`retry` makes them due again)")
    print_claims(status["claimed"])
    failed, ingests = status["failed_orders"], status["ingests"]
    print(f"failed orders: {len(failed) or 'none'}")
    if failed:
        print_table(("BUSINESS KEY", "CUSTOMER", "ATTEMPTS", "PARKED", "NEXT TRY", "LAST ERROR"),
                    [(o["business_key"], o["customer"], o["attempts"], "yes" if o["parked"] else "no",
                      o["next_attempt_at"], o["last_error"]) for o in failed])
    print(f"last ingests: {len(ingests) or 'none'}")
    if ingests:
        print_table(("WHEN", "FILE", "OUTCOME", "ROWS", "NEW", "CHANGED", "UNCHANGED", "REJECTED", "MESSAGE"),
                    [(i["ingested_at"], i["file_name"], i["outcome"], i["rows_total"], i["orders_new"],
                      i["orders_changed"], i["orders_unchanged"], i["rows_rejected"], i["message"])
                     for i in ingests])
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
