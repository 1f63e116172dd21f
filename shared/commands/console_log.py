"""Where the command line's log goes: stderr (warnings; info with -v, debug with -vv) and, with
``--log-file``, a file with time stamps.

A record the run summary also reports (a failed record) is left off stderr unless -v: each failure is
printed once, in the summary. The log file keeps everything.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from ..common.errors import ConfigError

CONSOLE_FORMAT = "%(levelname_lower)s: %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY_LIBRARIES = ("azure", "aiohttp", "urllib3")  # their info lines drown ours; shown with -vv


class _ConsoleRecords(logging.Filter):
    def __init__(self, show_summarised: bool):
        super().__init__()
        self.show_summarised = show_summarised

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelname_lower = record.levelname.lower()
        return self.show_summarised or not getattr(record, "in_summary", False)


class _ConsoleHandler(logging.StreamHandler):
    """stderr; once the progress line is in use (tqdm loaded), above it, through ``tqdm.write``."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm = sys.modules.get("tqdm")
        if tqdm is None:
            super().emit(record)
            return
        try:
            tqdm.tqdm.write(self.format(record), file=self.stream)
        except Exception:  # as logging.StreamHandler does: report, never raise into the work
            self.handleError(record)


@contextlib.contextmanager
def command_logging(verbose: int, log_file: str | None) -> Iterator[None]:
    """Send the log to stderr (and the file) while a command runs; restore the logging state after."""
    root = logging.getLogger()
    console = _ConsoleHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING)
    console.addFilter(_ConsoleRecords(show_summarised=verbose >= 1))
    console.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    handlers: list[logging.Handler] = [console]
    if log_file:
        try:
            file_handler = logging.FileHandler(Path(log_file), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(log_file, "--log-file",
                              f"cannot be opened for writing: {exc.strerror}") from None
        file_handler.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
        handlers.append(file_handler)
    saved_level = root.level
    quieted = {name: logging.getLogger(name).level for name in NOISY_LIBRARIES}
    root.setLevel(min(handler.level for handler in handlers))
    if verbose < 2:
        for name in NOISY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(saved_level)
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)
