"""The SQL Server backend without a SQL Server: no server nor ODBC driver can run here, so pyodbc's connect is
replaced by a stand-in connection, and the errors are the real pyodbc exception classes carrying SQLSTATEs and
messages in the form the Microsoft ODBC driver gives them.
"""

from __future__ import annotations

import dataclasses
import struct

import pyodbc
import pytest

from shared.common.errors import StoreError
from shared.config import load_config
from shared.store import mssql
from shared.store.migrations import Tables
from shared.store.order_store import OrderStore, open_store

from ..conftest import DEFAULT_CONFIG


# -- secrets -----------------------------------------------------------------------------------------------
def test_connection_string_and_password_never_shown(tmp_path):
    # No ODBC driver is installed here, so pyodbc fails to connect: exactly the error path worth checking.
    secret = "Pa55;w0rd}}x"
    text = (f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:example.database.windows.net,1433;"
            f"Database=orders;UID=ordersync;PWD={{{secret}}}")
    config = load_config(DEFAULT_CONFIG)
    config = dataclasses.replace(config, environment=dataclasses.replace(config.environment, database=text))
    with pytest.raises(StoreError) as caught:
        open_store(config)
    shown = f"{caught.value} {caught.value!r}"
    assert "example.database.windows.net" in shown
    assert "Pa55" not in shown and text not in shown and caught.value.__cause__ is None
    settings = mssql.ConnectionSettings.from_config(text)
    assert "Pa55" not in repr(settings) and "Pa55" not in str(settings)
    assert settings.redact(f"login failed for {text} with Pa55;w0rd}}x") == "login failed for *** with ***"


# -- SQL Server pieces that run without a server -----------------------------------------------------------
def test_connection_string_gets_driver_and_encryption_and_token_auth():
    settings = mssql.ConnectionSettings.from_config("Server=tcp:db.example.net,1433;Database=orders")
    assert settings.connection_string == ("Driver={ODBC Driver 18 for SQL Server};"
                                          "Server=tcp:db.example.net,1433;Database=orders;Encrypt=yes")
    assert settings.uses_token and settings.describe() == "tcp:db.example.net,1433/orders"
    kept = mssql.ConnectionSettings.from_config("DRIVER={ODBC Driver 17 for SQL Server};SERVER=x;ENCRYPT=no;"
                                                "Authentication=ActiveDirectoryMsi")
    assert kept.connection_string == "DRIVER={ODBC Driver 17 for SQL Server};SERVER=x;ENCRYPT=no;" \
                                     "Authentication=ActiveDirectoryMsi"
    assert not kept.uses_token
    assert not mssql.ConnectionSettings.from_config("Server=x;Uid=u;Pwd=p").uses_token
    with pytest.raises(StoreError, match="malformed"):
        mssql.ConnectionSettings.from_config("Server=x;Pwd={never closed")


def test_access_token_struct_is_length_prefixed_utf16():
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOi.payload.signature"
    packed = mssql.access_token_struct(token)
    (length,) = struct.unpack_from("<I", packed)
    assert length == 2 * len(token) == len(packed) - 4
    assert packed[4:] == bytes(byte for char in token.encode() for byte in (char, 0))  # byte, then zero
    assert packed[4:].decode("utf-16-le") == token


def odbc_error(number: int, sqlstate: str = "42000"):
    """A real pyodbc exception carrying a SQL Server error number the way the driver formats it."""
    return pyodbc.OperationalError(sqlstate, f"[{sqlstate}] [Microsoft][ODBC Driver 18 for SQL Server]"
                                             f"[SQL Server]Something happened. ({number}) (SQLExecDirectW)")


@pytest.mark.parametrize("number", sorted(mssql.TRANSIENT_ERROR_NUMBERS))
def test_documented_transient_errors_are_retried(number):
    sleeps, calls = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise odbc_error(number)
        return "done"

    assert mssql.call_with_retries(flaky, mssql.RetryPolicy(attempts=5), sleep=sleeps.append,
                                   jitter=lambda: 0.5) == "done"
    assert len(calls) == 3 and sleeps == [0.75, 1.5]


