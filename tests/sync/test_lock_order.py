"""One lock order everywhere: a transaction that writes both orders and lines writes every order row it
touches before its first line. On SQL Server two transactions taking row locks in opposite orders (an
ingest: an order, then its lines; a line's write-back: the line, then its order) deadlock; on SQLite, whose
write lock covers the whole file, the order is only visible as the sequence of statements, which is what these
tests record: every statement through the real SQLite backend, grouped by transaction.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.excel import ingest_files
from shared.store import open_store
from shared.store.sqlite import SqliteBackend
from shared.sync import run_sync
from shared.sync.planner import utc_now

from ..store.test_store import lines_by_size, make_batch, make_order, set_line
from .mirror import TOKEN, fifty_orders, sync_config, write_order_list

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"((?:[^"]|"")+)"', re.IGNORECASE)


class StatementLog:
    """Every statement the SQLite backend runs, grouped by transaction (BEGIN ... COMMIT)."""

    def __init__(self, monkeypatch):
        self.transactions: list[list[str]] = []
        self._open: list[str] | None = None
        begin, commit, execute, executemany = (SqliteBackend.begin, SqliteBackend.commit,
                                               SqliteBackend.execute, SqliteBackend.executemany)

        def logged_begin(backend, write):
            self._open = []
            return begin(backend, write)

        def logged_commit(backend):
            commit(backend)
            self.transactions.append(self._open or [])
            self._open = None

        def logged_execute(backend, sql, params=()):
            if self._open is not None:
                self._open.append(sql)
            return execute(backend, sql, params)

        def logged_executemany(backend, sql, rows):
            rows = list(rows)
            if self._open is not None and rows:
                self._open.append(sql)
            return executemany(backend, sql, rows)

        for name, method in (("begin", logged_begin), ("commit", logged_commit), ("execute", logged_execute),
                             ("executemany", logged_executemany)):
            monkeypatch.setattr(SqliteBackend, name, method)

    def writes(self, transaction: list[str], orders: str, lines: str) -> list[str]:
        """"orders" / "lines" for each statement of the transaction that writes one of the two tables."""
        names = {orders: "orders", lines: "lines"}
        found = (_WRITE.match(sql) for sql in transaction)
        return [names[match.group(1).replace('""', '"')] for match in found
                if match and match.group(1).replace('""', '"') in names]


def out_of_order(sequence: list[str]) -> bool:
    """An order row written after a line row."""
    return "orders" in sequence[sequence.index("lines"):] if "lines" in sequence else False


def test_every_store_method_that_writes_both_tables_writes_the_orders_first(tmp_path, monkeypatch):
    log = StatementLog(monkeypatch)
    config = sync_config(tmp_path)
    with open_store(config) as store:
        orders, lines = store.tables.orders, store.tables.lines
        both, seen = set(), set()

        def check(name: str, call):
            before = len(log.transactions)
            result = call()
            for transaction in log.transactions[before:]:
                sequence = log.writes(transaction, orders, lines)
                assert not out_of_order(sequence), f"{name} writes {sequence}"
                if {"orders", "lines"} <= set(sequence):
                    both.add(name)
            seen.add(name)
            return result

        a, b, c = (make_order(key, sizes=sizes) for key, sizes in (
            ("A", {"S": 1, "M": 2, "L": 3}), ("B", {"S": 1, "M": 2}), ("C", {"S": 4})))
        check("apply_ingest", lambda: store.apply_ingest(make_batch(a, b, c, name="first.xlsx")))
        uuids = {key: order.record_uuid for key, order in store.orders_by_key(["A", "B", "C"]).items()}
        now = utc_now()
        check("claim_orders", lambda: store.claim_orders(list(uuids.values()), "worker", now,
                                                          now + timedelta(minutes=15)))
        # While the worker holds them: A's sizes change, B loses M (kept REMOVED: it is in flight), D is new.
        changed_a, changed_b = make_order("A", sizes={"S": 5, "M": 2}), make_order("B", sizes={"S": 1})
        check("apply_ingest", lambda: store.apply_ingest(make_batch(changed_a, changed_b, make_order("D"),
                                                                    name="second.xlsx")))
        a_lines, b_lines = lines_by_size(store, "A"), lines_by_size(store, "B")
        set_line(store, "A", "L", monday_subitem_id="sub-L")
        worker = store.claimed_by("worker")
        check("order_synced", lambda: worker.order_synced(uuids["A"], "item-A", "group", a.row_hash, now))
        check("line_synced", lambda: worker.line_synced(a_lines["S"].line_uuid, "sub-S", "item-A", "5", now))
        check("line_failed", lambda: worker.line_failed(a_lines["M"].line_uuid, "2", "refused", 1,
                                                        now + timedelta(minutes=1), now))
        check("line_subitem_gone", lambda: worker.line_subitem_gone(a_lines["S"].line_uuid, now))
        check("line_deleted", lambda: worker.line_deleted(a_lines["L"].line_uuid))
        check("forget_lines", lambda: worker.forget_lines([b_lines["M"].line_uuid]))
        check("order_failed", lambda: worker.order_failed(uuids["B"], b.row_hash, "refused", 1, None, now))
        check("order_item_gone", lambda: worker.order_item_gone(uuids["C"], now))
        check("release_claim", lambda: store.release_claim("worker"))

    assert both == {"apply_ingest", "line_synced", "line_failed", "line_subitem_gone", "line_deleted",
                    "forget_lines", "order_item_gone"}
    assert seen >= both | {"order_synced", "order_failed", "claim_orders", "release_claim"}


def test_a_whole_sync_with_failures_keeps_the_lock_order_in_every_transaction(tmp_path, emulator,
                                                                               monkeypatch):
    config = sync_config(tmp_path, max_attempts=3, retry_base_seconds=0)
    config = replace(config, monday=replace(config.monday, max_retries=1))
    rows = fifty_orders(bad_method_at=3)[:8]  # one item monday refuses
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", rows)])
    log = StatementLog(monkeypatch)
    emulator.faults.add("fail_alias", match="create_subitem", code="ColumnValueException",
                        message="invalid value for numbers_qty")  # a size monday refuses
    first = run_sync(config, url=emulator.url, token=TOKEN)
    rows[0][9], rows[1][10] = 7, 0  # a size changes, another is removed
    ingest_files(config, [write_order_list(tmp_path / "greyson-2.xlsx", rows)])
    second = run_sync(config, url=emulator.url, token=TOKEN)

    assert sorted(failure.record for failure in first.failed) == ["item", "size M"]
    assert first.items_created == 7
    assert second.subitems_updated >= 1 and second.subitems_deleted >= 1
    with open_store(config) as store:
        orders, lines = store.tables.orders, store.tables.lines
    sequences = [log.writes(transaction, orders, lines) for transaction in log.transactions]
    assert sum({"orders", "lines"} <= set(sequence) for sequence in sequences) >= 5
    assert [sequence for sequence in sequences if out_of_order(sequence)] == []


@pytest.mark.parametrize("sequence, wrong", [
    (["orders", "lines", "lines"], False), (["lines"], False), (["orders", "lines", "orders"], True),
    (["lines", "orders"], True)])
def test_out_of_order_means_an_order_written_after_a_line(sequence, wrong):
    assert out_of_order(sequence) == wrong
