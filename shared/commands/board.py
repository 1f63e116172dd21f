"""``board describe``, ``board check`` and ``board provision``: the live board's columns and groups, the
mapping check, and creating the mapped columns the board lacks."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..common.errors import OrderSyncError
from ..config import Config
from ..monday import ProvisionProblems, board, provision_text, read_board_schema
from ..sync import provision_board
from .output import EXIT_OK, EXIT_PROBLEM, add_command, add_group, print_json

LABEL_TYPES = ("status", "dropdown")


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_group(commands, "board", "Inspect, check and provision the monday board.")
    board_commands = parser.add_subparsers(dest="board_command", required=True, metavar="COMMAND")
    describe = add_command(board_commands, "describe", cmd_board_describe,
                           "The board's and its subitems board's columns and groups.")
    describe.add_argument("--json", action="store_true", help="print as JSON")
    check = add_command(board_commands, "check", cmd_board_check,
                        "Check the environment's column mapping against the live board.")
    check.add_argument("--json", action="store_true", help="print as JSON (also when the check cannot run)")
    check.set_defaults(json_on_error=True)
    provision = add_command(board_commands, "provision", cmd_board_provision,
                            "Create the mapped columns the board (and its subitems board) lacks, with the "
                            "configured ids; then check the mapping.")
    provision.add_argument("--dry-run", action="store_true", help="say what would be created, create nothing")
    provision.add_argument("--json", action="store_true", help="print as JSON")


def cmd_board_describe(args: argparse.Namespace, config: Config) -> int:
    schema = asyncio.run(read_board_schema(config))
    if args.json:
        print_json(board.describe(schema))
    else:
        sys.stdout.write(board.describe_text(schema))
    return EXIT_OK


def cmd_board_check(args: argparse.Namespace, config: Config) -> int:
    env = config.environment
    try:
        schema = asyncio.run(read_board_schema(config))
    except OrderSyncError as exc:
        if not args.json:
            raise
        # The JSON promised on stdout says why the check could not run.
        print_json({"ok": False, "board_id": env.board_id, "environment": env.name, "problems": [],
                    "error": f"error: {exc}"})
        return EXIT_PROBLEM
    problems = board.check(schema, env.key_column, env.item_columns, env.subitem_columns)
    if args.json:
        print_json({"ok": not problems, "board_id": env.board_id, "environment": env.name,
                    "problems": [p.__dict__ for p in problems]})
    else:
        sys.stdout.write(board.check_text(problems))
    return EXIT_PROBLEM if problems else EXIT_OK


def cmd_board_provision(args: argparse.Namespace, config: Config) -> int:
    try:
        report = provision_board(config, dry_run=args.dry_run)
    except ProvisionProblems as exc:
        if args.json:
            print_json({"ok": False, "dry_run": args.dry_run, "created": [], "problems": exc.problems})
        else:
            print(f"board provision: nothing created; {len(exc.problems)} column(s) cannot be made as "
                  f"configured:", file=sys.stderr)
            print("\n".join(f"  - {problem}" for problem in exc.problems), file=sys.stderr)
        return EXIT_PROBLEM
    if args.json:
        print_json(report.to_dict())
    else:
        sys.stdout.write(provision_text(report.created, dry_run=args.dry_run))
        unlabelled = [c.column_id for c in report.created if c.type in LABEL_TYPES and not c.labels]
        if unlabelled:
            print(f"  note: {', '.join(unlabelled)} got no labels (no stored order has a value for them "
                  f"yet); ingest first, or list them in [sync].create_labels_if_missing")
        if not args.dry_run:
            sys.stdout.write(board.check_text(report.problems_after))
    return EXIT_OK if report.ok else EXIT_PROBLEM
