"""``db migrate``: create or upgrade the schema of the configured database."""

from __future__ import annotations

import argparse

from ..config import Config
from ..store import open_store
from .output import EXIT_OK, add_command, add_group


def register(commands: argparse._SubParsersAction) -> None:
    db = add_group(commands, "db", "Database schema commands.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    add_command(db_commands, "migrate", cmd_db_migrate,
                "Create or upgrade the schema on the configured database.")


def cmd_db_migrate(args: argparse.Namespace, config: Config) -> int:
    with open_store(config, auto_migrate=False) as store:
        applied = store.migrate()
        version = store.schema_version()
    for name in applied:
        print(f"applied {name} ({store.kind})")
    if not applied:
        print(f"schema is up to date (version {version})")
    return EXIT_OK
