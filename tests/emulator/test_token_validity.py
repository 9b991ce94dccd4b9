"""Token lifetimes per app client: AccessTokenValidity, IdTokenValidity, RefreshTokenValidity
and TokenValidityUnits, with Cognito's defaults and ranges, honoured in ``exp``, ExpiresIn and
refresh-token expiry on the emulator's clock; UpdateUserPoolClient."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.emulator.helpers import (
    GATEWAY,
    POOL,
    ROTATING,
    advance_clock,
    hook,
    password_auth,
    refused,
)

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _client(idp: Any, **members: Any) -> dict[str, Any]:
    client: dict[str, Any] = idp.create_user_pool_client(
        UserPoolId=POOL, ClientName="lifetimes", ExplicitAuthFlows=FLOWS, **members
    )["UserPoolClient"]
    return client


def _lifetimes(tokens: dict[str, Any]) -> tuple[int, int]:
    access, identity = _claims(tokens["AccessToken"]), _claims(tokens["IdToken"])
    return access["exp"] - access["iat"], identity["exp"] - identity["iat"]


def test_defaults_are_an_hour_and_thirty_days(idp: Any) -> None:
    client = _client(idp)
    assert (client["AccessTokenValidity"], client["IdTokenValidity"],
            client["RefreshTokenValidity"]) == (60, 60, 30)
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes",
                                            "RefreshToken": "days"}
    tokens = password_auth(idp, "password-user", client_id=client["ClientId"])
    result = tokens["AuthenticationResult"]
    assert result["ExpiresIn"] == 3600
    assert _lifetimes(result) == (3600, 3600)


def test_validity_with_units_reaches_exp_and_expires_in(idp: Any) -> None:
    client = _client(idp, AccessTokenValidity=300, IdTokenValidity=2, RefreshTokenValidity=90,
                     TokenValidityUnits={"AccessToken": "seconds", "IdToken": "hours",
                                         "RefreshToken": "minutes"})
    described = idp.describe_user_pool_client(UserPoolId=POOL,
                                              ClientId=client["ClientId"])["UserPoolClient"]
    assert described["AccessTokenValidity"] == 300
    assert described["IdTokenValidity"] == 2
    assert described["RefreshTokenValidity"] == 90
    assert described["TokenValidityUnits"] == {"AccessToken": "seconds", "IdToken": "hours",
                                               "RefreshToken": "minutes"}
    result = password_auth(idp, "password-user",
                           client_id=client["ClientId"])["AuthenticationResult"]
    assert result["ExpiresIn"] == 300
    assert _lifetimes(result) == (300, 7200)


def test_a_value_without_a_unit_is_in_hours_or_days(idp: Any) -> None:
    client = _client(idp, AccessTokenValidity=2, IdTokenValidity=1, RefreshTokenValidity=7)
    assert client["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "hours",
                                            "RefreshToken": "days"}
    result = password_auth(idp, "password-user",
                           client_id=client["ClientId"])["AuthenticationResult"]
    assert _lifetimes(result) == (7200, 3600)


@pytest.mark.parametrize("members", [
    {"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}},
    {"AccessTokenValidity": 299, "TokenValidityUnits": {"AccessToken": "seconds"}},
    {"AccessTokenValidity": 25},  # hours
    {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}},
    {"IdTokenValidity": 3, "TokenValidityUnits": {"IdToken": "seconds"}},
    {"IdTokenValidity": 1441, "TokenValidityUnits": {"IdToken": "minutes"}},
    {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
    {"RefreshTokenValidity": 3651},  # days: more than ten years
])
def test_validity_outside_cognitos_ranges_is_refused(idp: Any, members: dict[str, Any]) -> None:
    code, message = refused(_client, idp, **members)
    assert (code, message) == ("InvalidParameterException", "Invalid range for token validity.")


def test_the_range_edges_are_allowed(idp: Any) -> None:
    _client(idp, AccessTokenValidity=5, IdTokenValidity=1440, RefreshTokenValidity=3650,
            TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"})
    _client(idp, AccessTokenValidity=1, IdTokenValidity=300, RefreshTokenValidity=60,
            TokenValidityUnits={"AccessToken": "days", "IdToken": "seconds",
                                "RefreshToken": "minutes"})


def test_the_emulator_clock_expires_access_and_refresh_tokens(idp: Any, url: str) -> None:
    client = _client(idp, AccessTokenValidity=5, RefreshTokenValidity=60,
                     TokenValidityUnits={"AccessToken": "minutes", "RefreshToken": "minutes"})
    client_id = client["ClientId"]
    tokens = password_auth(idp, "password-user", client_id=client_id)["AuthenticationResult"]
    advance_clock(url, 301)
    assert refused(idp.get_user, AccessToken=tokens["AccessToken"]) == (
        "NotAuthorizedException", "Access Token has expired")
    fresh = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=client_id,
                              AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert fresh["AuthenticationResult"]["ExpiresIn"] == 300
    advance_clock(url, 3300)
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=client_id,
                   AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}) == (
        "NotAuthorizedException", "Refresh Token has expired")
    assert refused(idp.get_tokens_from_refresh_token, ClientId=client_id,
                   RefreshToken=tokens["RefreshToken"]) == (
        "NotAuthorizedException", "Refresh Token has expired")


def test_update_user_pool_client_sets_validity_and_resets_what_is_left_out(idp: Any) -> None:
    client = _client(idp, AuthSessionValidity=10, PreventUserExistenceErrors="ENABLED")
    updated = idp.update_user_pool_client(
        UserPoolId=POOL, ClientId=client["ClientId"], ExplicitAuthFlows=FLOWS,
        AccessTokenValidity=10, TokenValidityUnits={"AccessToken": "minutes"},
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 5},
    )["UserPoolClient"]
    assert updated["ClientName"] == "lifetimes"
    assert updated["AccessTokenValidity"] == 10
    assert updated["AuthSessionValidity"] == 3
    assert updated["PreventUserExistenceErrors"] == "LEGACY"
    assert updated["RefreshTokenRotation"] == {"Feature": "ENABLED",
                                               "RetryGracePeriodSeconds": 5}
    described = idp.describe_user_pool_client(UserPoolId=POOL,
                                              ClientId=client["ClientId"])["UserPoolClient"]
    assert described == updated
    result = password_auth(idp, "password-user",
                           client_id=client["ClientId"])["AuthenticationResult"]
    assert result["ExpiresIn"] == 600
    assert refused(idp.update_user_pool_client, UserPoolId=POOL, ClientId=client["ClientId"],
                   IdTokenValidity=1, TokenValidityUnits={"IdToken": "seconds"})[0] == (
        "InvalidParameterException")
    assert refused(idp.update_user_pool_client, UserPoolId=POOL,
                   ClientId="nosuchclient")[0] == "ResourceNotFoundException"


def test_the_demo_clients_lifetimes(idp: Any) -> None:
    gateway = idp.describe_user_pool_client(UserPoolId=POOL, ClientId=GATEWAY)["UserPoolClient"]
    assert (gateway["AccessTokenValidity"], gateway["TokenValidityUnits"]["AccessToken"]) == (
        60, "minutes")
    assert gateway["RefreshTokenRotation"] == {"Feature": "DISABLED",
                                               "RetryGracePeriodSeconds": 0}
    rotating = idp.describe_user_pool_client(UserPoolId=POOL,
                                             ClientId=ROTATING)["UserPoolClient"]
    assert rotating["ClientName"] == "gateway-rotating"
    assert (rotating["AccessTokenValidity"], rotating["TokenValidityUnits"]["AccessToken"]) == (
        5, "minutes")
    assert rotating["IdTokenValidity"] == 60
    assert rotating["RefreshTokenValidity"] == 30
    assert rotating["RefreshTokenRotation"] == {"Feature": "ENABLED",
                                                "RetryGracePeriodSeconds": 10}
    assert rotating["EnablePropagateAdditionalUserContextData"] is True
    assert rotating["AuthSessionValidity"] == 3


def test_a_test_hook_lifts_the_ranges_until_the_next_reset(idp: Any, url: str) -> None:
    assert hook(url, "GET", "/_emulator/token-validity") == (200, {"enforce_ranges": True})
    assert hook(url, "POST", "/_emulator/token-validity", {"enforce_ranges": False}) == (
        200, {"enforce_ranges": False})
    client = _client(idp, AccessTokenValidity=3, TokenValidityUnits={"AccessToken": "seconds"})
    result = password_auth(idp, "password-user",
                           client_id=client["ClientId"])["AuthenticationResult"]
    assert result["ExpiresIn"] == 3
    assert hook(url, "POST", "/_emulator/token-validity", {"enforce_ranges": "no"})[0] == 400
    assert hook(url, "POST", "/_emulator/reset")[0] == 200
    assert hook(url, "GET", "/_emulator/token-validity") == (200, {"enforce_ranges": True})
    assert refused(_client, idp, AccessTokenValidity=3,
                   TokenValidityUnits={"AccessToken": "seconds"})[0] == (
        "InvalidParameterException")
