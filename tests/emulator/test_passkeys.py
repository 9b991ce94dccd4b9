"""Passkeys over HTTP through boto3, with a software authenticator: the pool's
WebAuthnConfiguration, registration, listing and deletion, and the WEB_AUTHN sign-in with
everything py_webauthn checks (signature, challenge, origin, RP id, counter, user
verification)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.helpers import (
    CHOICE_CLIENT,
    CHOICE_POOL,
    GATEWAY,
    PASSWORD,
    RP_OTHER,
    RP_POOL,
    RP_PREVENTING,
    RP_PUBLIC,
    TEST_PASSWORD,
    calls,
    hook,
    password_auth,
    refused,
    respond,
    totp,
    user_auth,
)
from tests.emulator.soft_authenticator import SoftAuthenticator, b64url

LOCAL_ORIGIN = "http://localhost:8000"
ICLOUD = bytes.fromhex("fbfc3007154e4ecc8c0b6e020557d7bd")


def signed_in(idp: Any, username: str = "passkey-user", client_id: str = CHOICE_CLIENT,
              password: str = PASSWORD) -> str:
    result = user_auth(idp, username, client_id=client_id, PREFERRED_CHALLENGE="PASSWORD",
                       PASSWORD=password)
    return str(result["AuthenticationResult"]["AccessToken"])


def register(idp: Any, token: str, authenticator: SoftAuthenticator,
             origin: str = LOCAL_ORIGIN, **how: Any) -> dict[str, Any]:
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = authenticator.create(options, origin, **how)
    idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
    return credential


def web_authn_challenge(idp: Any, username: str = "passkey-user",
                        client_id: str = CHOICE_CLIENT) -> dict[str, Any]:
    challenge = user_auth(idp, username, client_id=client_id, PREFERRED_CHALLENGE="WEB_AUTHN")
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    return challenge


def answer(idp: Any, challenge: dict[str, Any], credential: str,
           client_id: str = CHOICE_CLIENT) -> dict[str, Any]:
    return respond(idp, challenge, {"CREDENTIAL": credential}, client_id=client_id)


def options_of(challenge: dict[str, Any]) -> str:
    return str(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])


@pytest.fixture
def passkey(idp: Any) -> SoftAuthenticator:
    """passkey-user (demo pool, relying party localhost) with one registered passkey."""
    authenticator = SoftAuthenticator()
    register(idp, signed_in(idp), authenticator)
    return authenticator


# -- configuration ---------------------------------------------------------------------------


def test_web_authn_configuration_is_set_and_read_back(idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="passkeys")["UserPool"]["Id"]
    assert "WebAuthnConfiguration" not in idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    config = {"RelyingPartyId": "auth.example.com", "UserVerification": "required",
              "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
    reply = idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration=config)
    assert reply["WebAuthnConfiguration"] == config
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["WebAuthnConfiguration"] == config
    seeded = idp.get_user_pool_mfa_config(UserPoolId=CHOICE_POOL)["WebAuthnConfiguration"]
    assert seeded == {"RelyingPartyId": "localhost", "UserVerification": "preferred",
                      "FactorConfiguration": "SINGLE_FACTOR"}


def test_registration_needs_passkeys_enabled_and_configured(idp: Any) -> None:
    # Demo pool 1 does not allow WEB_AUTHN as a first factor.
    token = password_auth(idp, "password-user", client_id=GATEWAY)["AuthenticationResult"]
    code, _ = refused(idp.start_web_authn_registration, AccessToken=token["AccessToken"])
    assert code == "WebAuthnNotEnabledException"
    pool_id = idp.create_user_pool(PoolName="no-rp", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="rp-less", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="rp-less", Password=PASSWORD,
                                Permanent=True)
    access = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=client_id, AuthParameters={
        "USERNAME": "rp-less", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD,
    })["AuthenticationResult"]["AccessToken"]
    code, _ = refused(idp.start_web_authn_registration, AccessToken=access)
    assert code == "WebAuthnConfigurationMissingException"


# -- registration ----------------------------------------------------------------------------


def test_registration_options_list_what_the_browser_needs(idp: Any) -> None:
    token = signed_in(idp)
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"] == {"id": "localhost", "name": "demo-choice"}
    assert options["user"]["name"] == "passkey-user"
    assert options["user"]["displayName"] == "Kim Passkey"
    assert options["user"]["id"] and options["challenge"]
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == []
    assert options["timeout"] == 300000
    credential = SoftAuthenticator().create(options, LOCAL_ORIGIN)
    idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
    again = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert [item["id"] for item in again["excludeCredentials"]] == [credential["id"]]


@pytest.mark.parametrize("fmt", ["none", "packed"])
def test_register_list_and_delete(idp: Any, url: str, fmt: str) -> None:
    token = signed_in(idp)
    first = register(idp, token, SoftAuthenticator(), fmt=fmt)
    second = register(idp, token, SoftAuthenticator(aaguid=ICLOUD), fmt=fmt)
    listed = idp.list_web_authn_credentials(AccessToken=token)
    assert [c["CredentialId"] for c in listed["Credentials"]] == [first["id"], second["id"]]
    assert [c["FriendlyCredentialName"] for c in listed["Credentials"]] == [
        "Passkey", "iCloud Keychain"]
    item = listed["Credentials"][0]
    assert item["RelyingPartyId"] == "localhost"
    assert item["AuthenticatorAttachment"] == "platform"
    assert item["AuthenticatorTransports"] == ["internal", "hybrid"]
    assert item["CreatedAt"]
    page = idp.list_web_authn_credentials(AccessToken=token, MaxResults=1)
    assert [c["CredentialId"] for c in page["Credentials"]] == [first["id"]]
    rest = idp.list_web_authn_credentials(AccessToken=token, NextToken=page["NextToken"])
    assert [c["CredentialId"] for c in rest["Credentials"]] == [second["id"]]
    assert "NextToken" not in rest
    idp.delete_web_authn_credential(AccessToken=token, CredentialId=first["id"])
    assert [c["CredentialId"] for c in idp.list_web_authn_credentials(
        AccessToken=token)["Credentials"]] == [second["id"]]
    code, _ = refused(idp.delete_web_authn_credential, AccessToken=token,
                      CredentialId=first["id"])
    assert code == "ResourceNotFoundException"
    (shown,) = hook(url, "GET", "/_emulator/passkeys")[1]["passkeys"]
    assert (shown["username"], shown["name"], shown["sign_count"]) == (
        "passkey-user", "iCloud Keychain", 0)


def test_registration_refusals(idp: Any) -> None:
    token = signed_in(idp)
    authenticator = SoftAuthenticator()
    start = idp.start_web_authn_registration

    def complete(credential: dict[str, Any]) -> tuple[str, str]:
        return refused(idp.complete_web_authn_registration, AccessToken=token,
                       Credential=credential)

    options = start(AccessToken=token)["CredentialCreationOptions"]
    assert complete(authenticator.create(options, "https://evil.example"))[0] == (
        "WebAuthnOriginNotAllowedException")
    options = start(AccessToken=token)["CredentialCreationOptions"]
    assert complete(authenticator.create(options, LOCAL_ORIGIN, rp_id="evil.example"))[0] == (
        "WebAuthnRelyingPartyMismatchException")
    options = start(AccessToken=token)["CredentialCreationOptions"]
    assert complete(authenticator.create(options, LOCAL_ORIGIN, fmt="packed",
                                         bad_signature=True))[0] == (
        "WebAuthnCredentialNotSupportedException")
    options = start(AccessToken=token)["CredentialCreationOptions"]
    good = authenticator.create(options, LOCAL_ORIGIN)
    idp.complete_web_authn_registration(AccessToken=token, Credential=good)
    # The challenge counted once: the same response again finds no challenge.
    assert complete(good)[0] == "WebAuthnChallengeNotFoundException"
    assert complete({"id": "x"})[0] == "InvalidParameterException"


def test_registration_challenge_expires(idp: Any, url: str) -> None:
    from tests.emulator.helpers import advance_clock
    token = signed_in(idp)
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    advance_clock(url, 301)
    code, _ = refused(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=SoftAuthenticator().create(options, LOCAL_ORIGIN))
    # (The access token lasts an hour, the registration challenge five minutes.)
    assert code == "WebAuthnChallengeNotFoundException"


def test_registration_must_finish_on_the_client_that_started_it(idp: Any) -> None:
    started = signed_in(idp, "plain-user", RP_PUBLIC, TEST_PASSWORD)
    other = password_auth(idp, "plain-user", TEST_PASSWORD, client_id=RP_OTHER)
    options = idp.start_web_authn_registration(AccessToken=started)["CredentialCreationOptions"]
    code, _ = refused(idp.complete_web_authn_registration,
                      AccessToken=other["AuthenticationResult"]["AccessToken"],
                      Credential=SoftAuthenticator().create(options, "https://example.com"))
    assert code == "WebAuthnClientMismatchException"


def test_user_verification_required_at_registration(idp: Any) -> None:
    token = signed_in(idp, "plain-user", RP_PUBLIC, TEST_PASSWORD)
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["authenticatorSelection"]["userVerification"] == "required"
    code, _ = refused(idp.complete_web_authn_registration, AccessToken=token,
                      Credential=SoftAuthenticator().create(options, "https://example.com",
                                                            user_verified=False))
    assert code == "WebAuthnCredentialNotSupportedException"


# -- sign-in ---------------------------------------------------------------------------------


def test_sign_in_with_a_passkey(idp: Any, url: str, passkey: SoftAuthenticator) -> None:
    choice = user_auth(idp, "passkey-user")
    assert choice["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP",
                                             "WEB_AUTHN"]
    challenge = respond(idp, choice, {"ANSWER": "WEB_AUTHN"}, client_id=CHOICE_CLIENT)
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(options_of(challenge))
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "preferred"
    assert options["timeout"] == 180000
    assert [c["id"] for c in options["allowCredentials"]] == [
        b64url(next(iter(passkey.credentials)))]
    assert options["allowCredentials"][0]["type"] == "public-key"
    result = answer(idp, challenge, passkey.get(options_of(challenge), LOCAL_ORIGIN))
    assert result["AuthenticationResult"]["AccessToken"]
    logged = calls(url, "RespondToAuthChallenge")[-1]
    assert (logged["challenge"], logged["error"]) == ("WEB_AUTHN", None)
    (shown,) = hook(url, "GET", "/_emulator/passkeys")[1]["passkeys"]
    assert shown["sign_count"] == 1 and shown["last_used"] is not None
    factors = idp.get_user_auth_factors(AccessToken=result["AuthenticationResult"]["AccessToken"])
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    status, page = hook(url, "GET", "/_emulator/")
    assert status == 200 and "Passkeys" in page and shown["credential_id_prefix"] in page


def test_any_localhost_port_is_an_allowed_origin(idp: Any, passkey: SoftAuthenticator) -> None:
    for origin in ("http://localhost:5173", "http://localhost", "https://localhost:8443"):
        challenge = web_authn_challenge(idp)
        assert "AuthenticationResult" in answer(idp, challenge,
                                                passkey.get(options_of(challenge), origin))


@pytest.mark.parametrize("how", [
    {"origin": "https://evil.example"},
    {"origin": "http://127.0.0.1:8000"},
    {"rp_id": "evil.example"},
    {"bad_signature": True},
])
def test_a_bad_assertion_is_refused(idp: Any, passkey: SoftAuthenticator,
                                    how: dict[str, Any]) -> None:
    challenge = web_authn_challenge(idp)
    origin = how.pop("origin", LOCAL_ORIGIN)
    code, message = refused(answer, idp, challenge,
                            passkey.get(options_of(challenge), origin, **how))
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")
    # A failed assertion keeps the Session (like a wrong code): a good one still signs in.
    assert "AuthenticationResult" in answer(idp, challenge,
                                            passkey.get(options_of(challenge), LOCAL_ORIGIN))


def test_a_replayed_challenge_is_refused(idp: Any, passkey: SoftAuthenticator) -> None:
    challenge = web_authn_challenge(idp)
    assertion = passkey.get(options_of(challenge), LOCAL_ORIGIN)
    answer(idp, challenge, assertion)
    _code, message = refused(answer, idp, challenge, assertion)
    assert message == "Invalid session for the user, session can only be used once."
    # The same assertion on a new sign-in: its challenge is not the new one.
    fresh = web_authn_challenge(idp)
    assert refused(answer, idp, fresh, assertion) == ("NotAuthorizedException",
                                                      "Incorrect username or password.")


def test_a_cloned_authenticators_counter_is_refused(idp: Any,
                                                    passkey: SoftAuthenticator) -> None:
    challenge = web_authn_challenge(idp)
    answer(idp, challenge, passkey.get(options_of(challenge), LOCAL_ORIGIN, counter=5))
    for counter in (5, 3):
        challenge = web_authn_challenge(idp)
        code, _ = refused(answer, idp, challenge,
                          passkey.get(options_of(challenge), LOCAL_ORIGIN, counter=counter))
        assert code == "NotAuthorizedException"
    challenge = web_authn_challenge(idp)
    assert "AuthenticationResult" in answer(
        idp, challenge, passkey.get(options_of(challenge), LOCAL_ORIGIN, counter=6))


def test_a_deleted_passkey_no_longer_signs_in(idp: Any, passkey: SoftAuthenticator) -> None:
    challenge = web_authn_challenge(idp)
    token = signed_in(idp)
    (credential_id,) = passkey.credentials
    idp.delete_web_authn_credential(AccessToken=token, CredentialId=b64url(credential_id))
    code, _ = refused(answer, idp, challenge, passkey.get(options_of(challenge), LOCAL_ORIGIN))
    assert code == "NotAuthorizedException"
    assert "WEB_AUTHN" not in user_auth(idp, "passkey-user")["AvailableChallenges"]


def test_user_verification_required_at_sign_in(idp: Any) -> None:
    authenticator = SoftAuthenticator()
    register(idp, signed_in(idp, "plain-user", RP_PUBLIC, TEST_PASSWORD), authenticator,
             "https://example.com")
    challenge = web_authn_challenge(idp, "plain-user", RP_PUBLIC)
    assert json.loads(options_of(challenge))["userVerification"] == "required"
    code, _ = refused(answer, idp, challenge,
                      authenticator.get(options_of(challenge), "https://example.com",
                                        user_verified=False), client_id=RP_PUBLIC)
    assert code == "NotAuthorizedException"
    # The seed's extra origin counts too.
    assert "AuthenticationResult" in answer(
        idp, challenge, authenticator.get(options_of(challenge), "https://app.example.com"),
        client_id=RP_PUBLIC)


def test_a_passkey_stands_in_for_mfa_with_multi_factor_configuration(idp: Any,
                                                                     url: str) -> None:
    mfa = respond(idp, user_auth(idp, "mfa-user", client_id=RP_PUBLIC),
                  {"ANSWER": "PASSWORD", "PASSWORD": TEST_PASSWORD}, client_id=RP_PUBLIC)
    token = respond(idp, mfa, {"SOFTWARE_TOKEN_MFA_CODE": totp(url, "mfa-user", RP_POOL)["code"]},
                    client_id=RP_PUBLIC)["AuthenticationResult"]["AccessToken"]
    authenticator = SoftAuthenticator()
    register(idp, token, authenticator, "https://example.com")
    # An MFA user is offered the passkey only once passkey MFA is on.
    assert "WEB_AUTHN" not in user_auth(idp, "mfa-user", client_id=RP_PUBLIC)[
        "AvailableChallenges"]
    idp.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    challenge = web_authn_challenge(idp, "mfa-user", RP_PUBLIC)
    result = answer(idp, challenge, authenticator.get(options_of(challenge), "https://example.com"),
                    client_id=RP_PUBLIC)
    assert "AuthenticationResult" in result  # no SOFTWARE_TOKEN_MFA after the passkey


def test_unknown_users_are_never_offered_a_passkey(idp: Any) -> None:
    challenge = user_auth(idp, "nobody", client_id=RP_PREVENTING,
                          PREFERRED_CHALLENGE="WEB_AUTHN")
    assert challenge["ChallengeName"] == "SELECT_CHALLENGE"
    assert "WEB_AUTHN" not in challenge["AvailableChallenges"]
