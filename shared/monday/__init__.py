"""monday.com out: the GraphQL client (transport and retries, complexity budget, batched writes, reads and
adoption), column values, the board's description and mapping check, and the documents it
sends (``graphql/``).
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "FoundSubitem": "records",
    "ItemCreate": "records",
    "ItemUpdate": "records",
    "MondayClient": "client",
    "SubitemCreate": "records",
    "SubitemDelete": "records",
    "SubitemUpdate": "records",
    "UnitCosts": "unit_costs",
    "WriteResult": "records",
    "id_order": "adoption",
    "read_board_schema": "client",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
