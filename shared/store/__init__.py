"""The order store: orders and their size lines, claims and write-back, the ingest log, group locks, retry,
reconcile's reads and marks, and migrations, in SQLite (the default) or Azure SQL behind one small dialect
seam.
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "off_loop": ("AsyncStore", "store_off_loop", "when_saved"),
    "board_repairs": ("MirrorRows",),
    "ingest_log": ("ACCEPTED", "DUPLICATE", "REJECTED"),
    "ingest_writer": ("DuplicateIngest", "MAX_BUSINESS_KEY", "MAX_SIZE_CODE"),
    "order_store": ("OrderStore", "open_store"),
    "retry": ("RetryCounts",),
    "runs": ("RunRecord",),
    "schema": ("IngestRefused", "MAX_ORDER_COLUMNS", "check_column_name"),
})
