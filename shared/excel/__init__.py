"""Excel in: the streaming xlsx reader, the validation and normalisation of an order list (customers,
business key, row hash) and the file report; an accepted file's orders go into the store in one transaction.
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "ACCEPTED": "report",
    "FileReport": "report",
    "IngestReport": "report",
    "REJECTED": "report",
    "RowIssue": "report",
    "sha256_of": "order_list",
    "ingest_file": "ingest",
    "ingest_files": "ingest",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
