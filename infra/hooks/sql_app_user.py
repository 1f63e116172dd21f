"""Make the function app's managed identity a contained user of the ordersync database, with the least it
needs.

Run by ``infra/hooks/postprovision.sh`` after ``python -m shared db migrate`` (the grant on the orders table
needs the table). Signs in as the deploying identity: azd's sign-in, else the Azure CLI's. Uses pyodbc and an
Entra token, as the app does; the Microsoft ODBC Driver 18 for SQL Server must be installed.

The roles, and why no more:

* ``db_datareader`` and ``db_datawriter``: the app reads and writes orders, lines, the ingest log, the groups
  and every later ``<orders>_*`` table. Role membership covers tables that later migrations add, which
  per-table grants would not.
* ``ALTER`` on the orders table only: ingest adds a nullable text column there when a workbook brings a new
  header (``ALTER TABLE ... ADD``), and nowhere else. ``db_ddladmin`` would also let the app create, alter and
  drop any table, view or procedure of the database; the schema changes only through migrations, run here.

The user is created from the identity's client id (``WITH SID = ..., TYPE = E``), so the SQL server needs no
Microsoft Graph permission to look the identity up.

Environment (set by azd from main.bicep's outputs): AZURE_SQL_SERVER_FQDN, AZURE_SQL_DATABASE_NAME,
AZURE_FUNCTION_IDENTITY_NAME, AZURE_FUNCTION_IDENTITY_CLIENT_ID; ORDERSYNC_ENV (default production) and
ORDERSYNC_CONFIG (default configs/sync_order_list.toml) name the orders table.
"""

from __future__ import annotations

import os
import struct
import sys
import tomllib
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "configs" / "sync_order_list.toml"
TOKEN_SCOPE = "https://database.windows.net/.default"
SQL_COPT_SS_ACCESS_TOKEN = 1256  # pre-connect attribute of the Microsoft ODBC driver
ROLES = ("db_datareader", "db_datawriter")


def bracket(name: str) -> str:
    """A T-SQL delimited identifier."""
    return "[" + name.replace("]", "]]") + "]"


def sid_of(client_id: str) -> bytes:
    """The SID Azure SQL gives an Entra application or managed identity: its client id, as a GUID."""
    return uuid.UUID(client_id).bytes_le


def orders_table(environment: str, config_path: Path = DEFAULT_CONFIG) -> str:
    """The orders table of an environment of the configuration (``orders_table``)."""
    with config_path.open("rb") as file:
        config = tomllib.load(file)
    try:
        return config["environments"][environment]["orders_table"]
    except KeyError:
        raise SystemExit(f"{config_path}: environments.{environment}.orders_table is not set") from None


def grant_statements(user: str, client_id: str, table: str) -> list[tuple[str, tuple]]:
    """The statements (with parameters) that make ``user`` a contained user with its roles; idempotent."""
    quoted, sid = bracket(user), "0x" + sid_of(client_id).hex().upper()
    return [
        # An identity made again under the same name has a new client id: its old user would never sign in.
        (f"IF EXISTS (SELECT 1 FROM sys.database_principals WHERE name = ? AND sid <> {sid}) "
         f"DROP USER {quoted}", (user,)),
        (f"IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = ?) "
         f"CREATE USER {quoted} WITH SID = {sid}, TYPE = E", (user,)),
        *((f"ALTER ROLE {role} ADD MEMBER {quoted}", ()) for role in ROLES),
        (f"GRANT ALTER ON OBJECT::dbo.{bracket(table)} TO {quoted}", ()),
    ]


def access_token() -> bytes:
    """An Entra token for Azure SQL, packed as the ODBC driver wants it."""
    from azure.identity import AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential

    token = ChainedTokenCredential(AzureDeveloperCliCredential(), AzureCliCredential()).get_token(TOKEN_SCOPE)
    data = token.token.encode("utf-16-le")
    return struct.pack(f"<I{len(data)}s", len(data), data)


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(f"{name} is not set: run this through azd (the postprovision hook)")
    return value


def main() -> int:
    import pyodbc

    server, database = required("AZURE_SQL_SERVER_FQDN"), required("AZURE_SQL_DATABASE_NAME")
    user, client_id = required("AZURE_FUNCTION_IDENTITY_NAME"), required("AZURE_FUNCTION_IDENTITY_CLIENT_ID")
    environment = os.environ.get("ORDERSYNC_ENV") or "production"
    table = orders_table(environment, Path(os.environ.get("ORDERSYNC_CONFIG") or DEFAULT_CONFIG))
    connection_string = (f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{server},1433;"
                         f"Database={database};Encrypt=yes;TrustServerCertificate=no")
    connection = pyodbc.connect(connection_string, attrs_before={SQL_COPT_SS_ACCESS_TOKEN: access_token()})
    try:
        cursor = connection.cursor()
        for statement, parameters in grant_statements(user, client_id, table):
            cursor.execute(statement, *parameters)
        connection.commit()
    finally:
        connection.close()
    print(f"{user}: contained user of {database} with {', '.join(ROLES)} and ALTER on dbo.{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
