"""The order store: orders, their size lines and the ingest log, in SQLite (default) or Azure SQL.

One class, :class:`OrderStore`, over two small backends (``sqlite.py``, ``mssql.py``), made of one mixin per
concern (schema, ingest log and ingest, order reads, status, claims, write-back, group locks, sync state,
reconcile's board repairs, retry) over
:class:`~.transactions.StoreTransactions`. Every statement goes through ``execute``,
``executemany``, ``query`` or ``select_in``; every public operation runs in ``run_in_transaction``, the only
place database errors become :class:`StoreError` and where a transient Azure SQL error re-runs the whole
transaction. The schema lives in versioned files under ``sql/sqlite`` and ``sql/tsql``; business columns (one
per workbook header) are added on demand.

Timestamps are UTC ISO-8601 text with microseconds (:func:`timestamp_text`) on both databases, so comparing
the text compares the times.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Config
from .board_repairs import BoardRepairsMixin
from .claims import ClaimsMixin
from .group_locks import GroupLocksMixin
from .ingest_writer import IngestMixin
from .label_values import LabelValuesMixin
from .migrations import SQL_ROOT, Tables
from .overview import OverviewMixin
from .retry import RetryMixin
from .runs import RunsMixin
from .sqlite import SqliteBackend, sqlite_path
from .status import StatusMixin
from .sync_state import SyncStateMixin
from .write_back import WriteBackMixin

log = logging.getLogger(__name__)

class OrderStore(IngestMixin, StatusMixin, BoardRepairsMixin, RetryMixin, ClaimsMixin, LabelValuesMixin,
                 OverviewMixin, WriteBackMixin, GroupLocksMixin, SyncStateMixin, RunsMixin):
    """Orders, lines and the ingest log of one environment.

    Methods that read or write define their work as a function of no arguments and hand it to
    :meth:`run_in_transaction`; inside it they use :meth:`execute`, :meth:`query`, :meth:`executemany`
    (bulk) and :meth:`select_in` (IN-lists in chunks), with ``?`` parameters and table names from
    ``orders_table`` / ``lines_table`` / ``ingest_log_table`` (already quoted) and :attr:`dialect`.
    """


def open_store(config: Config, *, auto_migrate: bool = True, migrations_root: Path = SQL_ROOT,
               warn_if_new: bool = True) -> OrderStore:
    """The store ``[environments.*].database`` names. A SQLite file is created on first use (with a warning
    unless ``warn_if_new`` is false: a misspelt path would otherwise hide the real data behind an empty
    database) and, with ``auto_migrate``, brought to the current schema; SQL Server changes only through
    ``migrate()``."""
    database = config.environment.database
    path = sqlite_path(database)
    if path is not None:
        if warn_if_new and not path.exists():
            log.warning("created a new, empty SQLite database %s for environment %s; if your orders are "
                        "elsewhere, check ORDERSYNC_DATABASE and --env", path, config.environment.name)
        store = OrderStore(SqliteBackend(path), Tables.of(config.environment), config.sync.max_attempts,
                           migrations_root)
        if auto_migrate:
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
        return store
    from .mssql import ConnectionSettings, MssqlBackend

    backend = MssqlBackend(ConnectionSettings.from_config(database))
    return OrderStore(backend, Tables.of(config.environment), config.sync.max_attempts, migrations_root)
