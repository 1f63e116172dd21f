"""Excel in: the streaming xlsx reader, the validation and normalisation of an order list (customers,
business key, row hash) and the file report; an accepted file's orders go into the store in one transaction.
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "ingest": ("ingest_file", "ingest_files"),
    "order_list": ("sha256_of",),
    "report": ("ACCEPTED", "FileReport", "IngestReport", "REJECTED", "RowIssue"),
})
