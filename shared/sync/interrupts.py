"""Ctrl-C and SIGTERM during a run in this process: the run's task is cancelled, so each batch saves what
monday has answered and frees its claim on the way out, and the run ends with ``Interrupted`` (one line and
exit code 130 on the command line) instead of a traceback. A second signal while that happens leaves at once:
what is still claimed is then freed by the leases, within one lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's code for a run stopped by Ctrl-C (SIGTERM too)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignal:
    """Which signal stopped the run, if any."""

    def __init__(self) -> None:
        self.name: str | None = None


@contextlib.contextmanager
def cancel_on_signals(command: str, lease_seconds: float) -> Iterator[StopSignal]:
    """While the block runs, SIGINT and SIGTERM cancel the current task (main thread only: signals are
    delivered there); a second one exits the process at once."""
    stop = StopSignal()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    loop, task = asyncio.get_running_loop(), asyncio.current_task()

    def received(signum: int) -> None:
        name = signal.Signals(signum).name
        if stop.name is not None:  # the first is still freeing the claims: the user will not wait
            print(f"{command}: {name} again: leaving at once; the orders still claimed free within "
                  f"{lease_seconds:g} s", file=sys.stderr, flush=True)
            os._exit(EXIT_INTERRUPTED)
        stop.name = name
        task.cancel()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, received, signum)
    try:
        yield stop
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
