"""``board describe`` and ``board check``: the live board's columns and groups, and the mapping check."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..common.errors import OrderSyncError
from ..config import Config
from ..monday import board, read_board_schema
from .output import EXIT_OK, EXIT_PROBLEM, add_command, add_group, print_json


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
