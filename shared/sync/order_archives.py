"""Archives inside a batch: a REMOVED order's item is archived (``archive_item``, never ``delete_item``:
monday keeps it, with its subitems, in the board's archive) and the order becomes ARCHIVED. A REMOVED order
that never had an item becomes ARCHIVED without a call. An item already gone counts as archived.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..monday import ItemArchive, WriteResult
from .batch_steps import result_message
from .plan import OrderArchive
from .planner import utc_now

if TYPE_CHECKING:
    from .batch import BatchSync


class OrderArchives:
    """BatchSync's archives (a mixin: it uses the batch's store, client, summary and write-back)."""

    async def archive_orders(self: BatchSync, archives: Sequence[OrderArchive],
                             never_sent: Sequence[str]) -> None:
        for record_uuid in never_sent:
            self.store.order_archived(record_uuid, utc_now())
            self.summary.orders_forgotten += 1
        requests = [ItemArchive(ref=archive.record_uuid, item_id=archive.item_id) for archive in archives]

        def success(result: WriteResult) -> None:
            self.store.order_archived(result.ref, utc_now())
            self.summary.items_archived += 1

        def failure(result: WriteResult) -> None:  # the order stays REMOVED: retried, parked at max_attempts
            order = self.orders[result.ref]
            attempts, next_attempt = self.failure_schedule(order.sync_attempts)
            self.store.order_archive_failed(order.record_uuid, result_message(result), attempts,
                                            next_attempt, utc_now())
            self.record_failure(order.business_key, "item archive", result, attempts, next_attempt)

        await self.send(self.client.archive_items, requests, success, failure)
