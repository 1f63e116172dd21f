"""The few places where SQLite and T-SQL differ. Everything else the store runs is portable SQL with ``?``.

Identifiers are quoted here only: SQLite ``"name"`` (``"`` doubled), T-SQL ``[name]`` (``]`` doubled).
Checking that a name is acceptable is the store's job; this module only writes it safely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class Dialect(ABC):
    name: str  # the database kind status reports
    sql_folder: str  # migrations live in sql/<sql_folder>/
    text_type: str  # a business column: nullable text of any length

    @abstractmethod
    def quote(self, identifier: str) -> str: ...

    @abstractmethod
    def index_name(self, table: str, purpose: str) -> str: ...

    @abstractmethod
    def select_first(self, count: int, columns: str, rest: str, params: tuple = ()) -> tuple[str, tuple]:
        """``SELECT columns rest`` returning at most ``count`` rows, with its parameters in order."""

    @abstractmethod
    def table_columns_sql(self) -> str:
        """Query taking the unquoted table name as its one parameter; one row per column, in table order."""

    @abstractmethod
    def migrations_table_sql(self, table: str) -> str: ...

    @abstractmethod
    def add_text_column_sql(self, table: str, column: str) -> str: ...

    @abstractmethod
    def insert_returning_sql(self, table: str, columns: str, marks: str, returned: str) -> str:
        """``INSERT INTO table (columns) VALUES (marks)`` that answers with one row: the new ``returned``."""


class SqliteDialect(Dialect):
    name = "sqlite"
    sql_folder = "sqlite"
    text_type = "TEXT"

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def index_name(self, table: str, purpose: str) -> str:
        # SQLite index names share one name space per database, so they carry the table's name.
        return self.quote(f"{table}_{purpose}")

    def select_first(self, count: int, columns: str, rest: str, params: tuple = ()) -> tuple[str, tuple]:
        return f"SELECT {columns} {rest} LIMIT ?", (*params, count)

    def table_columns_sql(self) -> str:
        return "SELECT name FROM pragma_table_info(?) ORDER BY cid"

    def migrations_table_sql(self, table: str) -> str:
        return (f"CREATE TABLE {self.quote(table)} (version TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
                f"applied_at TEXT NOT NULL)")

    def add_text_column_sql(self, table: str, column: str) -> str:
        return f"ALTER TABLE {self.quote(table)} ADD COLUMN {self.quote(column)} {self.text_type}"

    def insert_returning_sql(self, table: str, columns: str, marks: str, returned: str) -> str:
        return f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {returned}"  # SQLite 3.35+


class TsqlDialect(Dialect):
    name = "mssql"
    sql_folder = "tsql"
    text_type = "NVARCHAR(MAX)"

    def quote(self, identifier: str) -> str:
        return "[" + identifier.replace("]", "]]") + "]"

    def index_name(self, table: str, purpose: str) -> str:
        # T-SQL index names are unique per table only; a short name keeps within the 128-character limit.
        return self.quote(purpose)

    def select_first(self, count: int, columns: str, rest: str, params: tuple = ()) -> tuple[str, tuple]:
        return f"SELECT TOP (?) {columns} {rest}", (count, *params)

    def table_columns_sql(self) -> str:
        return ("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME() "
                "AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")

    def migrations_table_sql(self, table: str) -> str:
        return (f"CREATE TABLE {self.quote(table)} (version NVARCHAR(20) NOT NULL PRIMARY KEY, "
                f"name NVARCHAR(200) NOT NULL, applied_at NVARCHAR(40) NOT NULL)")

    def add_text_column_sql(self, table: str, column: str) -> str:
        return f"ALTER TABLE {self.quote(table)} ADD {self.quote(column)} {self.text_type} NULL"

    def insert_returning_sql(self, table: str, columns: str, marks: str, returned: str) -> str:
        return f"INSERT INTO {table} ({columns}) OUTPUT INSERTED.{returned} VALUES ({marks})"


SQLITE = SqliteDialect()
TSQL = TsqlDialect()
