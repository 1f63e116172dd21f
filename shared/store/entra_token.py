"""The Microsoft Entra ID access token Azure SQL takes when the connection string names no credentials.

One credential per process, signing in as the app's managed identity: a user-assigned identity is picked by
its client id in ``AZURE_CLIENT_ID`` (the setting the identity SDK itself reads; the Bicep sets it), else the
system-assigned identity, or ``az login`` on a developer's machine. The token is reused for every connection
until five minutes before it expires, so reconnecting after a transient error costs no trip to the identity
endpoint. The token never reaches a log line, a repr or an exception message.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from ..common.errors import StoreError

TOKEN_SCOPE = "https://database.windows.net/.default"
REFRESH_MARGIN_SECONDS = 300  # ask for a new token this long before the old one expires
CLIENT_ID_SETTING = "AZURE_CLIENT_ID"


def sql_credential() -> Any:
    """The credential for the SQL token: the user-assigned identity named by AZURE_CLIENT_ID, if set."""
    from azure.identity import DefaultAzureCredential  # only deployments without SQL credentials need it

    return DefaultAzureCredential(managed_identity_client_id=os.environ.get(CLIENT_ID_SETTING) or None)


class SqlTokenSource:
    """Hands out the current token; makes the credential on first use and asks it again only near expiry."""

    def __init__(self, credential_factory: Callable[[], Any] = sql_credential,
                 clock: Callable[[], float] = time.time):
        self._credential_factory, self._clock = credential_factory, clock
        self._credential: Any = None
        self._token: Any = None  # azure.core.credentials.AccessToken: .token, .expires_on (epoch seconds)
        self._lock = threading.Lock()  # the host may open connections from several threads

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._token.expires_on - REFRESH_MARGIN_SECONDS <= self._clock():
                self._token = self._fetch()
            return self._token.token

    def _fetch(self) -> Any:
        from azure.core.exceptions import ClientAuthenticationError

        try:
            if self._credential is None:
                self._credential = self._credential_factory()
            return self._credential.get_token(TOKEN_SCOPE)
        except ClientAuthenticationError as exc:  # its message names the sources tried, never a token
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"no Microsoft Entra ID token for Azure SQL ({type(exc).__name__}: {reason}); "
                             f"set {CLIENT_ID_SETTING} to the client id of a user-assigned identity, or put "
                             f"credentials in the connection string") from None

    def __repr__(self) -> str:
        return f"SqlTokenSource(token {'held' if self._token is not None else 'not yet fetched'})"


_PROCESS_TOKENS = SqlTokenSource()


def entra_access_token() -> str:
    """The process's current token for Azure SQL."""
    return _PROCESS_TOKENS.token()
