"""Configuration: loading and checking ``configs/*.toml`` (environments, excel, orders, customers, sync,
monday) and the name templates. Everything else reads its settings from the :class:`Config` made here.
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "loader": ("DEFAULT_CONFIG_PATH", "load_config"),
    "settings": ("Config", "Environment", "ExcelSettings", "PROVISION_TYPES", "SyncSettings", "name_key",
                 "normalise_name", "normalise_text", "redacted_database"),
})
