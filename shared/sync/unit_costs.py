"""What monday's operations cost, remembered between runs: read from the store into the client before a batch
and written back after it, through the store for async code (sync state ``monday.unit_costs.<api version>``:
JSON, operation -> complexity points per mutation), so a run's first requests are paced by the prices monday
charged last time instead of the documented ones, and none waits to learn a price. A new API version starts
from the documented costs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..config import Config
from ..monday import MondayClient, UnitCosts

if TYPE_CHECKING:
    from ..store import AsyncStore

log = logging.getLogger(__name__)


def state_name(config: Config) -> str:
    return f"monday.unit_costs.{config.monday.api_version}"


async def load_unit_costs(config: Config, store: AsyncStore, client: MondayClient) -> None:
    """Hand the remembered costs to the client (an unreadable value is reported and left aside)."""
    text = await store.read_state(state_name(config))
    if not text:
        return
    try:
        client.unit_costs.remember(UnitCosts.from_json(text))
    except ValueError as exc:
        log.warning("sync state %s is not a table of costs (%s); monday's documented costs are used until "
                    "this run has learnt the real ones", state_name(config), exc)


async def save_unit_costs(config: Config, store: AsyncStore, client: MondayClient) -> None:
    """Keep what the client knows now for the next run, when it differs from what was remembered."""
    costs = client.unit_costs
    if costs.known() != costs.remembered:
        await store.write_state(state_name(config), UnitCosts.to_json(costs.known()))
