"""``board provision``: create on the board (and its subitems board) every mapped column it lacks, with the
configured id, a title from the Excel column, the configured or id-given type, and for status and dropdown
columns the labels the stored orders hold; then check the mapping again. Creating nothing twice: a column
already on the board is left alone, so running it again creates nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..config import Config
from ..monday import MondayClient, board, missing_columns
from ..store import open_store


@dataclass
class ProvisionReport:
    dry_run: bool
    created: list = field(default_factory=list)  # ColumnToCreate; in a dry run, those to be created
    problems_after: list = field(default_factory=list)  # MappingProblem: the board check once created

    @property
    def ok(self) -> bool:
        return not self.problems_after

    def to_dict(self) -> dict:
        return {"ok": self.ok, "dry_run": self.dry_run, "created": [c.to_dict() for c in self.created],
                "problems_after": [problem.__dict__ for problem in self.problems_after]}


def provision_board(config: Config, *, dry_run: bool = False, url: str | None = None,
                    token: str | None = None) -> ProvisionReport:
    """Raises ProvisionProblems (nothing created) when a missing column cannot be made as configured."""
    return asyncio.run(_provision(config, dry_run, url, token))


async def _provision(config: Config, dry_run: bool, url: str | None, token: str | None) -> ProvisionReport:
    env = config.environment
    report = ProvisionReport(dry_run)
    async with MondayClient(config, url=url, token=token) as client:
        schema = await client.board_schema()
        with open_store(config) as store:
            def labels_of(side: str, source: str) -> list[str]:
                if not source:
                    return []
                return store.distinct_order_values(source) if side == "items" else \
                    store.distinct_line_values(source)

            report.created = missing_columns(schema, env, labels_of)
        if dry_run:
            return report
        for column in report.created:
            await client.create_column(column.board_id, column.column_id, column.title, column.type,
                                       column.defaults())
        schema = await client.board_schema()
    report.problems_after = board.check(schema, env.key_column, env.item_columns, env.subitem_columns)
    return report
