"""What each operation costs, in complexity points per mutation (per request for reads): learnt from the
``complexity.query`` of monday's answers, and handed in and out so a caller can remember it between runs (the
sync engine keeps it in the store), so no request has to wait to learn a price.

Until an operation's cost is known it is estimated at the dearest cost monday documents for a mutation
(30,000: its own budget error shows a create costing 30,001; the best-practice page says 10,000), which never
under-reserves: the first answer then gives the real figure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

DOCUMENTED_UNIT_COST = 30_000.0  # the dearest documented cost of one mutation
_MAX_OPERATIONS = 50  # a remembered table larger than this is not ours


class UnitCosts:
    """Operation -> complexity per unit: learnt in this client, else remembered, else documented."""

    def __init__(self, remembered: Mapping[str, float] | None = None):
        self.learnt: dict[str, float] = {}
        self.remembered: dict[str, float] = dict(remembered or {})

    def unit(self, operation: str) -> float:
        return self.learnt.get(operation) or self.remembered.get(operation) or DOCUMENTED_UNIT_COST

    def estimate(self, operation: str, units: int) -> float:
        return self.unit(operation) * units

    def learn(self, operation: str, units: int, cost: float) -> None:
        """One answer's ``complexity.query`` for ``units`` mutations; the dearest seen in this client wins."""
        if cost > 0 and units > 0:
            self.learnt[operation] = max(self.learnt.get(operation, 0.0), cost / units)

    def remember(self, costs: Mapping[str, float]) -> None:
        """Costs known from before (an earlier run); what this client has learnt itself stays."""
        self.remembered.update(costs)

    def known(self) -> dict[str, float]:
        """What to remember for the next run: this client's figures over the remembered ones (so a price
        monday has lowered comes down again)."""
        return {**self.remembered, **self.learnt}

    @staticmethod
    def to_json(costs: Mapping[str, float]) -> str:
        rounded = {name: round(cost, 3) for name, cost in sorted(costs.items())}
        return json.dumps(rounded, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> dict[str, float]:
        """A remembered table; ValueError, saying why, when the text is not one."""
        try:
            costs = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(costs, dict) or len(costs) > _MAX_OPERATIONS:
            raise ValueError(f"expected an object of at most {_MAX_OPERATIONS} operation: cost pairs")
        for name, cost in costs.items():
            if not isinstance(cost, int | float) or isinstance(cost, bool) or not 0 < cost < 1e9:
                raise ValueError(f"the cost of {name!r} is {cost!r}, not a positive number of points")
        return {str(name): float(cost) for name, cost in costs.items()}
