"""MFA: pool OFF / OPTIONAL / ON; SMS, TOTP and email codes; SELECT_MFA_TYPE; MFA_SETUP."""

from __future__ import annotations

import json
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import (
    MFA_OFF_CLIENT,
    POOL,
    SETUP_CLIENT,
    SETUP_POOL,
    TEST_PASSWORD,
    advance_clock,
    emulator_now,
    last_code,
    outbox,
    password_auth,
    refused,
    respond,
    totp,
)

TOTP_SECRET = "MRSW23ZNORXXI4BNOVZWK4RNONSWG4TF"  # totp-user in the demo seed



def _code_at(url: str, secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(emulator_now(url)), counter_offset=offset_steps)


# -- TOTP --------------------------------------------------------------------------------------


def test_totp_user_answers_with_the_current_code(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "totp-user")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == "totp-user"
    result = respond(idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": _code_at(url, TOTP_SECRET)})
    assert "AuthenticationResult" in result


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_totp_allows_one_step_of_drift(idp: Any, url: str, steps: int, accepted: bool) -> None:
    challenge = password_auth(idp, "totp-user")
    code = _code_at(url, TOTP_SECRET, steps)
    if accepted:
        assert "AuthenticationResult" in respond(idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": code})
    else:
        assert refused(respond, idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": code}) == (
            "CodeMismatchException", "Invalid code or auth state for the user.")


def test_a_totp_code_cannot_be_used_twice(idp: Any, url: str) -> None:
    code = _code_at(url, TOTP_SECRET)
    respond(idp, password_auth(idp, "totp-user"), {"SOFTWARE_TOKEN_MFA_CODE": code})
    challenge = password_auth(idp, "totp-user")
    assert refused(respond, idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": code}) == (
        "ExpiredCodeException", "Your software token has already been used once.")
    advance_clock(url, 30)
    result = respond(idp, challenge, {"SOFTWARE_TOKEN_MFA_CODE": _code_at(url, TOTP_SECRET)})
    assert "AuthenticationResult" in result


# -- SMS and email -----------------------------------------------------------------------------


def test_sms_code_goes_to_the_phone_and_the_destination_is_masked(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "sms-user")
    parameters = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert parameters["CODE_DELIVERY_DESTINATION"] == "+*******0100"
    (message,) = outbox(url, "sms-user")
    assert message["medium"] == "SMS"
    assert message["destination"] == "+15555550100"
    assert message["purpose"] == "MFA"
    assert message["code"].isdigit() and len(message["code"]) == 6
    assert "AuthenticationResult" in respond(idp, challenge, {"SMS_MFA_CODE": message["code"]})


def test_email_code_goes_to_the_address_and_the_destination_is_masked(idp: Any,
                                                                      url: str) -> None:
    challenge = password_auth(idp, "email-user")
    parameters = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert parameters["CODE_DELIVERY_DESTINATION"] == "e***@e***"
    code = last_code(url, "email-user@example.com")
    assert "AuthenticationResult" in respond(idp, challenge, {"EMAIL_OTP_CODE": code})


def test_delivered_codes_are_single_use_and_random(idp: Any, url: str) -> None:
    first = password_auth(idp, "sms-user")
    old_code = last_code(url, "sms-user")
    respond(idp, first, {"SMS_MFA_CODE": old_code})
    second = password_auth(idp, "sms-user")
    new_code = last_code(url, "sms-user")
    codes = {old_code, new_code}
    for _ in range(3):
        password_auth(idp, "sms-user")
        codes.add(last_code(url, "sms-user"))
    assert len(codes) > 1
    if new_code != old_code:
        assert refused(respond, idp, second, {"SMS_MFA_CODE": old_code})[0] == (
            "CodeMismatchException")
    assert "AuthenticationResult" in respond(idp, second, {"SMS_MFA_CODE": new_code})


# -- choosing ----------------------------------------------------------------------------------


def test_several_methods_and_no_preference_means_select_mfa_type(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "choice-user")
    assert challenge["ChallengeName"] == "SELECT_MFA_TYPE"
    choices = challenge["ChallengeParameters"]["MFAS_CAN_CHOOSE"]
    assert isinstance(choices, str)
    assert json.loads(choices) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]

    assert refused(respond, idp, challenge, {"ANSWER": "EMAIL_MFA"})[0] == (
        "InvalidParameterException")
    chosen = respond(idp, challenge, {"ANSWER": "EMAIL_OTP"})
    assert chosen["ChallengeName"] == "EMAIL_OTP"
    code = last_code(url, "choice-user")
    assert "AuthenticationResult" in respond(idp, chosen, {"EMAIL_OTP_CODE": code})


def test_a_preferred_method_skips_the_choice(idp: Any) -> None:
    idp.admin_set_user_mfa_preference(UserPoolId=POOL, Username="choice-user",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert password_auth(idp, "choice-user")["ChallengeName"] == "SMS_MFA"


def test_optional_mfa_without_methods_gives_tokens(idp: Any) -> None:
    assert "AuthenticationResult" in password_auth(idp, "password-user")


def test_mfa_off_ignores_the_users_methods(idp: Any) -> None:
    result = password_auth(idp, "off-user", TEST_PASSWORD, client_id=MFA_OFF_CLIENT)
    assert "AuthenticationResult" in result


# -- setting MFA up during sign-in (pool ON) ----------------------------------------------------


def _setup_challenge(idp: Any) -> dict[str, Any]:
    challenge = password_auth(idp, "setup-user", client_id=SETUP_CLIENT)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    return challenge


def test_required_mfa_without_a_method_asks_for_setup(idp: Any) -> None:
    challenge = _setup_challenge(idp)
    can_setup = challenge["ChallengeParameters"]["MFAS_CAN_SETUP"]
    assert json.loads(can_setup) == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]


def test_totp_setup_associate_verify_respond(idp: Any, url: str) -> None:
    challenge = _setup_challenge(idp)
    associated = idp.associate_software_token(Session=challenge["Session"])
    secret = associated["SecretCode"]
    assert len(secret) >= 16 and secret.isalnum()
    assert associated["Session"] != challenge["Session"]

    with pytest.raises(ClientError) as excinfo:
        idp.verify_software_token(Session=associated["Session"], UserCode="000000"
                                  if _code_at(url, secret) != "000000" else "111111")
    assert excinfo.value.response["Error"]["Code"] == "EnableSoftwareTokenMFAException"

    verified = idp.verify_software_token(Session=associated["Session"],
                                         UserCode=_code_at(url, secret))
    assert verified["Status"] == "SUCCESS"
    result = respond(idp, {**challenge, "Session": verified["Session"]}, {},
                     client_id=SETUP_CLIENT)
    assert "AuthenticationResult" in result

    user = idp.admin_get_user(UserPoolId=SETUP_POOL, Username="setup-user")
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    advance_clock(url, 30)
    again = password_auth(idp, "setup-user", client_id=SETUP_CLIENT)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" in respond(
        idp, again, {"SOFTWARE_TOKEN_MFA_CODE": _code_at(url, secret)}, client_id=SETUP_CLIENT)


