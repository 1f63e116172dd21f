"""Configuration: loading and checking ``configs/*.toml`` (environments, excel, orders, customers, sync,
monday) and the name templates. Everything else reads its settings from the :class:`Config` made here.
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "Config": "settings",
    "Environment": "settings",
    "SyncSettings": "settings",
    "name_key": "settings",
    "normalise_name": "settings",
    "normalise_text": "settings",
    "redacted_database": "settings",
    "PROVISION_TYPES": "settings",
    "DEFAULT_CONFIG_PATH": "loader",
    "load_config": "loader",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
