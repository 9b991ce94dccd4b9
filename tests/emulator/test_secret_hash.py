"""SECRET_HASH is checked on every call of a client with a secret, over the USERNAME sent in
that very request: what the user typed first, the internal username afterwards."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import (
    ALIAS_USER,
    GATEWAY,
    PASSWORD,
    POOL,
    PUBLIC,
    SrpClient,
    password_auth,
    refused,
    secret_hash,
)

MISSING = f"Client {GATEWAY} is configured with secret but SECRET_HASH was not received"
MISMATCH = f"Unable to verify secret hash for client {GATEWAY}"



def test_initiate_auth_without_secret_hash_is_refused(idp: Any) -> None:
    assert refused(idp.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId=GATEWAY,
                  AuthParameters={"USERNAME": "password-user", "PASSWORD": PASSWORD}) == (
        "NotAuthorizedException", MISSING)


def test_initiate_auth_with_a_wrong_secret_hash_is_refused(idp: Any) -> None:
    assert refused(idp.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId=GATEWAY,
                  AuthParameters={"USERNAME": "password-user", "PASSWORD": PASSWORD,
                                  "SECRET_HASH": secret_hash("totp-user")}) == (
        "NotAuthorizedException", MISMATCH)


def test_public_client_needs_no_secret_hash(idp: Any) -> None:
    result = password_auth(idp, "password-user", client_id=PUBLIC)
    assert "AuthenticationResult" in result


def test_first_call_hashes_the_alias_that_was_typed(idp: Any) -> None:
    assert "AuthenticationResult" in password_auth(idp, "alias@example.com")
    # Hashing the internal name while sending the alias is the mirror-image mistake.
    assert refused(idp.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId=GATEWAY,
                  AuthParameters={"USERNAME": "alias@example.com", "PASSWORD": PASSWORD,
                                  "SECRET_HASH": secret_hash(ALIAS_USER)}) == (
        "NotAuthorizedException", MISMATCH)


def _alias_srp_challenge(idp: Any) -> tuple[SrpClient, dict[str, Any]]:
    srp = SrpClient(POOL, PASSWORD)
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=GATEWAY, AuthParameters={
        "USERNAME": "alias@example.com", "SRP_A": srp.srp_a,
        "SECRET_HASH": secret_hash("alias@example.com"),
    })
    return srp, challenge


def test_after_the_first_challenge_the_hash_is_over_the_internal_username(idp: Any) -> None:
    srp, challenge = _alias_srp_challenge(idp)
    responses = srp.claim(challenge["ChallengeParameters"])
    assert responses["USERNAME"] == ALIAS_USER
    responses["SECRET_HASH"] = secret_hash("alias@example.com")
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY,
                  ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses) == (
        "NotAuthorizedException", MISMATCH)

    srp, challenge = _alias_srp_challenge(idp)
    responses = srp.claim(challenge["ChallengeParameters"])
    responses["SECRET_HASH"] = secret_hash(ALIAS_USER)
    result = idp.respond_to_auth_challenge(ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER",
                                           ChallengeResponses=responses)
    assert "AuthenticationResult" in result


def test_answering_with_the_alias_instead_of_the_internal_username_is_refused(idp: Any) -> None:
    srp, challenge = _alias_srp_challenge(idp)
    responses = srp.claim(challenge["ChallengeParameters"])
    responses["USERNAME"] = "alias@example.com"
    responses["SECRET_HASH"] = secret_hash("alias@example.com")
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY,
                  ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses) == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_mfa_answer_needs_its_own_secret_hash(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "sms-user")
    assert challenge["ChallengeName"] == "SMS_MFA"
    responses = {"USERNAME": "sms-user", "SMS_MFA_CODE": "000000"}
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY, ChallengeName="SMS_MFA",
                  Session=challenge["Session"], ChallengeResponses=responses) == (
        "NotAuthorizedException", MISSING)


def test_refresh_hashes_the_internal_username(idp: Any) -> None:
    tokens = password_auth(idp, "alias@example.com")["AuthenticationResult"]
    refresh = tokens["RefreshToken"]
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
                  AuthParameters={"REFRESH_TOKEN": refresh,
                                  "SECRET_HASH": secret_hash("alias@example.com")}) == (
        "NotAuthorizedException", MISMATCH)
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
                  AuthParameters={"REFRESH_TOKEN": refresh}) == ("NotAuthorizedException", MISSING)
    result = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY, AuthParameters={
        "REFRESH_TOKEN": refresh, "SECRET_HASH": secret_hash(ALIAS_USER)})
    assert "AccessToken" in result["AuthenticationResult"]
    assert "RefreshToken" not in result["AuthenticationResult"]


def test_account_operations_check_the_secret_hash_member(idp: Any) -> None:
    assert refused(idp.forgot_password, ClientId=GATEWAY, Username="password-user") == (
        "NotAuthorizedException", MISSING)
    assert refused(idp.sign_up, ClientId=GATEWAY, Username="newcomer", Password=PASSWORD,
                  SecretHash=secret_hash("someone-else"),
                  UserAttributes=[{"Name": "name", "Value": "N"}]) == (
        "NotAuthorizedException", MISMATCH)
    delivered = idp.forgot_password(ClientId=GATEWAY, Username="password-user",
                                    SecretHash=secret_hash("password-user"))
    assert delivered["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
