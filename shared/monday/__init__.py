"""monday.com out: the GraphQL client (transport and retries, complexity budget, batched writes, reads and
adoption), column values, the board's description and mapping check, and the documents it
sends (``graphql/``).
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "BoardItem": "snapshot",
    "BoardSnapshot": "snapshot",
    "BoardSchema": "board",
    "FoundSubitem": "records",
    "ItemArchive": "records",
    "ItemCreate": "records",
    "ItemMove": "records",
    "ItemUpdate": "records",
    "MondayClient": "client",
    "SubitemCreate": "records",
    "SubitemDelete": "records",
    "SubitemUpdate": "records",
    "WriteResult": "records",
    "id_order": "adoption",
    "clean_text": "shown_values",
    "read_board_schema": "client",
    "shows_value": "shown_values",
    "ProvisionProblems": "provision",
    "missing_columns": "provision",
    "provision_text": "provision",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
