"""``python -m shared <command>``: the command line. Parsing and printing only; the work lives in the modules.

Exit codes: 0 success, 1 the work found a problem (a file rejected, a record failed, a check failed),
2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .common.errors import ConfigError, OrderSyncError
from .config import Config, load_config
from .excel import ingest_files
from .monday import board, read_board_schema
from .store import open_store
from .sync import run_sync

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def print_json(payload: object) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    missing = [name for name in args.files if not Path(name).is_file()]
    if missing:
        print(f"ingest: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE

    def progress(file_name: str, row: int, last_row: int | None) -> None:
        if last_row:  # a bar needs the total; a file without a <dimension> shows none
            done = min(row / last_row, 1.0)
            bar = "#" * int(done * 30)
            sys.stderr.write(f"\r\033[K{file_name}: [{bar:<30}] {done:4.0%} of {last_row} rows")
            sys.stderr.write("\r\033[K" if row >= last_row else "")
            sys.stderr.flush()

    show_progress = sys.stderr.isatty() and not args.json
    report = ingest_files(config, [Path(name) for name in args.files], progress if show_progress else None)
    if args.json:
        print_json(report.to_dict())
    else:
        sys.stdout.write(report.to_text())
    return EXIT_PROBLEM if report.any_file_rejected else EXIT_OK


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    with open_store(config) as store:
        status = store.status()
    if args.json:
        print_json(status)
        return EXIT_OK

    def table(headers: tuple[str, ...], rows: list[tuple]) -> None:
        cells = [headers, *(tuple("" if value is None else str(value) for value in row) for row in rows)]
        widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
        for row in cells:
            padded = (value.ljust(width) for value, width in zip(row, widths, strict=True))
            print(("  " + "  ".join(padded)).rstrip())

    print(f"database: {status['database']}, schema {status['schema_version']}")
    for kind in ("orders", "lines"):
        counts = status[kind]
        print(f"{kind + ':':<8}" + "  ".join(f"{state} {count}" for state, count in counts.items())
              + f"  ({sum(counts.values())} in all)")
    failed, ingests = status["failed_orders"], status["ingests"]
    print(f"failed orders: {len(failed) or 'none'}")
    if failed:
        table(("BUSINESS KEY", "CUSTOMER", "ATTEMPTS", "PARKED", "NEXT TRY", "LAST ERROR"),
              [(o["business_key"], o["customer"], o["attempts"], "yes" if o["parked"] else "no",
                o["next_attempt_at"], o["last_error"]) for o in failed])
    print(f"last ingests: {len(ingests) or 'none'}")
    if ingests:
        table(("WHEN", "FILE", "OUTCOME", "ROWS", "NEW", "CHANGED", "UNCHANGED", "REJECTED", "MESSAGE"),
              [(i["ingested_at"], i["file_name"], i["outcome"], i["rows_total"], i["orders_new"],
                i["orders_changed"], i["orders_unchanged"], i["rows_rejected"], i["message"])
               for i in ingests])
    return EXIT_OK


def cmd_db_migrate(args: argparse.Namespace, config: Config) -> int:
    with open_store(config, auto_migrate=False) as store:
        applied = store.migrate()
        version = store.schema_version()
    for name in applied:
        print(f"applied {name} ({store.kind})")
    if not applied:
        print(f"schema is up to date (version {version})")
    return EXIT_OK


def cmd_board_describe(args: argparse.Namespace, config: Config) -> int:
    schema = asyncio.run(read_board_schema(config))
    if args.json:
        print_json(board.describe(schema))
    else:
        sys.stdout.write(board.describe_text(schema))
    return EXIT_OK


def cmd_board_check(args: argparse.Namespace, config: Config) -> int:
    schema = asyncio.run(read_board_schema(config))
    env = config.environment
    problems = board.check(schema, env.key_column, env.item_columns, env.subitem_columns)
    if args.json:
        print_json({"ok": not problems, "board_id": env.board_id, "environment": env.name,
                    "problems": [p.__dict__ for p in problems]})
    else:
        sys.stdout.write(board.check_text(problems))
    return EXIT_PROBLEM if problems else EXIT_OK


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    if not os.environ.get("MONDAY_API_TOKEN"):
        print("sync: MONDAY_API_TOKEN is not set. sync talks to the monday board of the configured "
              "environment (MONDAY_API_URL, default https://api.monday.com/v2). To see the whole job run "
              "locally against an emulated board, no token needed: python -m shared demo", file=sys.stderr)
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("sync: --limit must be a positive number of orders", file=sys.stderr)
        return EXIT_USAGE
    summary = run_sync(config, customer=args.customer, limit=args.limit, dry_run=args.dry_run)
    if args.json:
        print_json(summary.to_dict())
    else:
        print(summary.render())
    return EXIT_OK if summary.ok else EXIT_PROBLEM


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from .demo import run_demo  # the emulator is loaded only for the demo

    # With --json the progress text goes to stderr, so stdout holds only the JSON document.
    result = run_demo(config, say=(lambda text: print(text, file=sys.stderr)) if args.json else print)
    if args.json:
        print_json(result.to_dict())
    return EXIT_OK if result.ok else EXIT_PROBLEM


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared",
        description="ordersync: Excel order lists -> order store (SQL) -> monday.com board.")
    parser.add_argument("--config", help="configuration file (default: $ORDERSYNC_CONFIG or "
                                         "configs/sync_order_list.toml)")
    parser.add_argument("--env", help="environment in the configuration (default: $ORDERSYNC_ENV or "
                                      "default_environment)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable, help_text: str, parent=commands) -> argparse.ArgumentParser:
        sub = parent.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    ingest = add("ingest", cmd_ingest, "Validate Excel order lists and upsert them into the order store.")
    ingest.add_argument("files", nargs="+", metavar="FILE", help="xlsx workbooks")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")

    status = add("status", cmd_status, "Order and line counts per sync state, failed orders, last ingests.")
    status.add_argument("--json", action="store_true", help="print as JSON")

    db = commands.add_parser("db", help="Database schema commands.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    add("migrate", cmd_db_migrate, "Create or upgrade the schema on the configured database.", db_commands)

    board = commands.add_parser("board", help="Inspect and check the monday board.")
    board_commands = board.add_subparsers(dest="board_command", required=True, metavar="COMMAND")
    describe = add("describe", cmd_board_describe, "The board's and its subitems board's columns and groups.",
                   board_commands)
    describe.add_argument("--json", action="store_true", help="print as JSON")
    check = add("check", cmd_board_check, "Check the environment's column mapping against the live board.",
                board_commands)
    check.add_argument("--json", action="store_true", help="print as JSON")

    sync = add("sync", cmd_sync, "Plan and sync all pending work in-process, then print the run summary.")
    sync.add_argument("--customer", help="only this customer (canonical name or alias)")
    sync.add_argument("--limit", type=int, help="at most this many orders")
    sync.add_argument("--dry-run", action="store_true", help="decide everything, write nothing")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")

    demo = add("demo", cmd_demo, "Run the whole job locally: emulator + fresh SQLite + sample workbooks.")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, args.env)
        return args.handler(args, config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OrderSyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
