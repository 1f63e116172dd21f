"""``--customer NAME``: a customer the configuration or the store knows, found through the aliases; a name
that matches none is a usage error that lists the closest known names."""

from __future__ import annotations

import difflib

from ..config import Config, name_key
from ..store import open_store
from .output import UsageError

CLOSE_MATCHES = 3


class UnknownCustomer(UsageError):
    """No configured or stored customer has this name or alias."""


def resolve_customer(config: Config, name: str | None) -> str | None:
    """The customer's name as the store holds it (the canonical name for configured customers); None for
    none given. UnknownCustomer (a usage error) when no customer has that name or alias."""
    if name is None:
        return None
    with open_store(config) as store:
        stored = store.customer_names()
    known = {name_key(customer.name): customer.name for customer in config.customers}
    known.update({name_key(customer): customer for customer in stored})
    canonical, _ = config.canonical_customer(name)
    if name_key(canonical) in known:
        return known[name_key(canonical)]
    spellings = {name_key(alias): c.name for c in config.customers for alias in c.aliases}
    spellings.update(known)
    close = close_matches(name_key(name), list(spellings))
    suggestion = dict.fromkeys(spellings[match] for match in close)
    hint = f"did you mean {', '.join(repr(c) for c in suggestion)}?" if suggestion else _known(known.values())
    raise UnknownCustomer(f"no customer is called {name!r}, by its name or an alias; {hint}")


def close_matches(word: str, choices: list[str]) -> list[str]:
    return difflib.get_close_matches(word, choices, n=CLOSE_MATCHES, cutoff=0.5)


def _known(names, shown: int = 10) -> str:
    names = sorted(set(names))
    if not names:
        return "no customer is known yet (nothing was ingested)"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"known customers: {', '.join(names[:shown])}{more}"
