"""The progress of a long command (sync, ingest, reconcile): on a terminal a live line drawn by tqdm (done of
planned, rate, ETA, and "waiting N s for monday's budget" while the client paces); elsewhere (a pipe, a log
file, CI) a plain line every ~10 s. Always on stderr, so ``--json`` keeps stdout clean; ``--quiet`` turns it
off.

A command hands :class:`ProgressLine` a function that reads where the work is (a :class:`Progress`); a thread
polls it, so the work itself never waits for the terminal.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from ..sync import SyncProgress

LOG_INTERVAL_SECONDS = 10.0  # not on a terminal: one line this often
REFRESH_SECONDS = 0.25  # on a terminal: how often the line is redrawn


@dataclass(frozen=True)
class Progress:
    label: str  # "sync", or the file being ingested
    done: int
    planned: int | None  # None: not known (yet)
    waiting_seconds: float = 0.0  # requests waiting for monday's budget

    @property
    def waiting_text(self) -> str:
        if self.waiting_seconds < 0.5:
            return ""
        return f"waiting {self.waiting_seconds:.0f} s for monday's budget"


class ProgressLine:
    """``with ProgressLine(read, unit="records"):`` around the work; ``read()`` says where it is."""

    def __init__(self, read: Callable[[], Progress], *, unit: str, stream: TextIO | None = None,
                 enabled: bool = True, log_interval: float | None = None):
        self.read, self.unit = read, unit
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.log_interval = LOG_INTERVAL_SECONDS if log_interval is None else log_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar = None
        self._started = 0.0

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._started = time.monotonic()
            draw = self._draw if self._on_terminal() else self._log
            self._thread = threading.Thread(target=self._poll, args=(draw,), name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        if self._bar is not None:
            self._bar.close()

    def _on_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _poll(self, draw: Callable[[Progress], None]) -> None:
        interval = REFRESH_SECONDS if draw == self._draw else self.log_interval
        while not self._stop.wait(interval):
            draw(self.read())

    # -- a terminal: one line, redrawn ---------------------------------------------------------------------

    def _draw(self, progress: Progress) -> None:
        from tqdm import tqdm  # the CLI only; the functions never load it

        bar = self._bar
        if bar is None or bar.desc.rstrip(": ") != progress.label or progress.done < bar.n:
            if bar is not None:
                bar.close()
            bar = self._bar = tqdm(total=progress.planned, desc=progress.label, unit=f" {self.unit}",
                                   file=self.stream, dynamic_ncols=True, leave=False, mininterval=0)
        if progress.planned is not None and bar.total != progress.planned:
            bar.total = progress.planned
        bar.set_postfix_str(progress.waiting_text, refresh=False)
        bar.update(progress.done - bar.n)
        bar.refresh()

    # -- elsewhere: a line now and then --------------------------------------------------------------------

    def _log(self, progress: Progress) -> None:
        self.stream.write(self.line(progress, time.monotonic() - self._started) + "\n")
        self.stream.flush()

    def line(self, progress: Progress, elapsed: float) -> str:
        """``12:03:04 sync: 120 of 371 records (32%), 4.1/s, about 61 s left; waiting 42 s for ...``"""
        rate = progress.done / elapsed if elapsed > 0 else 0.0
        text = f"{time.strftime('%H:%M:%S')} {progress.label}: {progress.done:,}"
        if progress.planned:
            text += f" of {progress.planned:,} {self.unit} ({progress.done / progress.planned:.0%})"
        else:
            text += f" {self.unit}"
        text += f", {rate:.1f}/s"
        if progress.planned and rate > 0 and progress.done < progress.planned:
            text += f", about {_duration((progress.planned - progress.done) / rate)} left"
        return text + (f"; {progress.waiting_text}" if progress.waiting_text else "")


@contextlib.contextmanager
def sync_progress_line(label: str, *, enabled: bool) -> Iterator[SyncProgress | None]:
    """The line of a run that syncs (``sync``, ``reconcile --repair``): records answered of planned, rate, ETA
    and monday's budget waits, read from the run's :class:`SyncProgress` (hand it to the run). ``None`` when
    the line is off, so the run counts nothing (counting the planned writes loads every batch again)."""
    if not enabled:
        yield None
        return
    progress = SyncProgress()

    def where() -> Progress:
        return Progress(label, progress.done, progress.planned or None, progress.waiting_seconds())

    with ProgressLine(where, unit="records"):
        yield progress


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"
