"""Cognito's Session: opaque, short-lived, single-use, bound to pool, client, user and step."""

from __future__ import annotations

import re
from typing import Any

from tests.emulator.helpers import (
    GATEWAY,
    LONG_SESSIONS,
    PUBLIC,
    TEST_PASSWORD,
    advance_clock,
    last_code,
    password_auth,
    refused,
    respond,
    secret_hash,
)

EXPIRED = "Invalid session for the user, session is expired."
USED = "Invalid session for the user, session can only be used once."
INVALID = "Invalid session for the user."



def _sms_challenge(idp: Any) -> dict[str, Any]:
    challenge = password_auth(idp, "sms-user")
    assert challenge["ChallengeName"] == "SMS_MFA"
    return challenge


def test_sessions_are_opaque_url_safe_and_fresh(idp: Any) -> None:
    sessions = {_sms_challenge(idp)["Session"] for _ in range(5)}
    assert len(sessions) == 5
    for session in sessions:
        assert 64 <= len(session) <= 200
        assert re.fullmatch(r"[A-Za-z0-9_-]+", session)


def test_session_lives_for_the_clients_auth_session_validity(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    advance_clock(url, 170)
    assert "AuthenticationResult" in respond(idp, challenge,
                                             {"SMS_MFA_CODE": last_code(url, "sms-user")})

    challenge = _sms_challenge(idp)
    advance_clock(url, 181)
    assert refused(respond, idp, challenge, {"SMS_MFA_CODE": last_code(url, "sms-user")}) == (
        "NotAuthorizedException", EXPIRED)


def test_a_longer_auth_session_validity_outlives_the_code(idp: Any, url: str) -> None:
    # Client with AuthSessionValidity 15 in a pool whose new-IP rule asks for an email code.
    challenge = password_auth(idp, "ada@example.com", TEST_PASSWORD, client_id=LONG_SESSIONS)
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    code = last_code(url, "ada@example.com")
    advance_clock(url, 4 * 60)
    assert refused(respond, idp, challenge, {"EMAIL_OTP_CODE": code},
                  client_id=LONG_SESSIONS) == (
        "ExpiredCodeException", "Invalid code provided, please request a code again.")
    advance_clock(url, 12 * 60)
    assert refused(respond, idp, challenge, {"EMAIL_OTP_CODE": code},
                  client_id=LONG_SESSIONS) == ("NotAuthorizedException", EXPIRED)


def test_a_consumed_session_is_refused(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    code = last_code(url, "sms-user")
    respond(idp, challenge, {"SMS_MFA_CODE": code})
    assert refused(respond, idp, challenge, {"SMS_MFA_CODE": code}) == (
        "NotAuthorizedException", USED)


def test_a_wrong_code_keeps_the_session(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    assert refused(respond, idp, challenge, {"SMS_MFA_CODE": "000000"}) == (
        "CodeMismatchException", "Invalid code or auth state for the user.")
    result = respond(idp, challenge, {"SMS_MFA_CODE": last_code(url, "sms-user")})
    assert "AuthenticationResult" in result


def test_five_wrong_codes_end_the_session(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    code = last_code(url, "sms-user")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert refused(respond, idp, challenge, {"SMS_MFA_CODE": wrong})[0] == (
            "CodeMismatchException")
    assert refused(respond, idp, challenge, {"SMS_MFA_CODE": code}) == (
        "NotAuthorizedException", INVALID)


def test_session_is_bound_to_the_client(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    assert refused(idp.respond_to_auth_challenge, ClientId=PUBLIC, ChallengeName="SMS_MFA",
                  Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "sms-user",
                                      "SMS_MFA_CODE": last_code(url, "sms-user")}) == (
        "NotAuthorizedException", INVALID)


def test_session_is_bound_to_the_expected_challenge(idp: Any) -> None:
    challenge = _sms_challenge(idp)
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY,
                  ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "sms-user",
                                      "SECRET_HASH": secret_hash("sms-user"),
                                      "SOFTWARE_TOKEN_MFA_CODE": "123456"}) == (
        "NotAuthorizedException", INVALID)


def test_session_is_bound_to_the_user(idp: Any, url: str) -> None:
    challenge = _sms_challenge(idp)
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY, ChallengeName="SMS_MFA",
                  Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "choice-user",
                                      "SECRET_HASH": secret_hash("choice-user"),
                                      "SMS_MFA_CODE": last_code(url, "sms-user")}) == (
        "NotAuthorizedException", INVALID)


def test_an_unknown_session_is_refused(idp: Any) -> None:
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY, ChallengeName="SMS_MFA",
                  Session="x" * 128,
                  ChallengeResponses={"USERNAME": "sms-user",
                                      "SECRET_HASH": secret_hash("sms-user"),
                                      "SMS_MFA_CODE": "123456"}) == (
        "NotAuthorizedException", INVALID)


def test_an_mfa_answer_without_a_session_is_a_parameterrefused(idp: Any) -> None:
    assert refused(idp.respond_to_auth_challenge, ClientId=GATEWAY, ChallengeName="SMS_MFA",
                  ChallengeResponses={"USERNAME": "sms-user",
                                      "SECRET_HASH": secret_hash("sms-user"),
                                      "SMS_MFA_CODE": "123456"})[0] == (
        "InvalidParameterException")
