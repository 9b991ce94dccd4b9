"""PreAuthentication, PostAuthentication and PreTokenGeneration (v1 and v2) as real Python
handlers (tests/emulator/custom_triggers.py), over HTTP with boto3."""

from __future__ import annotations

from typing import Any

import jwt

from tests.emulator.helpers import TEST_PASSWORD, password_auth, refused

LIFECYCLE = "17testlifecycle000000017"
V2 = "18testtokenv2000000000018"


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_pre_authentication_can_refuse_with_client_metadata(idp: Any) -> None:
    assert refused(password_auth, idp, "lifecycle-user", TEST_PASSWORD, client_id=LIFECYCLE,
                   ClientMetadata={"block": "yes"}) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error blocked by pre authentication.")


def test_post_authentication_can_refuse_the_tokens(idp: Any) -> None:
    assert refused(password_auth, idp, "post-blocked-user", TEST_PASSWORD,
                   client_id=LIFECYCLE) == (
        "UserLambdaValidationException", "PostAuthentication failed with error no tokens for you.")


def test_pre_token_generation_v1_adds_overrides_and_suppresses(idp: Any) -> None:
    result = password_auth(idp, "lifecycle-user", TEST_PASSWORD,
                           client_id=LIFECYCLE)["AuthenticationResult"]
    identity = _claims(result["IdToken"])
    assert identity["team"] == "emulator"
    assert identity["email"] == "override@example.com"
    assert identity["source"] == "TokenGeneration_Authentication"
    assert identity["event_version"] == "1"
    assert "name" not in identity
    assert identity["sub"] != "not-allowed"  # protected claims stay
    assert "team" not in _claims(result["AccessToken"])  # v1 changes the ID token only

    refreshed = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=LIFECYCLE,
                                  AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})
    again = _claims(refreshed["AuthenticationResult"]["IdToken"])
    assert again["source"] == "TokenGeneration_RefreshTokens"


def test_pre_token_generation_v2_changes_both_tokens_and_scopes(idp: Any) -> None:
    result = password_auth(idp, "v2-user", TEST_PASSWORD, client_id=V2)["AuthenticationResult"]
    identity, access = _claims(result["IdToken"]), _claims(result["AccessToken"])
    assert identity["team"] == "v2"
    assert identity["event_version"] == "2"
    assert access["tier"] == "gold"
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "custom/read"]
