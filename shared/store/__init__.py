"""The order store: orders and their size lines, claims and write-back, the ingest log, group locks, retry,
reconcile's reads and marks, and migrations, in SQLite (the default) or Azure SQL behind one small dialect
seam.
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "ACCEPTED": "ingest_log",
    "DUPLICATE": "ingest_log",
    "DuplicateIngest": "ingest_writer",
    "IngestRefused": "schema",
    "MAX_ORDER_COLUMNS": "schema",
    "MAX_BUSINESS_KEY": "ingest_writer",
    "MAX_SIZE_CODE": "ingest_writer",
    "MirrorRows": "board_repairs",
    "OrderStore": "order_store",
    "REJECTED": "ingest_log",
    "RetryCounts": "retry",
    "RunRecord": "runs",
    "check_column_name": "schema",
    "open_store": "order_store",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
