"""GetTokensFromRefreshToken and refresh-token rotation (RefreshTokenRotation on the client):
new refresh tokens, the retry grace period, reuse, REFRESH_TOKEN_AUTH on a rotating client,
ClientSecret, DeviceKey, revocation, and the call log."""

from __future__ import annotations

import json
from typing import Any

import jwt

from tests.emulator.helpers import (
    DEVICE_PUBLIC,
    GATEWAY,
    GATEWAY_SECRET,
    POOL,
    PUBLIC,
    ROTATING,
    ROTATING_SECRET,
    TEST_PASSWORD,
    advance_clock,
    calls,
    hook,
    password_auth,
    refused,
    secret_hash,
)

REUSED = ("RefreshTokenReuseException",
          "Refresh token has been rotated out and its grace period is over.")


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _sign_in(idp: Any, client_id: str = ROTATING) -> dict[str, Any]:
    return dict(password_auth(idp, "password-user", client_id=client_id)["AuthenticationResult"])


def _refresh(idp: Any, token: str, client_id: str = ROTATING,
             secret: str | None = ROTATING_SECRET, **extra: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"ClientId": client_id, "RefreshToken": token, **extra}
    if secret is not None:
        arguments["ClientSecret"] = secret
    return dict(idp.get_tokens_from_refresh_token(**arguments)["AuthenticationResult"])


def _rotating_client(idp: Any, grace: int) -> str:
    client = idp.create_user_pool_client(
        UserPoolId=POOL, ClientName="rotating", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": grace},
        RefreshTokenValidity=60, TokenValidityUnits={"RefreshToken": "minutes"},
    )["UserPoolClient"]
    return str(client["ClientId"])


def test_a_rotating_client_hands_out_a_new_refresh_token(idp: Any) -> None:
    tokens = _sign_in(idp)
    assert tokens["ExpiresIn"] == 300  # gateway-rotating: 5-minute access tokens
    fresh = _refresh(idp, tokens["RefreshToken"])
    assert {"AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType"} <= set(fresh)
    assert fresh["RefreshToken"] != tokens["RefreshToken"]
    assert fresh["ExpiresIn"] == 300
    access = _claims(fresh["AccessToken"])
    assert access["username"] == "password-user"
    assert access["origin_jti"] == _claims(tokens["AccessToken"])["origin_jti"]
    assert _claims(fresh["IdToken"])["cognito:groups"] == ["staff"]
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "password-user"
    # The new one rotates in turn.
    assert _refresh(idp, fresh["RefreshToken"])["RefreshToken"] != fresh["RefreshToken"]


def test_the_old_token_works_within_the_grace_period_only(idp: Any, url: str) -> None:
    tokens = _sign_in(idp)
    fresh = _refresh(idp, tokens["RefreshToken"])
    advance_clock(url, 9)
    retried = _refresh(idp, tokens["RefreshToken"])  # a retry: another new refresh token
    assert retried["RefreshToken"] not in (tokens["RefreshToken"], fresh["RefreshToken"])
    advance_clock(url, 2)  # 11 s after the first rotation; the grace period is 10 s
    assert refused(_refresh, idp, tokens["RefreshToken"]) == REUSED
    # Reuse does not end the family: the replacements still work.
    assert "RefreshToken" in _refresh(idp, fresh["RefreshToken"])
    assert "RefreshToken" in _refresh(idp, retried["RefreshToken"])


def test_without_a_grace_period_the_old_token_is_spent_at_once(idp: Any) -> None:
    client_id = _rotating_client(idp, grace=0)
    tokens = _sign_in(idp, client_id)
    fresh = _refresh(idp, tokens["RefreshToken"], client_id, secret=None)
    assert refused(_refresh, idp, tokens["RefreshToken"], client_id, secret=None) == REUSED
    assert "RefreshToken" in _refresh(idp, fresh["RefreshToken"], client_id, secret=None)


def test_a_rotated_token_lasts_only_as_long_as_the_original(idp: Any, url: str) -> None:
    client_id = _rotating_client(idp, grace=0)
    tokens = _sign_in(idp, client_id)
    advance_clock(url, 1800)
    fresh = _refresh(idp, tokens["RefreshToken"], client_id, secret=None)
    advance_clock(url, 1801)
    assert refused(_refresh, idp, fresh["RefreshToken"], client_id, secret=None) == (
        "NotAuthorizedException", "Refresh Token has expired")


def test_refresh_token_auth_is_refused_on_a_rotating_client(idp: Any) -> None:
    tokens = _sign_in(idp)
    code, message = refused(
        idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=ROTATING,
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                        "SECRET_HASH": secret_hash("password-user", ROTATING)},
    )
    assert code == "InvalidParameterException"
    assert "GetTokensFromRefreshToken" in message
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN", ClientId=ROTATING,
                   AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})[0] == (
        "InvalidParameterException")


def test_a_non_rotating_client_refreshes_without_a_new_refresh_token(idp: Any) -> None:
    tokens = _sign_in(idp, GATEWAY)
    fresh = _refresh(idp, tokens["RefreshToken"], GATEWAY, GATEWAY_SECRET)
    assert "RefreshToken" not in fresh
    assert fresh["ExpiresIn"] == 3600
    again = _refresh(idp, tokens["RefreshToken"], GATEWAY, GATEWAY_SECRET)
    assert "AccessToken" in again
    public = _sign_in(idp, PUBLIC)
    assert "RefreshToken" not in _refresh(idp, public["RefreshToken"], PUBLIC, secret=None)


