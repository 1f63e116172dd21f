"""The order store: orders and their size lines, claims and write-back, the ingest log, group locks and
migrations, in SQLite (the default) or Azure SQL behind one small dialect seam.
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "ACCEPTED": "order_store",
    "DUPLICATE": "order_store",
    "DuplicateIngest": "order_store",
    "MAX_BUSINESS_KEY": "order_store",
    "MAX_SIZE_CODE": "order_store",
    "OrderStore": "order_store",
    "REJECTED": "order_store",
    "check_column_name": "order_store",
    "open_store": "order_store",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
