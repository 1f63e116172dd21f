"""Emulated time: how fast the emulator's clock runs against the wall clock, and how it rounds the whole
seconds it tells clients about resets (``reset_in_x_seconds``, ``retry_in_seconds``, ``Retry-After``, the
``t=`` of the RateLimit header).

monday says these hints are whole seconds but not which way they are rounded, so the rounding is a switch:
``up`` (a hint never says less than what is left), ``nearest`` (up to half a second either way) or ``down``
(the reset can come up to a second after the hint). A client that paces well works under all three.

``scale`` runs the emulated clock that many times faster than the wall clock: windows and latencies are given
in emulated seconds, hints are whole emulated seconds. A client on the same scaled clock (the benchmarks) then
sees a 60 s window, and monday's rounding, in a tenth of the time.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

ROUNDINGS = ("up", "nearest", "down")


@dataclass(frozen=True)
class Timing:
    rounding: str = "up"
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"reset rounding must be one of {', '.join(ROUNDINGS)}, got {self.rounding!r}")
        if not self.scale > 0:
            raise ValueError(f"time scale must be above 0, got {self.scale}")

    def clock(self) -> float:
        """Emulated seconds (monotonic)."""
        return time.monotonic() * self.scale

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of emulated time."""
        if seconds > 0:
            await asyncio.sleep(seconds / self.scale)

    def hint(self, seconds: float) -> int:
        """The whole seconds a client is told for ``seconds`` still to wait."""
        if self.rounding == "up":
            return max(1, math.ceil(seconds))
        if self.rounding == "nearest":
            return max(0, math.floor(seconds + 0.5))
        return max(0, math.floor(seconds))
