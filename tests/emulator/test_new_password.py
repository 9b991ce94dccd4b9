"""NEW_PASSWORD_REQUIRED for users with a temporary password, with requiredAttributes and the
pool's password policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.helpers import (
    GATEWAY,
    PASSWORD,
    POOL,
    TEMPORARY_PASSWORD,
    SrpClient,
    advance_clock,
    auth_parameters,
    password_auth,
    refused,
    respond,
    secret_hash,
)

NEW_PASSWORD = "Brand-New-Passw0rd!"



def _challenge(idp: Any) -> dict[str, Any]:
    challenge = password_auth(idp, "new-password-user", TEMPORARY_PASSWORD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return challenge


def test_challenge_lists_the_missing_required_attributes(idp: Any) -> None:
    parameters = _challenge(idp)["ChallengeParameters"]
    assert isinstance(parameters["requiredAttributes"], str)
    assert json.loads(parameters["requiredAttributes"]) == ["userAttributes.name"]
    shown = json.loads(parameters["userAttributes"])
    assert shown["email"] == "new-password-user@example.com"
    assert parameters["USER_ID_FOR_SRP"] == "new-password-user"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("NO-LOWER-CASE-1", "Password must have lowercase characters"),
        ("no-upper-case-1", "Password must have uppercase characters"),
        ("No-Numbers-Here", "Password must have numeric characters"),
        ("NoSymbols1234", "Password must have symbol characters"),
    ],
)
def test_the_pool_password_policy_is_enforced(idp: Any, password: str, reason: str) -> None:
    challenge = _challenge(idp)
    assert refused(respond, idp, challenge, {"NEW_PASSWORD": password,
                                            "userAttributes.name": "Nina New"}) == (
        "InvalidPasswordException", f"Password did not conform with policy: {reason}")


def test_required_attributes_must_be_given(idp: Any) -> None:
    challenge = _challenge(idp)
    code, message = refused(respond, idp, challenge, {"NEW_PASSWORD": NEW_PASSWORD})
    assert code == "InvalidParameterException"
    assert "name" in message


def test_new_password_completes_the_sign_in_and_replaces_the_temporary_one(idp: Any) -> None:
    challenge = _challenge(idp)
    # A refused answer leaves the session usable for a corrected one.
    refused(respond, idp, challenge, {"NEW_PASSWORD": "weak", "userAttributes.name": "Nina"})
    result = respond(idp, challenge, {"NEW_PASSWORD": NEW_PASSWORD,
                                      "userAttributes.name": "Nina New"})
    assert "AuthenticationResult" in result
    user = idp.admin_get_user(UserPoolId=POOL, Username="new-password-user")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "name", "Value": "Nina New"} in user["UserAttributes"]
    assert refused(password_auth, idp, "new-password-user", TEMPORARY_PASSWORD)[1] == (
        "Incorrect username or password.")
    assert "AuthenticationResult" in password_auth(idp, "new-password-user", NEW_PASSWORD)


def test_srp_sign_in_also_leads_to_the_challenge(idp: Any) -> None:
    srp = SrpClient(POOL, TEMPORARY_PASSWORD)
    start = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=GATEWAY,
                              AuthParameters=auth_parameters("new-password-user", GATEWAY,
                                                             SRP_A=srp.srp_a))
    responses = srp.claim(start["ChallengeParameters"])
    responses["SECRET_HASH"] = secret_hash("new-password-user")
    result = idp.respond_to_auth_challenge(ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER",
                                           ChallengeResponses=responses)
    assert result["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_temporary_password_expires_after_the_pools_validity(idp: Any, url: str) -> None:
    advance_clock(url, 8 * 86400)
    assert refused(password_auth, idp, "new-password-user", TEMPORARY_PASSWORD) == (
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.")


def test_admin_set_password_makes_a_temporary_password(idp: Any) -> None:
    idp.admin_set_user_password(UserPoolId=POOL, Username="password-user",
                                Password="Another-Passw0rd!", Permanent=False)
    challenge = password_auth(idp, "password-user", "Another-Passw0rd!")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(challenge["ChallengeParameters"]["requiredAttributes"]) == []
    assert "AuthenticationResult" in respond(idp, challenge, {"NEW_PASSWORD": PASSWORD})
