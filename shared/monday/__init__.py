"""monday.com out: the GraphQL client (transport and retries, complexity budget, batched writes, reads and
adoption), column values, the board's description and mapping check, and the documents it
sends (``graphql/``).
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "adoption": ("id_order",),
    "board": ("BoardSchema", "group_ids_by_title"),
    "client": ("MondayClient", "read_board_schema"),
    "provision": ("ProvisionProblems", "missing_columns", "provision_text"),
    "records": ("FoundSubitem", "ItemArchive", "ItemCreate", "ItemMove", "ItemUpdate", "SubitemCreate",
                "SubitemDelete", "SubitemUpdate", "WriteResult"),
    "shown_values": ("clean_text", "shows_value"),
    "snapshot": ("BoardItem", "BoardSnapshot"),
    "unit_costs": ("UnitCosts",),
})