@pytest.mark.parametrize("number", [2627, 208, 547, 18456])  # duplicate key, bad object, FK, login failed
def test_other_errors_are_not_retried(number):
    calls = []

    def failing():
        calls.append(1)
        raise odbc_error(number)

    with pytest.raises(Exception, match=f"\\({number}\\)"):
        mssql.call_with_retries(failing, mssql.RetryPolicy(), sleep=lambda _: pytest.fail("slept"))
    assert len(calls) == 1


def test_retries_are_bounded_and_delays_capped():
    sleeps, calls = [], []

    def always_busy():
        calls.append(1)
        raise odbc_error(40501)

    policy = mssql.RetryPolicy(attempts=6, base_seconds=2, max_seconds=10)
    with pytest.raises(Exception, match="40501"):
        mssql.call_with_retries(always_busy, policy, sleep=sleeps.append, jitter=lambda: 1.0)
    assert len(calls) == 6
    assert sleeps == [2, 4, 8, 10, 10]
    assert all(policy.delay(retry, 0.0) == min(10, 2 * 2 ** (retry - 1)) / 2 for retry in range(1, 6))


class FakeConnection:
    """Stands in for a pyodbc connection: no SQL Server (nor its ODBC driver) can run here. ``failures`` are
    raised by the next statements (or by ``commit`` when ``fail_commit``); after a dropped-connection error
    the connection is dead, as a real one is: every later call raises it again."""

    def __init__(self, failures: list, fail_commit: bool = False):
        self.failures, self.fail_commit, self.executed, self.closed = failures, fail_commit, [], False
        self.rolled_back = self.committed = 0
        self.dead: BaseException | None = None

    def _check(self):
        if self.dead is not None:
            raise self.dead
        if self.failures:
            failure = self.failures.pop(0)
            if "08S01" in failure.args:
                self.dead = failure
            raise failure

    def execute(self, sql, *params):
        if not self.fail_commit:
            self._check()
        self.executed.append((sql, params))
        return self

    def commit(self):
        if self.fail_commit:
            self._check()
        self.committed += 1

    def rollback(self):
        if self.dead is not None:
            raise self.dead
        self.rolled_back += 1

    def close(self):
        self.closed = True


def test_sql_server_backend_retries_connect_and_whole_transaction(monkeypatch):
    failures = [odbc_error(40197)]  # the first statement fails: run the transaction again, newly connected
    connections, connect_calls = [], []

    def connect(text, autocommit, attrs_before):
        connect_calls.append(attrs_before)
        if len(connect_calls) == 1:
            raise odbc_error(40613, "08001")  # database not currently available: retry the connect
        connections.append(FakeConnection(failures))
        return connections[-1]

    monkeypatch.setattr(pyodbc, "connect", connect)
    monkeypatch.setattr(mssql, "entra_access_token", lambda: "tok")
    backend = mssql.MssqlBackend(mssql.ConnectionSettings.from_config("Server=x;Database=y"),
                                 mssql.RetryPolicy(attempts=3, base_seconds=0, max_seconds=0))
    assert connect_calls[-1] == {mssql.SQL_COPT_SS_ACCESS_TOKEN: mssql.access_token_struct("tok")}
    store = OrderStore(backend, Tables.of(load_config(DEFAULT_CONFIG).environment), max_attempts=5)
    runs = []

    def work():
        runs.append(1)
        store.execute("UPDATE [X] SET sync_state = ? WHERE record_uuid = ?", ("NEW", "u1"))
        return "ok"

    assert store.run_in_transaction(work) == "ok"
    assert len(runs) == 2 and len(connect_calls) == 3
    assert connections[0].closed and connections[0].rolled_back == 1
    assert connections[1].executed == [("UPDATE [X] SET sync_state = ? WHERE record_uuid = ?", ("NEW", "u1"))]
    assert connections[1].committed == 1
    failures.append(odbc_error(2627))
    with pytest.raises(StoreError, match="mssql database error: .*2627"):
        store.run_in_transaction(work)
    assert len(connect_calls) == 3  # a permanent error is not retried and keeps the connection


