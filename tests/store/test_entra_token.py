"""The SQL token: the real azure-identity credential against a local stand-in for the managed identity
endpoint the Functions host provides (IDENTITY_ENDPOINT / IDENTITY_HEADER, as on App Service and Flex
Consumption), and the token's reuse and refresh with a stand-in credential and clock (the identity library
keeps its own cache keyed on the real time, so only a stand-in shows when this code asks again)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyodbc
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from shared.common.errors import StoreError
from shared.store import entra_token, mssql

IDENTITY_HEADER = "local-identity-header"
CLIENT_ID = "0f4b2c8e-1111-4222-8333-944455556666"
# Other settings the identity SDK reads (besides IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_CLIENT_ID): unset.
OTHER_IDENTITY_SETTINGS = ("AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                           "AZURE_USERNAME", "AZURE_FEDERATED_TOKEN_FILE", "MSI_ENDPOINT", "MSI_SECRET",
                           "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "AZURE_POD_IDENTITY_AUTHORITY_HOST")


class IdentityEndpoint(ThreadingHTTPServer):
    """The host's managed identity endpoint: GET ?api-version=2019-08-01&resource=...[&client_id=...]."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), IdentityHandler)
        self.requests: list[dict] = []
        self.issued = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/msi/token"


class IdentityHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server name)
        server: IdentityEndpoint = self.server
        query = {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}
        server.requests.append({**query, "header": self.headers.get("X-IDENTITY-HEADER")})
        server.issued += 1
        body = json.dumps({"access_token": f"sql-token-{server.issued}",
                           "expires_on": str(int(time.time()) + 3600), "resource": query.get("resource"),
                           "token_type": "Bearer", "client_id": query.get("client_id", "system")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def identity_endpoint(monkeypatch):
    endpoint = IdentityEndpoint()
    thread = threading.Thread(target=endpoint.serve_forever, daemon=True)
    thread.start()
    for name in OTHER_IDENTITY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint.url)
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    yield endpoint
    endpoint.shutdown()
    endpoint.server_close()


def test_the_user_assigned_identity_signs_in_once_per_process(identity_endpoint, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setattr(entra_token, "_PROCESS_TOKENS", entra_token.SqlTokenSource())  # a fresh process
    connects = []
    monkeypatch.setattr(pyodbc, "connect",  # stands in for the driver: records what it would get
                        lambda text, autocommit, attrs_before: connects.append(attrs_before))
    settings = mssql.ConnectionSettings.from_config("Server=tcp:db.example.net,1433;Database=orders")

    for _ in range(3):  # three connections (a reconnect, a second store): one sign-in, one token
        mssql.MssqlBackend(settings)

    (request,) = identity_endpoint.requests
    assert request["client_id"] == CLIENT_ID and request["header"] == IDENTITY_HEADER
    assert request["resource"].rstrip("/") == "https://database.windows.net"
    assert connects == [{mssql.SQL_COPT_SS_ACCESS_TOKEN: mssql.access_token_struct("sql-token-1")}] * 3
    assert "sql-token" not in repr(entra_token._PROCESS_TOKENS)


def test_without_a_client_id_the_system_assigned_identity_signs_in(identity_endpoint, monkeypatch):
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    assert entra_token.SqlTokenSource().token() == "sql-token-1"
    (request,) = identity_endpoint.requests
    assert "client_id" not in request


class StandInCredential:
    """Stands in for the credential only to count its calls under a controlled clock."""

    def __init__(self, lifetime: float, clock):
        self.lifetime, self.clock, self.scopes = lifetime, clock, []

    def get_token(self, scope):
        self.scopes.append(scope)
        return AccessToken(f"token-{len(self.scopes)}", int(self.clock() + self.lifetime))


def test_the_token_is_reused_until_five_minutes_before_it_expires():
    now = [1_000_000.0]
    made = []

    def factory():
        made.append(StandInCredential(3600, lambda: now[0]))
        return made[-1]

    tokens = entra_token.SqlTokenSource(factory, clock=lambda: now[0])
    assert tokens.token() == "token-1"
    now[0] += 3600 - 301  # 5 minutes and a second left
    assert tokens.token() == "token-1"
    now[0] += 1  # 5 minutes left: ask for the next one
    assert tokens.token() == "token-2"
    assert len(made) == 1 and made[0].scopes == [entra_token.TOKEN_SCOPE] * 2


def test_a_credential_that_cannot_sign_in_is_a_clear_store_error():
    class Refusing:
        def get_token(self, scope):
            raise ClientAuthenticationError("ManagedIdentityCredential: the identity endpoint did not answer")

    with pytest.raises(StoreError, match="no Microsoft Entra ID token for Azure SQL "
                                         ".*ManagedIdentityCredential.*AZURE_CLIENT_ID"):
        entra_token.SqlTokenSource(Refusing).token()
