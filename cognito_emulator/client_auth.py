"""How an app client proves itself: SECRET_HASH on sign-in calls, the secret on RevokeToken."""

from __future__ import annotations

import hmac

import cognito_srp
from cognito_emulator.errors import (
    NotAuthorized,
    Unauthorized,
    secret_hash_mismatch,
    secret_hash_missing,
)
from cognito_emulator.models import Client


def check_secret_hash(client: Client, username: str, given: str | None) -> None:
    """SECRET_HASH must be computed over the very USERNAME sent in the same request
    (cognito-protocol.md section 8); a client without a secret needs none."""
    if client.secret is None:
        return
    if not given:
        raise NotAuthorized(secret_hash_missing(client.client_id))
    expected = cognito_srp.secret_hash(username, client.client_id, client.secret)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise NotAuthorized(secret_hash_mismatch(client.client_id))


def check_client_secret(client: Client, given: str | None) -> None:
    """RevokeToken sends the client secret itself instead of a hash."""
    if client.secret is None:
        if given:
            raise Unauthorized("Client is not configured with a secret.")
        return
    if not given or not hmac.compare_digest(client.secret.encode(), given.encode()):
        raise Unauthorized("Invalid client credentials.")
