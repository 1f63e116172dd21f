"""The store tests' fixtures, defined with the store suite (test_store.py) and shared with its neighbours."""

from .test_store import store, store_config  # noqa: F401
