"""PreSignUp, PostConfirmation and CustomMessage as real Python handlers
(tests/emulator/custom_triggers.py, pool us-east-1_TestPool22), and the demo pool's example
(cognito_emulator/examples/sign_up_rules.py), over HTTP with boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.custom_triggers import EVENTS
from tests.emulator.helpers import (
    PASSWORD,
    TEST_PASSWORD,
    hook,
    outbox,
    password_auth,
    refused,
    user_auth,
)

POOL = "us-east-1_TestPool22"
CLIENT = "29testsignupclient0000029"
DEMO_POOL = "us-east-1_DemoSignUp1"
DEMO_CLIENT = "10demosignupclient00000010"
DEMO_SECRET = "10demosignupclientsecret000000000000000000000000010"
EVENT_KEYS = {"version", "triggerSource", "region", "userPoolId", "userName", "callerContext",
              "request", "response"}


def _events(url: str, source: str) -> list[dict[str, Any]]:
    found = [json.loads(message["code"]) for message in outbox(url, EVENTS)]
    return [event for event in found if event["triggerSource"] == source]


def _sign_up(idp: Any, username: str = "sam", **overrides: Any) -> dict[str, Any]:
    request = {"ClientId": CLIENT, "Username": username, "Password": TEST_PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": f"{username}@example.org"},
                                  {"Name": "name", "Value": "Sam Signup"}], **overrides}
    return dict(idp.sign_up(**request))


def _sent(url: str, username: str, purpose: str) -> list[dict[str, Any]]:
    return [m for m in outbox(url, username) if m["purpose"] == purpose]


def _runs(url: str) -> list[tuple[str, str, str]]:
    runs = hook(url, "GET", f"/_emulator/triggers?pool={POOL}")[1]["runs"]
    return [(run["trigger"], run["trigger_source"], run["outcome"]) for run in runs]


def test_pre_sign_up_sees_cognitos_event_and_may_confirm_and_verify(idp: Any, url: str) -> None:
    signed_up = _sign_up(idp, ValidationData=[{"Name": "confirm", "Value": "yes"}],
                         ClientMetadata={"verify": "email"})
    assert signed_up["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in signed_up
    (event,) = _events(url, "PreSignUp_SignUp")
    assert set(event) == EVENT_KEYS
    assert event["version"] == "1" and event["region"] == "us-east-1"
    assert event["userPoolId"] == POOL and event["userName"] == "sam"
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown",
                                      "clientId": CLIENT}
    assert event["request"] == {
        "userAttributes": {"email": "sam@example.org", "name": "Sam Signup"},
        "validationData": {"confirm": "yes"}, "clientMetadata": {"verify": "email"}}
    assert event["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False,
                                 "autoVerifyPhone": False}
    user = idp.admin_get_user(UserPoolId=POOL, Username="sam")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert _sent(url, "sam", "SIGN_UP") == []  # nothing to confirm
    assert "AuthenticationResult" in password_auth(idp, "sam@example.org", TEST_PASSWORD,
                                                   client_id=CLIENT)
    assert ("PreSignUp", "PreSignUp_SignUp", "ok") in _runs(url)


def test_without_auto_confirm_the_code_goes_out_in_custom_words(idp: Any, url: str) -> None:
    signed_up = _sign_up(idp)
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    (message,) = _sent(url, "sam", "SIGN_UP")
    assert message["message"] == f"CustomMessage_SignUp: hello sam, your code is {message['code']}"
    assert message["subject"] == "Subject of CustomMessage_SignUp"
    (event,) = _events(url, "CustomMessage_SignUp")
    assert set(event) == EVENT_KEYS
    request = event["request"]
    assert request["codeParameter"] == "{####}" and request["usernameParameter"] is None
    assert request["userAttributes"]["email"] == "sam@example.org"
    assert request["userAttributes"]["cognito:user_status"] == "UNCONFIRMED"
    assert event["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}

    idp.resend_confirmation_code(ClientId=CLIENT, Username="sam")
    resent = _sent(url, "sam", "SIGN_UP")[-1]
    assert resent["message"].startswith("CustomMessage_ResendCode: ")
    assert resent["message"].endswith(resent["code"])


def test_a_raising_pre_sign_up_refuses_the_sign_up(idp: Any, url: str) -> None:
    assert refused(_sign_up, idp, UserAttributes=[{"Name": "name", "Value": "Refuse Me"}]) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error sign-up refused by the test trigger.")
    assert refused(idp.admin_get_user, UserPoolId=POOL, Username="sam")[0] == \
        "UserNotFoundException"
    assert _runs(url)[-1] == ("PreSignUp", "PreSignUp_SignUp", "failed")


def test_post_confirmation_after_sign_up_and_password_reset(idp: Any, url: str) -> None:
    _sign_up(idp)
    code = _sent(url, "sam", "SIGN_UP")[-1]["code"]
    idp.confirm_sign_up(ClientId=CLIENT, Username="sam", ConfirmationCode=code,
                        ClientMetadata={"step": "confirm"})
    (event,) = _events(url, "PostConfirmation_ConfirmSignUp")
    assert set(event) == EVENT_KEYS and event["userName"] == "sam"
    assert event["request"]["clientMetadata"] == {"step": "confirm"}
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userAttributes"]["email_verified"] == "true"
    assert event["response"] == {}

    delivered = idp.forgot_password(ClientId=CLIENT, Username="sam")
    assert delivered["CodeDeliveryDetails"]["AttributeName"] == "email"
    reset = _sent(url, "sam", "FORGOT_PASSWORD")[-1]
    assert reset["message"] == (
        f"CustomMessage_ForgotPassword: hello sam, your code is {reset['code']}")
    idp.confirm_forgot_password(ClientId=CLIENT, Username="sam", ConfirmationCode=reset["code"],
                                Password="Reset-Passw0rd!")
    (event,) = _events(url, "PostConfirmation_ConfirmForgotPassword")
    assert event["userName"] == "sam"
    assert [run for run in _runs(url) if run[0] == "PostConfirmation"] == [
        ("PostConfirmation", "PostConfirmation_ConfirmSignUp", "ok"),
        ("PostConfirmation", "PostConfirmation_ConfirmForgotPassword", "ok")]


def test_a_raising_post_confirmation_is_the_answer_but_the_user_is_confirmed(
        idp: Any, url: str) -> None:
    _sign_up(idp)
    code = _sent(url, "sam", "SIGN_UP")[-1]["code"]
    assert refused(idp.confirm_sign_up, ClientId=CLIENT, Username="sam", ConfirmationCode=code,
                   ClientMetadata={"fail": "yes"}) == (
        "UserLambdaValidationException", "PostConfirmation failed with error post confirmation "
        "broke.")
    assert idp.admin_get_user(UserPoolId=POOL, Username="sam")["UserStatus"] == "CONFIRMED"


def test_custom_message_words_attribute_and_sign_in_codes(idp: Any, url: str) -> None:
    tokens = password_auth(idp, "account-user", TEST_PASSWORD,
                           client_id=CLIENT)["AuthenticationResult"]
    idp.update_user_attributes(AccessToken=tokens["AccessToken"],
                               UserAttributes=[{"Name": "email", "Value": "moved@example.com"}])
    update = _sent(url, "account-user", "VERIFY_ATTRIBUTE")[-1]
    assert update["destination"] == "moved@example.com"
    assert update["message"].startswith("CustomMessage_UpdateUserAttribute: hello account-user")
    (event,) = _events(url, "CustomMessage_UpdateUserAttribute")
    assert event["request"]["userAttributes"]["email"] == "moved@example.com"

    idp.get_user_attribute_verification_code(AccessToken=tokens["AccessToken"],
                                             AttributeName="email")
    again = _sent(url, "account-user", "VERIFY_ATTRIBUTE")[-1]
    assert again["message"].startswith("CustomMessage_VerifyUserAttribute: ")

    challenge = user_auth(idp, "account-user", client_id=CLIENT, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    sign_in = _sent(url, "account-user", "SIGN_IN")[-1]
    assert sign_in["message"] == (
        f"CustomMessage_Authentication: hello account-user, your code is {sign_in['code']}")
    assert sign_in["subject"] == "Subject of CustomMessage_Authentication"


def test_custom_message_without_the_code_parameter_leaves_cognitos_message(
        idp: Any, url: str) -> None:
    idp.forgot_password(ClientId=CLIENT, Username="account-user", ClientMetadata={"plain": "yes"})
    message = _sent(url, "account-user", "FORGOT_PASSWORD")[-1]
    assert "message" not in message and "subject" not in message
    assert message["code"]


# -- the demo pool's example (sign_up_rules.py) ------------------------------------------


def _demo_sign_up(idp: Any, username: str, email: str) -> dict[str, Any]:
    import cognito_srp

    return dict(idp.sign_up(
        ClientId=DEMO_CLIENT, Username=username, Password=PASSWORD,
        SecretHash=cognito_srp.secret_hash(username, DEMO_CLIENT, DEMO_SECRET),
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "Dee"}]))


@pytest.mark.parametrize(("email", "confirmed"), [("dee@example.com", True),
                                                  ("dee@elsewhere.org", False)])
def test_demo_sign_up_pool_confirms_one_domain_and_words_its_emails(
        idp: Any, url: str, email: str, confirmed: bool) -> None:
    signed_up = _demo_sign_up(idp, "dee", email)
    assert signed_up["UserConfirmed"] is confirmed
    assert "Session" in signed_up
    user = idp.admin_get_user(UserPoolId=DEMO_POOL, Username="dee")
    assert user["UserStatus"] == ("CONFIRMED" if confirmed else "UNCONFIRMED")
    sent = _sent(url, "dee", "SIGN_UP")
    if confirmed:
        assert sent == []
        assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    else:
        (message,) = sent
        assert message["subject"] == "Welcome! Confirm your email"
        assert message["message"].startswith("Hello Dee,")
        assert f"your code is {message['code']}." in message["message"]
