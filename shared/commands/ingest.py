"""``ingest FILE...``: validate Excel order lists and upsert them into the order store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Config
from ..excel import ingest_files
from .ingest_show import SHOW, cmd_ingest_show
from .output import EXIT_OK, EXIT_PROBLEM, UsageError, add_command, print_json
from .progress import Progress, ProgressLine


def register(commands: argparse._SubParsersAction) -> None:
    ingest = add_command(commands, "ingest", cmd_ingest,
                         "Validate Excel order lists and upsert them into the order store; `ingest show "
                         "FILE-or-ID` prints an earlier ingest's outcome, rejected rows and warnings again.")
    ingest.add_argument("files", nargs="+", metavar="FILE",
                        help="xlsx workbooks (a file named 'show': write ./show)")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.epilog = ("ingest show FILE-or-ID [--json]: an earlier ingest again (its outcome, counts, "
                     "rejected rows and warnings), by the ingest id `status` lists, by a file's content "
                     "or by its name.")


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    if args.files[0] == SHOW:
        return cmd_ingest_show(args, config)
    missing = [name for name in args.files if not Path(name).is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")

    reading = {"label": "ingest", "done": 0, "planned": None}

    def on_row(file_name: str, row: int, last_row: int | None) -> None:
        # a file without a <dimension> has no known last row: the line shows rows read and their rate
        reading.update(label=file_name, done=row, planned=last_row)

    with ProgressLine(lambda: Progress(**reading), unit="rows", enabled=not args.quiet):
        report = ingest_files(config, [Path(name) for name in args.files], on_row)
    if args.json:
        print_json(report.to_dict())
    else:
        sys.stdout.write(report.to_text())
    return EXIT_PROBLEM if report.any_file_rejected else EXIT_OK
