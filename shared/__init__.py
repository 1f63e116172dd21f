"""ordersync: keeps a monday.com board an exact, live mirror of the order book held in SQL."""

from .common.version import VERSION as __version__

__all__ = ["__version__"]
