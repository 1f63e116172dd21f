"""``python -m shared <command>``: the command line. It assembles the commands of :mod:`shared.commands`
(one module per area) and handles what they share: the configuration options and the failure types.

Exit codes: 0 success, 1 the work found a problem (a file rejected, a record failed, a check failed),
2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import sys

from .commands import board, db, demo, ingest, reconcile, retry, status, sync
from .commands.output import EXIT_PROBLEM, EXIT_USAGE, UsageError
from .common.errors import ConfigError, OrderSyncError
from .config import load_config

COMMANDS = (ingest, status, db, board, sync, reconcile, retry, demo)  # in the order `--help` lists them


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared",
        description="ordersync: Excel order lists -> order store (SQL) -> monday.com board.")
    parser.add_argument("--config", help="configuration file (default: $ORDERSYNC_CONFIG or "
                                         "configs/sync_order_list.toml)")
    parser.add_argument("--env", help="environment in the configuration (default: $ORDERSYNC_ENV or "
                                      "default_environment)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
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
    except UsageError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OrderSyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
