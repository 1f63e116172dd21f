"""``demo``: the whole job locally (emulator + fresh SQLite + the sample workbooks), no monday account."""

from __future__ import annotations

import argparse
import sys

from ..config import Config
from .output import EXIT_OK, EXIT_PROBLEM, add_command, print_json


def register(commands: argparse._SubParsersAction) -> None:
    demo = add_command(commands, "demo", cmd_demo,
                       "Run the whole job locally: emulator + fresh SQLite + sample workbooks.")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from ..demo import run_demo  # the emulator is loaded only for the demo

    # With --json the progress text goes to stderr, so stdout holds only the JSON document.
    result = run_demo(config, say=(lambda text: print(text, file=sys.stderr)) if args.json else print)
    if args.json:
        print_json(result.to_dict())
    return EXIT_OK if result.ok else EXIT_PROBLEM
