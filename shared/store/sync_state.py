"""Sync state: small named values one run learns and a later run needs (migration 003), such as what each
monday operation costs or until when monday's daily call limit is spent. Last writer wins.
"""

from __future__ import annotations

from datetime import datetime

from .timestamps import timestamp_text
from .transactions import StoreTransactions

MAX_STATE_NAME = 200
MAX_STATE_VALUE = 4000
DAILY_LIMIT_UNTIL = "monday.daily_limit_until"  # when monday's spent daily call limit resets (UTC timestamp)


class SyncStateMixin(StoreTransactions):
    """Named text values of :class:`OrderStore`."""

    @property
    def sync_state_table(self) -> str:
        return self.dialect.quote(self.tables.sync_state)

    def read_state(self, name: str) -> str | None:
        rows = self.run_in_transaction(lambda: self.query(
            f"SELECT value FROM {self.sync_state_table} WHERE name = ?", (name,)), write=False)
        return rows[0][0] if rows else None

    def write_state(self, name: str, value: str) -> None:
        """Set ``name`` to ``value``: an update, or an insert when the name is new."""
        if not 0 < len(name) <= MAX_STATE_NAME or len(value) > MAX_STATE_VALUE:
            raise ValueError(f"state {name[:40]!r}: the name must be 1 to {MAX_STATE_NAME} characters and "
                             f"the value at most {MAX_STATE_VALUE}")
        moment = timestamp_text()

        def update() -> int:
            return self.execute(f"UPDATE {self.sync_state_table} SET value = ?, updated_at = ? "
                                f"WHERE name = ?", (value, moment, name)).rowcount

        def write() -> None:
            if update():
                return
            try:
                self.execute(f"INSERT INTO {self.sync_state_table} (name, value, updated_at) "
                             f"VALUES (?, ?, ?)", (name, value, moment))
            except self._backend.integrity_errors:  # another writer inserted the name first: ours comes last
                update()

        self.run_in_transaction(write)

    def pause_for_daily_limit(self, until: datetime) -> str:
        """monday's daily call limit is spent until ``until``: nothing is planned or sent before then. The
        time as stored (and as ``daily_limit_until`` gives it back)."""
        text = timestamp_text(until)
        self.write_state(DAILY_LIMIT_UNTIL, text)
        return text

    def daily_limit_until(self, now: datetime | None = None) -> str | None:
        """When the spent daily call limit resets, while that is still ahead of ``now``; else None."""
        until = self.read_state(DAILY_LIMIT_UNTIL)
        return until if until is not None and until > timestamp_text(now) else None
