"""``ordersync`` / ``python -m shared <command>``: the command line. It assembles the commands of
:mod:`shared.commands` (one module per area) and handles what they share: the common options (accepted before
or after the command), logging, the failure types and a closed stdout.

Exit codes: 0 success, 1 the work found a problem (a file rejected, a record failed, a check failed),
2 usage or configuration errors, 130 interrupted (Ctrl-C, SIGTERM), 141 stdout was closed early (``status |
head``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from .commands import board, db, demo, ingest, reconcile, retry, runs, serve, status, sync
from .commands.console_log import command_logging
from .commands.options import add_common_options
from .commands.output import EXIT_BROKEN_PIPE, EXIT_PROBLEM, EXIT_USAGE, UsageError, print_json
from .common.errors import ConfigError, Interrupted, OrderSyncError
from .common.version import VERSION
from .config import load_config
from .sync import EXIT_INTERRUPTED

# in the order `--help` lists them
COMMANDS = (ingest, status, runs, db, board, sync, reconcile, retry, serve, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordersync",
        description="ordersync: Excel order lists -> order store (SQL) -> monday.com board. "
                    "Also runs as python -m shared.")
    parser.add_argument("--version", action="version", version=f"ordersync {VERSION}")
    add_common_options(parser, with_defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()  # a reader that left early is noticed here, not at interpreter exit
        return code
    except BrokenPipeError:
        # The reader (head, less) has what it wanted; say nothing, and keep Python from complaining at exit.
        with contextlib.suppress(OSError, ValueError):  # ValueError: a stdout without a file descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(args: argparse.Namespace) -> int:
    try:
        with command_logging(args.verbose, args.log_file):
            config = load_config(args.config, args.env)
            return args.handler(args, config)
    except ConfigError as exc:
        return _failed(args, f"configuration error: {exc}", EXIT_USAGE)
    except UsageError as exc:
        return _failed(args, f"{args.command}: {exc}", EXIT_USAGE)
    except Interrupted as exc:  # Ctrl-C / SIGTERM in a run that releases its claims (the demo's sync)
        return _failed(args, f"{args.command}: {exc}", EXIT_INTERRUPTED)
    except KeyboardInterrupt:  # Ctrl-C anywhere else: what was open rolls back; no traceback
        return _failed(args, f"{args.command}: interrupted (SIGINT); nothing half-written was kept",
                       EXIT_INTERRUPTED)
    except OrderSyncError as exc:
        return _failed(args, f"error: {exc}", EXIT_PROBLEM)


def _failed(args: argparse.Namespace, message: str, code: int) -> int:
    """Say why once: as the JSON document a command promises on stdout, else on stderr."""
    if getattr(args, "json_on_error", False) and getattr(args, "json", False):
        print_json({"ok": False, "error": message})
    else:
        print(message, file=sys.stderr)
    return code
