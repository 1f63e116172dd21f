"""``ingest show FILE-or-ID``: an earlier ingest again, from the ingest log: its outcome and counts, its
rejected rows and its warnings (kept by the store since migration 004).

``ingest`` takes file names, so ``show`` is only a sub-command as the first word: a file literally named
``show`` is ingested as ``./show``. The argument is an ingest id (the number ``status`` lists), a file that
exists (its content is looked up first, then its name) or a file name as the log holds it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Config
from ..excel import RowIssue, sha256_of
from ..store import open_store
from .output import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, print_json

SHOW = "show"


def cmd_ingest_show(args: argparse.Namespace, config: Config) -> int:
    if len(args.files) != 2:
        print("ingest show: give one ingest id or file name (to ingest a file named 'show', write ./show)",
              file=sys.stderr)
        return EXIT_USAGE
    wanted = args.files[1]
    with open_store(config) as store:
        entry = _find_entry(store, wanted)
        if entry is None:
            print(f"ingest show: no ingest of {wanted!r} in the ingest log", file=sys.stderr)
            return EXIT_PROBLEM
        issues = store.ingest_issues(entry.ingest_id)
    rejected = [issue for issue in issues if issue.kind == "rejected"]
    warnings = [issue for issue in issues if issue.kind == "warning"]
    if args.json:
        print_json({**entry.to_dict(), "rejected_rows": [_issue_dict(issue) for issue in rejected],
                    "warnings": [_issue_dict(issue) for issue in warnings]})
        return EXIT_OK
    print(f"ingest {entry.ingest_id}: {entry.file_name}: {entry.outcome} at {entry.ingested_at}")
    if entry.message:
        print(f"  {entry.message}")
    print(f"  rows {entry.rows_total}: {entry.orders_new} new, {entry.orders_changed} changed, "
          f"{entry.orders_unchanged} unchanged, {entry.rows_rejected} rejected, {entry.orders_removed} "
          f"removed, {entry.rows_warned} warned; size lines: {entry.lines_new} new, {entry.lines_changed} "
          f"changed, {entry.lines_removed} removed")
    for title, listed in (("rejected rows", rejected), ("warnings", warnings)):
        if listed:
            print(f"  {title}:")
            for issue in listed:
                print(f"    {_issue_text(issue)}")
    return EXIT_OK


def _find_entry(store, wanted: str):
    """The newest log entry for an id, a file's content, or a file name (as given, then its last part)."""
    if wanted.isdigit():
        found = store.ingest_entries(ingest_id=int(wanted), limit=1)
        if found:
            return found[0]
    path = Path(wanted)
    if path.is_file():
        with path.open("rb") as stream:
            found = store.ingest_entries(content_hash=sha256_of(stream), limit=1)
        if found:
            return found[0]
    for name in dict.fromkeys((wanted, path.name)):
        found = store.ingest_entries(file_name=name, limit=1)
        if found:
            return found[0]
    return None


def _issue_dict(issue) -> dict:
    return {"row": issue.row, "column": issue.column, "value": issue.value, "message": issue.message}


def _issue_text(issue) -> str:
    return RowIssue(issue.row, issue.column, issue.value, issue.message).to_text()
