"""What every command shares: exit codes, JSON and table output, and the way sub-commands are added."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from .options import COMMON_OPTIONS

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away
Handler = Callable[..., int]


class UsageError(ValueError):
    """Arguments that name nothing usable; the command line prints it after the command's name, exit 2."""


def require_monday_token(command: str) -> None:
    """Raise :class:`UsageError` when MONDAY_API_TOKEN is not set: the command cannot reach monday."""
    if not os.environ.get("MONDAY_API_TOKEN"):
        raise UsageError(f"MONDAY_API_TOKEN is not set. {command} talks to the monday board of the "
                         f"configured environment (MONDAY_API_URL, default https://api.monday.com/v2). To "
                         f"see the whole job run locally against an emulated board, no token needed: "
                         f"python -m shared demo")


def print_json(payload: object) -> None:
    json.dump(payload, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(headers: tuple[str, ...], rows: list[tuple]) -> None:
    cells = [headers, *(tuple("" if value is None else str(value) for value in row) for row in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    for row in cells:
        padded = (value.ljust(width) for value, width in zip(row, widths, strict=True))
        print(("  " + "  ".join(padded)).rstrip())


def add_command(commands: argparse._SubParsersAction, name: str, handler: Handler, help_text: str
                ) -> argparse.ArgumentParser:
    sub = add_group(commands, name, help_text)
    sub.set_defaults(handler=handler)
    return sub


def add_group(commands: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command (or a group of sub-commands) taking the common options after its name too."""
    return commands.add_parser(name, help=help_text, description=help_text, parents=[COMMON_OPTIONS])
