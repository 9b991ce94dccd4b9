"""UserContextData: recorded on every call that takes it; IpAddress honoured only for a client
with a secret and EnablePropagateAdditionalUserContextData; the seed's adaptive rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import (
    GATEWAY,
    LONG_SESSIONS,
    NO_PROPAGATION,
    PASSWORD,
    PUBLIC,
    TEST_PASSWORD,
    calls,
    hook,
    last_code,
    password_auth,
    respond,
    secret_hash,
)

BROWSER_IP = "198.51.100.7"
CONTEXT = {"IpAddress": BROWSER_IP, "EncodedData": "fingerprint-blob"}
BLOCKED = "203.0.113.66"  # in the demo pool's BlockedIps


def test_ip_is_honoured_for_a_secret_client_that_propagates(idp: Any, url: str) -> None:
    password_auth(idp, "password-user", UserContextData=CONTEXT)
    (call,) = calls(url, "InitiateAuth")
    assert call["client_id"] == GATEWAY
    assert call["username"] == "password-user"
    assert call["user_context_data"] == CONTEXT
    assert call["ip_honoured"] is True
    assert call["effective_ip"] == BROWSER_IP
    assert call["source_ip"] == "127.0.0.1"
    assert call["error"] is None


@pytest.mark.parametrize(
    ("username", "password", "client_id"),
    [("password-user", PASSWORD, PUBLIC),  # no secret
     ("ada@example.com", TEST_PASSWORD, NO_PROPAGATION)],  # secret, but propagation off
)
def test_ip_is_not_honoured_otherwise(idp: Any, url: str, username: str, password: str,
                                      client_id: str) -> None:
    password_auth(idp, username, password, client_id=client_id, UserContextData=CONTEXT)
    (call,) = calls(url, "InitiateAuth")
    assert call["user_context_data"] == CONTEXT
    assert call["ip_honoured"] is False
    assert call["effective_ip"] == call["source_ip"] == "127.0.0.1"


def test_a_call_without_context_data_is_recorded_as_such(idp: Any, url: str) -> None:
    password_auth(idp, "password-user")
    (call,) = calls(url, "InitiateAuth")
    assert call["user_context_data"] is None
    assert call["ip_honoured"] is False


def test_context_is_recorded_on_challenge_answers_and_account_calls(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "sms-user")
    respond(idp, challenge, {"SMS_MFA_CODE": last_code(url, "sms-user")}, UserContextData=CONTEXT)
    idp.forgot_password(ClientId=GATEWAY, Username="password-user",
                        SecretHash=secret_hash("password-user"), UserContextData=CONTEXT)
    idp.sign_up(ClientId=PUBLIC, Username="context-newcomer", Password=PASSWORD,
                UserAttributes=[{"Name": "name", "Value": "New"},
                                {"Name": "email", "Value": "ctx@example.com"}],
                UserContextData=CONTEXT)
    for operation in ("RespondToAuthChallenge", "ForgotPassword", "SignUp"):
        (call,) = calls(url, operation)
        assert call["user_context_data"] == CONTEXT, operation
    assert calls(url, "RespondToAuthChallenge")[0]["effective_ip"] == BROWSER_IP
    assert calls(url, "SignUp")[0]["ip_honoured"] is False


def test_a_blocked_ip_is_refused_when_it_is_the_effective_ip(idp: Any, url: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, "password-user", UserContextData={"IpAddress": BLOCKED})
    assert excinfo.value.response["Error"] == {
        "Code": "NotAuthorizedException", "Message": "Unable to login because of security reasons."}
    assert calls(url, "InitiateAuth")[0]["error"] == "NotAuthorizedException"
    # From a public client the claimed IP is not believed, so it blocks nothing.
    result = password_auth(idp, "password-user", client_id=PUBLIC,
                           UserContextData={"IpAddress": BLOCKED})
    assert "AuthenticationResult" in result


def test_a_new_ip_requires_mfa_when_the_pool_says_so(idp: Any, url: str) -> None:
    def sign_in(ip: str) -> dict[str, Any]:
        return password_auth(idp, "ada@example.com", TEST_PASSWORD, client_id=LONG_SESSIONS,
                             UserContextData={"IpAddress": ip})

    first = sign_in("192.0.2.10")
    assert first["ChallengeName"] == "EMAIL_OTP"  # ada has no MFA: her verified email is used
    respond(idp, first, {"EMAIL_OTP_CODE": last_code(url, "ada@example.com")},
            client_id=LONG_SESSIONS, UserContextData={"IpAddress": "192.0.2.10"})
    assert "AuthenticationResult" in sign_in("192.0.2.10")
    assert sign_in("192.0.2.11")["ChallengeName"] == "EMAIL_OTP"


def test_the_call_log_holds_no_secrets(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "sms-user", UserContextData=CONTEXT)
    code = last_code(url, "sms-user")
    tokens = respond(idp, challenge, {"SMS_MFA_CODE": code})["AuthenticationResult"]
    idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY, AuthParameters={
        "REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": secret_hash("sms-user")})
    idp.get_user(AccessToken=tokens["AccessToken"])
    records = hook(url, "GET", "/_emulator/calls")[1]["calls"]
    # Only the text fields: a six-digit code could turn up by chance inside a float timestamp.
    text = json.dumps([[value for value in record.values() if not isinstance(value, float)]
                       for record in records])
    secrets = [PASSWORD, code, challenge["Session"], tokens["AccessToken"], tokens["IdToken"],
               tokens["RefreshToken"], secret_hash("sms-user")]
    for secret in secrets:
        assert secret not in text
    assert {record["operation"] for record in records} == {
        "InitiateAuth", "RespondToAuthChallenge", "GetUser"}