def test_client_secret_is_checked_in_clear(idp: Any) -> None:
    tokens = _sign_in(idp)
    code, message = refused(_refresh, idp, tokens["RefreshToken"], secret=None)
    assert code == "NotAuthorizedException"
    assert ROTATING in message
    assert refused(_refresh, idp, tokens["RefreshToken"], secret="x" * 51)[0] == (
        "NotAuthorizedException")
    # A SECRET_HASH in place of the secret does not do.
    assert refused(_refresh, idp, tokens["RefreshToken"],
                   secret=secret_hash("password-user", ROTATING).rstrip("=").replace(
                       "/", "A").replace("+", "B"))[0] == "NotAuthorizedException"
    public = _sign_in(idp, PUBLIC)
    assert refused(_refresh, idp, public["RefreshToken"], PUBLIC, secret="y" * 30)[0] == (
        "NotAuthorizedException")


def test_unknown_and_foreign_refresh_tokens_are_invalid(idp: Any) -> None:
    assert refused(_refresh, idp, "not-a-token") == (
        "NotAuthorizedException", "Invalid Refresh Token")
    gateway_tokens = _sign_in(idp, GATEWAY)
    assert refused(_refresh, idp, gateway_tokens["RefreshToken"]) == (
        "NotAuthorizedException", "Invalid Refresh Token")
    assert refused(idp.get_tokens_from_refresh_token, ClientId="nosuchclient",
                   RefreshToken="x")[0] == "ResourceNotFoundException"


def test_revoke_token_ends_the_whole_rotated_family(idp: Any) -> None:
    tokens = _sign_in(idp)
    fresh = _refresh(idp, tokens["RefreshToken"])
    idp.revoke_token(Token=fresh["RefreshToken"], ClientId=ROTATING, ClientSecret=ROTATING_SECRET)
    revoked = ("NotAuthorizedException", "Refresh Token has been revoked")
    assert refused(_refresh, idp, fresh["RefreshToken"]) == revoked
    assert refused(_refresh, idp, tokens["RefreshToken"]) == revoked  # still in its grace
    assert refused(idp.get_user, AccessToken=fresh["AccessToken"]) == (
        "NotAuthorizedException", "Access Token has been revoked")


def test_revoking_the_original_also_ends_its_replacement(idp: Any) -> None:
    tokens = _sign_in(idp)
    fresh = _refresh(idp, tokens["RefreshToken"])
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=ROTATING,
                     ClientSecret=ROTATING_SECRET)
    assert refused(_refresh, idp, fresh["RefreshToken"])[1] == "Refresh Token has been revoked"


def test_global_sign_out_ends_rotated_tokens(idp: Any) -> None:
    tokens = _sign_in(idp)
    fresh = _refresh(idp, tokens["RefreshToken"])
    idp.global_sign_out(AccessToken=fresh["AccessToken"])
    assert refused(_refresh, idp, fresh["RefreshToken"]) == (
        "NotAuthorizedException", "Refresh Token has been revoked")


def test_a_disabled_user_cannot_refresh(idp: Any) -> None:
    tokens = _sign_in(idp)
    idp.admin_disable_user(UserPoolId=POOL, Username="password-user")
    assert refused(_refresh, idp, tokens["RefreshToken"])[0] == "NotAuthorizedException"


def test_device_key_is_accepted_as_in_refresh_token_auth(idp: Any) -> None:
    result = password_auth(idp, "plain-device-user", TEST_PASSWORD,
                           client_id=DEVICE_PUBLIC)["AuthenticationResult"]
    device_key = result["NewDeviceMetadata"]["DeviceKey"]
    fresh = _refresh(idp, result["RefreshToken"], DEVICE_PUBLIC, secret=None,
                     DeviceKey=device_key)
    assert "AccessToken" in fresh
    assert "AccessToken" in _refresh(idp, result["RefreshToken"], DEVICE_PUBLIC, secret=None)
    other = "us-east-1_00000000-0000-4000-8000-000000000000"
    assert refused(_refresh, idp, result["RefreshToken"], DEVICE_PUBLIC, secret=None,
                   DeviceKey=other) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_pre_token_generation_runs_as_a_refresh(idp: Any) -> None:
    client_id = "17testlifecycle000000017"
    result = password_auth(idp, "lifecycle-user", TEST_PASSWORD,
                           client_id=client_id)["AuthenticationResult"]
    fresh = _refresh(idp, result["RefreshToken"], client_id, secret=None,
                     ClientMetadata={"purpose": "test"})
    assert _claims(fresh["IdToken"])["source"] == "TokenGeneration_RefreshTokens"


def test_the_call_log_names_auth_flows_and_records_refreshes_without_tokens(
    idp: Any, url: str
) -> None:
    tokens = _sign_in(idp, GATEWAY)
    idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
                      AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                                      "SECRET_HASH": secret_hash("password-user")})
    rotating = _sign_in(idp)
    fresh = _refresh(idp, rotating["RefreshToken"])
    refused(_refresh, idp, "not-a-token")
    flows = [call["auth_flow"] for call in calls(url, "InitiateAuth")]
    assert flows == ["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "USER_PASSWORD_AUTH"]
    refreshes = calls(url, "GetTokensFromRefreshToken")
    assert [(call["client_id"], call["username"], call["error"]) for call in refreshes] == [
        (ROTATING, "password-user", None), (ROTATING, None, "NotAuthorizedException")]
    assert all(call["auth_flow"] is None for call in refreshes)
    everything = json.dumps(hook(url, "GET", "/_emulator/calls")[1])
    for secret in (tokens["RefreshToken"], rotating["RefreshToken"], fresh["RefreshToken"],
                   fresh["AccessToken"], ROTATING_SECRET):
        assert secret not in everything