# -- lock conflicts and dropped connections ------------------------------------------------------------------
DRIVER = "[Microsoft][ODBC Driver 18 for SQL Server]"
DEADLOCK = pyodbc.Error(
    "40001", f"[40001] {DRIVER}[SQL Server]Transaction (Process ID 57) was deadlocked on lock resources with "
             f"another process and has been chosen as the deadlock victim. Rerun the transaction. (1205) "
             f"(SQLExecDirectW)")
LOCK_TIMEOUT = pyodbc.Error(
    "HY000", f"[HY000] {DRIVER}[SQL Server]Lock request time out period exceeded. (1222) (SQLExecDirectW)")
CONNECTION_RESET = pyodbc.OperationalError(
    "08S01", f"[08S01] {DRIVER}TCP Provider: An existing connection was forcibly closed by the remote "
             f"host.\r\n (10054) (SQLExecDirectW); [08S01] {DRIVER}Communication link failure (10054)")
LINK_FAILURE = pyodbc.OperationalError(
    "08S01", f"[08S01] {DRIVER}Communication link failure (0) (SQLExecDirectW)")


def sql_server_store(monkeypatch, *failures_per_connection: list, fail_commit: bool = False):
    """An OrderStore over MssqlBackend on stand-in connections: connection n meets failures_per_connection[n]
    (at its statements, or at its commit), later connections none. No waits between tries."""
    connections = []

    def connect(text, autocommit, attrs_before):
        failures = list(failures_per_connection[len(connections)]) if len(connections) < len(
            failures_per_connection) else []
        connections.append(FakeConnection(failures, fail_commit=fail_commit and bool(failures)))
        return connections[-1]

    monkeypatch.setattr(pyodbc, "connect", connect)
    monkeypatch.setattr(mssql, "entra_access_token", lambda: "tok")
    backend = mssql.MssqlBackend(mssql.ConnectionSettings.from_config("Server=x;Database=y"),
                                 mssql.RetryPolicy(attempts=5, base_seconds=0, max_seconds=0))
    tables = Tables.of(load_config(DEFAULT_CONFIG).environment)
    return OrderStore(backend, tables, max_attempts=5), connections


@pytest.mark.parametrize("failure", [DEADLOCK, LOCK_TIMEOUT, CONNECTION_RESET, LINK_FAILURE],
                         ids=["deadlock victim 1205", "lock timeout 1222", "connection reset 08S01 10054",
                              "communication link failure 08S01"])
@pytest.mark.parametrize("fail_commit", [False, True], ids=["at a statement", "at commit"])
def test_lock_conflicts_and_dropped_connections_rerun_the_whole_transaction_on_a_new_connection(
        monkeypatch, failure, fail_commit):
    store, connections = sql_server_store(monkeypatch, [failure], fail_commit=fail_commit)
    runs = []

    def work():  # orders, then lines: the whole transaction runs again, not just the failed statement
        runs.append(1)
        store.execute("UPDATE [ORDER_LIST_V2] SET sync_state = ? WHERE record_uuid = ?", ("NEW", "u1"))
        store.execute("UPDATE [ORDER_LIST_LINES] SET sync_state = ? WHERE record_uuid = ?", ("NEW", "u1"))
        return "done"

    assert store.run_in_transaction(work) == "done"
    assert len(runs) == 2 and len(connections) == 2
    first, second = connections
    assert first.closed and first.committed == 0  # replaced, never used again after the failure
    assert [sql for sql, _ in second.executed] == [
        "UPDATE [ORDER_LIST_V2] SET sync_state = ? WHERE record_uuid = ?",
        "UPDATE [ORDER_LIST_LINES] SET sync_state = ? WHERE record_uuid = ?"]
    assert second.committed == 1 and not second.closed


