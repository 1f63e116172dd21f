"""What every part of a batch's sending shares: steps run side by side to their end, a new record's values
without blanks, and what a failed result says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping

from ..monday import WriteResult


async def all_done(*steps: Awaitable[None]) -> None:
    """Run the steps side by side; all finish (their results saved) before the first error is raised."""
    for outcome in await asyncio.gather(*steps, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def without_blanks(columns: Mapping[str, str | None]) -> dict[str, str]:
    """A new item or subitem has no column to clear."""
    return {column: value for column, value in columns.items() if value is not None and str(value).strip()}


def result_message(result: WriteResult) -> str:
    return result.error or result.code or "monday did not say why"
