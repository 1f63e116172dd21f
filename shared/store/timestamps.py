"""Times as the store writes them on both databases: UTC ISO-8601 text with microseconds, so comparing the
text compares the times.
"""

from __future__ import annotations

from datetime import UTC, datetime


def timestamp_text(moment: datetime | None = None) -> str:
    """The one way the store writes a time: UTC, ISO-8601, always with microseconds (fixed width)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
