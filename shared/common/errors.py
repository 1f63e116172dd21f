"""Failure types. Callers decide by type, never by message text."""

from __future__ import annotations

from datetime import datetime


class OrderSyncError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(OrderSyncError):
    """The configuration file is broken; names the file and the key."""

    def __init__(self, path: str, key: str, problem: str):
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{self.path}: {key}: {problem}")


class RejectedFile(OrderSyncError):
    """A workbook that cannot be ingested at all (one clear sentence why)."""


class StoreError(OrderSyncError):
    """The order store could not do what was asked (schema, connection, identifiers)."""


class MondayError(OrderSyncError):
    """Base of monday.com failures."""


class MondayTransientError(MondayError):
    """Worth retrying later: monday down, budget exhausted, timeouts."""


class DailyLimitExceeded(MondayTransientError):
    """The account's daily call limit is spent; work stays pending until it resets at ``resets_at`` (UTC)."""

    def __init__(self, message: str, resets_at: datetime):
        super().__init__(message)
        self.resets_at = resets_at


class MondayPermanentError(MondayError):
    """monday refused the request itself (bad token, bad board, bad query); retrying will not help."""


class Interrupted(OrderSyncError):
    """A signal (Ctrl-C, SIGTERM) stopped a run; the claims it held were released on the way out."""

    def __init__(self, signal_name: str, released: int):
        self.signal_name, self.released = signal_name, released
        super().__init__(f"interrupted ({signal_name}); {released} orders released, nothing half-written "
                         f"stays claimed")
