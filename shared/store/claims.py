"""Claims: which orders need monday work now, claiming them for one sync run (so two runs never send the same
order), releasing the claim, and loading the claimed batch with its lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..common.records import LineRow, LineState, OrderRow, OrderState
from ..config import SyncSettings
from .order_reads import OrderReadsMixin
from .timestamps import timestamp_text


class ClaimsMixin(OrderReadsMixin):
    """The sync run's claims on the orders of :class:`OrderStore`."""

    def pending_orders(self, settings: SyncSettings, now: datetime, *, customer: str | None = None,
                       limit: int | None = None) -> list[tuple[str, str]]:
        """(record_uuid, customer) of the unclaimed orders that need monday work now, customer by customer.

        NEW and CHANGED orders; FAILED ones not yet parked whose next attempt is due; REMOVED ones (their item
        is to be archived) likewise; SYNCED ones with a NEW/CHANGED line, or a FAILED/REMOVED line not yet
        parked when the order's next attempt is due (a REMOVED line that never got a subitem is always due:
        it only needs dropping).
        """
        def read() -> list[tuple[str, str]]:
            customer_column = self.customer_column()
            if customer_column is None:
                return []  # nothing was ever ingested
            moment = timestamp_text(now)
            due = "(o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
            where = (
                f"FROM {self.orders_table} o WHERE (o.claim_id IS NULL OR o.claimed_until < ?) AND ("
                f"o.sync_state IN (?, ?) "
                f"OR (o.sync_state IN (?, ?) AND o.sync_attempts < ? AND {due}) "
                f"OR (o.sync_state = ? AND EXISTS (SELECT 1 FROM {self.lines_table} l "
                f"WHERE l.record_uuid = o.record_uuid AND (l.sync_state IN (?, ?) "
                f"OR (l.sync_state = ? AND l.monday_subitem_id IS NULL) "
                f"OR (l.sync_state IN (?, ?) AND l.sync_attempts < ? AND {due})))))")
            params: list = [moment, OrderState.NEW, OrderState.CHANGED, OrderState.FAILED,
                            OrderState.REMOVED, settings.max_attempts, moment, OrderState.SYNCED,
                            LineState.NEW, LineState.CHANGED, LineState.REMOVED, LineState.FAILED,
                            LineState.REMOVED, settings.max_attempts, moment]
            if customer is not None:
                where += f" AND o.{customer_column} = ?"
                params.append(customer)
            where += f" ORDER BY o.{customer_column}, o.ingested_at, o.business_key"
            columns_sql = f"o.record_uuid, o.{customer_column}"
            if limit is None:
                return self.query(f"SELECT {columns_sql} {where}", params)
            sql, all_params = self.dialect.select_first(limit, columns_sql, where, tuple(params))
            return self.query(sql, all_params)

        return [(record_uuid, name or "") for record_uuid, name in self.run_in_transaction(read, write=False)]

    def claim_orders(self, record_uuids: Sequence[str], claim_id: str, now: datetime, claimed_until: datetime,
                     *, from_claim: str | None = None) -> list[str]:
        """Claim those of these orders that are free (no claim, an expired one, or ``from_claim``); returns
        the ones this claim now holds. Concurrent claimers never both win an order: the UPDATE is
        conditional and the winners are re-read."""
        def claim() -> list[str]:
            condition = "claim_id IS NULL OR claimed_until < ?" + (" OR claim_id = ?" if from_claim else "")
            head = (claim_id, timestamp_text(claimed_until), timestamp_text(now),
                    *((from_claim,) if from_claim else ()))
            self.execute_in(lambda marks: f"UPDATE {self.orders_table} SET claim_id = ?, claimed_until = ? "
                                          f"WHERE ({condition}) AND record_uuid IN ({marks})",
                            record_uuids, head)
            taken = {row[0] for row in self.select_in(
                lambda marks: f"SELECT record_uuid FROM {self.orders_table} WHERE claim_id = ? "
                              f"AND record_uuid IN ({marks})", list(record_uuids), (claim_id,))}
            return [record_uuid for record_uuid in record_uuids if record_uuid in taken]

        return self.run_in_transaction(claim)

    def renew_claims(self, claim_ids: Sequence[str], claimed_until: datetime) -> dict[str, int]:
        """Extend these claims (a live worker's heartbeat) to ``claimed_until``; per claim, how many orders
        it still holds. An order another claim took meanwhile (this one had lapsed) stays with that one."""
        def renew() -> dict[str, int]:
            until = timestamp_text(claimed_until)
            return {claim_id: self.execute(
                f"UPDATE {self.orders_table} SET claimed_until = ? WHERE claim_id = ?",
                (until, claim_id)).rowcount for claim_id in claim_ids}

        return self.run_in_transaction(renew)

    def live_claims(self, now: datetime) -> list[dict]:
        """The claims holding orders now, soonest to free first: ``claim_id``, ``orders``, ``customers``,
        ``claimed_until`` (when the orders free unless the holder renews it)."""
        def read() -> list[dict]:
            customer_column = self.customer_column()
            if customer_column is None:
                return []  # nothing was ever ingested
            customer = f"o.{customer_column}"
            rows = self.query(
                f"SELECT o.claim_id, {customer}, COUNT(*), MAX(o.claimed_until) FROM {self.orders_table} o "
                f"WHERE o.claim_id IS NOT NULL AND o.claimed_until >= ? GROUP BY o.claim_id, {customer}",
                (timestamp_text(now),))
            claims: dict[str, dict] = {}
            for claim_id, name, orders, until in rows:
                claim = claims.setdefault(claim_id, {"claim_id": claim_id, "orders": 0, "customers": [],
                                                     "claimed_until": until})
                claim["orders"] += int(orders)
                claim["customers"] = sorted({*claim["customers"], name or ""})
                claim["claimed_until"] = max(claim["claimed_until"], until)
            return sorted(claims.values(), key=lambda claim: (claim["claimed_until"], claim["claim_id"]))

        return self.run_in_transaction(read, write=False)

    def release_claim(self, claim_id: str) -> int:
        """Free the orders this claim still holds; how many it held."""
        return self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET claim_id = NULL, claimed_until = NULL WHERE claim_id = ?",
            (claim_id,)).rowcount)

    def load_batch(self, record_uuids: Sequence[str], *, claim_id: str | None = None
                   ) -> tuple[list[OrderRow], list[LineRow]]:
        """The current rows of these orders (only those ``claim_id`` holds, when given), their lines."""
        def read() -> tuple[list[OrderRow], list[LineRow]]:
            orders = self._select_orders("record_uuid", list(record_uuids), claim_id=claim_id)
            position = {record_uuid: index for index, record_uuid in enumerate(record_uuids)}
            orders.sort(key=lambda order: position[order.record_uuid])
            return orders, self.lines_of([order.record_uuid for order in orders])

        return self.run_in_transaction(read, write=False)
