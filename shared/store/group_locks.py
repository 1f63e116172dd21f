"""Group locks: the registry of monday groups per board (migration 002), and the per-title lock that keeps two
workers from creating the same group.
"""

from __future__ import annotations

from datetime import datetime

from ..config import name_key
from .timestamps import timestamp_text
from .transactions import StoreTransactions


class GroupLocksMixin(StoreTransactions):
    """The monday group registry and title locks of :class:`OrderStore`."""

    @property
    def groups_table(self) -> str:
        """The monday groups registry (migration 002), quoted."""
        return self.dialect.quote(self.tables.groups)

    def lock_group(self, board_id: str, title: str, token: str, now: datetime, locked_until: datetime
                   ) -> tuple[bool, str | None]:
        """Try to take the lock on a group title of a board: (taken?, the group id recorded for it, if any).

        The row per (board, title) is unique, so workers in different processes serialise on it.
        """
        key = name_key(title)

        def insert() -> None:
            try:
                self.execute(
                    f"INSERT INTO {self.groups_table} (board_id, title_key, title) SELECT ?, ?, ? WHERE NOT "
                    f"EXISTS (SELECT 1 FROM {self.groups_table} WHERE board_id = ? AND title_key = ?)",
                    (board_id, key, title, board_id, key))
            except self._backend.integrity_errors:
                pass  # another worker inserted this title first (the unique key said so): the take decides

        self.run_in_transaction(insert)  # any other error (a full disk, a read-only file) ends the sync

        def take() -> tuple[bool, str | None]:
            taken = self.execute(
                f"UPDATE {self.groups_table} SET lock_token = ?, locked_until = ? WHERE board_id = ? "
                f"AND title_key = ? AND (lock_token IS NULL OR locked_until < ?)",
                (token, timestamp_text(locked_until), board_id, key, timestamp_text(now))).rowcount
            rows = self.query(f"SELECT group_id FROM {self.groups_table} WHERE board_id = ? "
                              f"AND title_key = ?", (board_id, key))
            return taken == 1, rows[0][0] if rows else None

        return self.run_in_transaction(take)

    def record_group(self, board_id: str, title: str, group_id: str) -> None:
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.groups_table} SET group_id = ?, title = ? WHERE board_id = ? AND title_key = ?",
            (group_id, title, board_id, name_key(title))))

    def unlock_group(self, board_id: str, title: str, token: str) -> None:
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.groups_table} SET lock_token = NULL, locked_until = NULL WHERE board_id = ? "
            f"AND title_key = ? AND lock_token = ?", (board_id, name_key(title), token)))
