"""The valid rows of a file on their way to the store, spooled to a temporary file in chunks as they are read.

A file's rows cannot go to the store as they are read: a key shared with a row further down rejects both,
and that is known only at the end. Holding every row until then made memory grow with the file (516 MB for
100,000 rows x 256 columns); a spool keeps one chunk in memory and the rest on disk, and can be read again
from the start (a transaction retried on Azure SQL reads it again).
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator

CHUNK_ROWS = 2000


class OrderSpool:
    """Append-only rows (any picklable tuples) in chunks of :data:`CHUNK_ROWS`; iterate to read them back."""

    def __init__(self, chunk_rows: int = CHUNK_ROWS):
        self._chunk_rows = chunk_rows
        self._file = tempfile.TemporaryFile(prefix="ordersync-spool-")
        self._pending: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self._pending.append(row)
        self.count += 1
        if len(self._pending) >= self._chunk_rows:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._file.seek(0, 2)
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def chunks(self) -> Iterator[list[tuple]]:
        """Every row added so far, chunk by chunk, from the first."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk = pickle.load(self._file)
            except EOFError:
                return
            position = self._file.tell()
            yield chunk
            self._file.seek(position)  # the caller may have read another pass meanwhile

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:
        self._file.close()