def test_the_retry_set_is_the_error_not_a_number_quoted_in_its_message():
    truncated = pyodbc.DataError(
        "22001", f"[22001] {DRIVER}[SQL Server]String or binary data would be truncated in table "
                 f"'orders.dbo.T', column 'NOTE'. Truncated value: 'retry (1205)'. (2628) (SQLExecDirectW)")
    assert mssql.error_numbers(truncated) == {2628} and not mssql.is_transient(truncated)
    terminated = pyodbc.Error(
        "40001", f"{DEADLOCK.args[1]}; [01000] {DRIVER}[SQL Server]The statement has been terminated. (3621)")
    assert mssql.error_numbers(terminated) == {1205, 3621} and mssql.is_transient(terminated)
    assert mssql.sqlstates(CONNECTION_RESET) == {"08S01"} and mssql.is_transient(LINK_FAILURE)
    closed = pyodbc.ProgrammingError("Attempt to use a closed connection.")
    assert mssql.sqlstates(closed) == set() and not mssql.is_transient(closed)
    assert mssql.transient_reason(CONNECTION_RESET) == "10054, 08S01"


def test_retries_give_up_after_the_policy_and_say_why(monkeypatch, caplog):
    store, connections = sql_server_store(monkeypatch, *[[DEADLOCK]] * 5)
    with pytest.raises(StoreError, match=r"mssql database error: 40001 .*deadlock victim.*\(1205\)"):
        store.run_in_transaction(lambda: store.execute("SELECT 1"))
    assert len(connections) == 5 and all(connection.closed for connection in connections)  # one per try
    assert "SQL Server error 1205, 40001 is transient; try 5 of 5" in caplog.text


# -- bulk writes: explicit input sizes instead of what NVARCHAR(MAX) describes -----------------------------
class FakeCursor:
    """Stands in for a pyodbc cursor; records how each executemany was bound."""

    def __init__(self, calls: list):
        self.calls, self.fast_executemany, self.sizes, self.closed = calls, False, None, False

    def setinputsizes(self, sizes):
        self.sizes = sizes

    def executemany(self, sql, rows):
        self.calls.append((self.fast_executemany, self.sizes, len(rows)))

    def close(self):
        self.closed = True


def test_bulk_writes_bind_text_by_its_length_and_send_long_text_row_by_row(monkeypatch):
    store, connections = sql_server_store(monkeypatch)
    calls, cursors = [], []
    connections[0].cursor = lambda: cursors.append(FakeCursor(calls)) or cursors[-1]
    text = pyodbc.SQL_WVARCHAR
    insert = "INSERT INTO [ORDER_LIST_V2] (business_key, [NOTES], qty) VALUES (?, ?, ?)"

    store.executemany(insert, [("K-1", "short", 3), ("K-22", None, 4), ("K-3", "\U0001f9f5 thread", 5)])
    assert calls == [(True, [(text, 4, 0), (text, 9, 0), None], 3)]  # the emoji is two UTF-16 units

    calls.clear()
    store.executemany(insert, [("K-1", "x" * 4000, 1), ("K-2", "y" * 4001, 2)])  # over NVARCHAR(4000)
    assert calls == [(False, None, 2)]

    calls.clear()
    rows = [(f"K-{n}", "z" * (n % 7), n) for n in range(2500)]
    store.executemany(insert, rows)
    assert [(fast, count) for fast, _, count in calls] == [(True, 1000), (True, 1000), (True, 500)]
    assert all(sizes[1] == (text, 6, 0) for _, sizes, _ in calls) and all(cursor.closed for cursor in cursors)
    store.executemany(insert, [])
    assert len(calls) == 3