def test_setup_cannot_skip_verification(idp: Any) -> None:
    challenge = _setup_challenge(idp)
    associated = idp.associate_software_token(Session=challenge["Session"])
    assert refused(respond, idp, {**challenge, "Session": associated["Session"]}, {},
                  client_id=SETUP_CLIENT)[0] == "InvalidParameterException"
    # The challenge's own session was spent by AssociateSoftwareToken.
    assert refused(respond, idp, challenge, {}, client_id=SETUP_CLIENT) == (
        "NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def test_email_setup_sends_a_code_then_signs_in(idp: Any, url: str) -> None:
    challenge = _setup_challenge(idp)
    sent = respond(idp, challenge, {"EMAIL": "setup@example.com"}, client_id=SETUP_CLIENT)
    assert sent["ChallengeName"] == "EMAIL_OTP"
    (message,) = outbox(url, "setup-user")
    assert (message["purpose"], message["destination"]) == ("MFA_SETUP", "setup@example.com")
    result = respond(idp, sent, {"EMAIL_OTP_CODE": message["code"]}, client_id=SETUP_CLIENT)
    assert "AuthenticationResult" in result
    user = idp.admin_get_user(UserPoolId=SETUP_POOL, Username="setup-user")
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]
    assert user["PreferredMfaSetting"] == "EMAIL_OTP"
    assert password_auth(idp, "setup-user", client_id=SETUP_CLIENT)["ChallengeName"] == "EMAIL_OTP"


# -- enrolling with an access token -------------------------------------------------------------


def test_totp_enrolment_with_an_access_token(idp: Any, url: str) -> None:
    access = password_auth(idp, "password-user")["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as excinfo:
        idp.set_user_mfa_preference(AccessToken=access,
                                    SoftwareTokenMfaSettings={"Enabled": True})
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"

    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert idp.verify_software_token(AccessToken=access,
                                     UserCode=_code_at(url, secret))["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={
        "Enabled": True, "PreferredMfa": True})
    me = idp.get_user(AccessToken=access)
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert totp(url, "password-user")["secret"] == secret
    assert password_auth(idp, "password-user")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_admin_can_turn_on_email_mfa(idp: Any, url: str) -> None:
    idp.admin_set_user_mfa_preference(UserPoolId=POOL, Username="password-user",
                                      EmailMfaSettings={"Enabled": True})
    challenge = password_auth(idp, "password-user")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    with pytest.raises(ClientError) as excinfo:
        idp.admin_set_user_mfa_preference(UserPoolId=POOL, Username="password-user",
                                          SMSMfaSettings={"Enabled": True})
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"
