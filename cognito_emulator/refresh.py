"""Refreshing tokens: GetTokensFromRefreshToken, and the checks it shares with InitiateAuth
REFRESH_TOKEN_AUTH (initiate_auth.py).

A refresh token is good for its client until it expires (the client's RefreshTokenValidity),
is revoked (RevokeToken, GlobalSignOut, AdminDisableUser, AdminDeleteUser) or, with refresh
token rotation, has been replaced: GetTokensFromRefreshToken on a client whose
``RefreshTokenRotation.Feature`` is ENABLED answers with a new refresh token too (same sign-in
family, valid for what remained of the old one), and the old one then works only within the
client's ``RetryGracePeriodSeconds``; later it is ``RefreshTokenReuseException``. A rotating
client refuses REFRESH_TOKEN_AUTH. GetTokensFromRefreshToken takes the client secret itself
(``ClientSecret``), not a SECRET_HASH.
"""

from __future__ import annotations

import hmac
from typing import Any

from cognito_emulator import devices, triggers
from cognito_emulator.errors import (
    REFRESH_TOKEN_EXPIRED,
    REFRESH_TOKEN_INVALID,
    REFRESH_TOKEN_REUSED,
    REFRESH_TOKEN_REVOKED,
    USER_DISABLED,
    USER_DOES_NOT_EXIST,
    NotAuthorized,
    RefreshTokenReuse,
    UserNotFound,
)
from cognito_emulator.models import Client, Pool
from cognito_emulator.state import Call, Emulator
from cognito_emulator.tokens import RefreshRecord


def find_record(emulator: Emulator, client: Client, token: str) -> RefreshRecord:
    """The record of a refresh token issued to ``client``, or "Invalid Refresh Token"."""
    record = emulator.tokens.refresh_tokens.get(token)
    if record is None or record.client_id != client.client_id:
        raise NotAuthorized(REFRESH_TOKEN_INVALID)
    return record


def issue(emulator: Emulator, call: Call, pool: Pool, client: Client, record: RefreshRecord,
          *, device_key: str | None, client_metadata: dict[str, str],
          rotating_call: bool) -> dict[str, Any]:
    """AuthenticationResult for a refresh of ``record`` (its client already proven).

    ``rotating_call`` is GetTokensFromRefreshToken: a rotated-out token past its grace period
    is then RefreshTokenReuseException, and a rotating client hands out a new refresh token.
    """
    if record.origin_jti in emulator.tokens.revoked_origins:
        raise NotAuthorized(REFRESH_TOKEN_REVOKED)
    now = emulator.now()
    if now >= record.expires_at:
        raise NotAuthorized(REFRESH_TOKEN_EXPIRED)
    if record.rotated_at is not None:
        grace = client.retry_grace_period_seconds
        if grace == 0 or now > record.rotated_at + grace:
            if rotating_call:
                raise RefreshTokenReuse(REFRESH_TOKEN_REUSED)
            raise NotAuthorized(REFRESH_TOKEN_INVALID)
    user = pool.users.get(record.username)
    if user is None:
        raise UserNotFound(USER_DOES_NOT_EXIST)
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    # DEVICE_KEY, when sent, must be the device the refresh token was issued with (a token from
    # a sign-in without a device takes none). Leaving it out is accepted.
    if device_key and device_key != record.device_key:
        raise NotAuthorized(REFRESH_TOKEN_INVALID)
    device = devices.known_device(user, device_key)
    if device is not None:
        devices.note_authenticated(device, now, call.record.effective_ip)
    adjust = triggers.pre_token_generation(
        emulator.functions, pool, client.client_id, user, "TokenGeneration_RefreshTokens",
        client_metadata, emulator.outbox.sender(pool.id, user.username, emulator.now))
    result = emulator.tokens.mint(pool, client, user, call.issuer, origin_jti=record.origin_jti,
                                  auth_time=record.auth_time, adjust=adjust)
    if rotating_call and client.rotation_enabled:
        result["RefreshToken"] = emulator.tokens.rotate(record)
    return result


def get_tokens_from_refresh_token(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool, client = emulator.store.client(body["ClientId"])
    call.record.client_id = client.client_id
    _check_client_secret(client, body.get("ClientSecret"))
    record = find_record(emulator, client, body["RefreshToken"])
    call.record.username = record.username
    result = issue(emulator, call, pool, client, record, device_key=body.get("DeviceKey"),
                   client_metadata=dict(body.get("ClientMetadata") or {}), rotating_call=True)
    return {"AuthenticationResult": result}


def _check_client_secret(client: Client, given: str | None) -> None:
    """The secret itself, in clear (as RevokeToken), for a client that has one. This operation
    declares NotAuthorizedException, not UnauthorizedException; the texts are the emulator's."""
    if client.secret is None:
        if given:
            raise NotAuthorized(f"Client {client.client_id} is not configured with a secret.")
        return
    if not given:
        raise NotAuthorized(
            f"Client {client.client_id} is configured with secret but ClientSecret was not "
            "received"
        )
    if not hmac.compare_digest(client.secret.encode(), given.encode()):
        raise NotAuthorized(f"Unable to verify client secret for client {client.client_id}")
