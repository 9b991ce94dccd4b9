"""The pure sign-in pieces: what Cognito asked, what to ask the person, what to send.

(The driver's paths from reply to reply are in ``test_signin_driver.py``.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from gateway.errors import InvalidRequest, MfaUnavailable, UnsupportedChallenge
from gateway.signin import model as ch
from gateway.signin import steps
from gateway.signin.model import ChallengeName as C
from gateway.signin.protocol import Ask, RespondToChallenge, Turn


def challenge(name: C, **parameters: str) -> ch.Challenge:
    return ch.Challenge(name, "s" * 40, "internal-id", parameters)


def sent(current: ch.Challenge, answers: Mapping[str, str]) -> Any:
    """The first effect the challenge's handler yields for these answers, or its arrival."""
    handler = steps.handler_for(current.name)
    effects = handler.answer(current, answers, Turn("pool", lambda: None))  # type: ignore[arg-type,return-value]
    try:
        effect = next(effects)
    except StopIteration as finished:
        return finished.value
    return effect.responses if isinstance(effect, RespondToChallenge) else effect


def test_tokens_are_recognised() -> None:
    step = ch.read_reply(
        {"AuthenticationResult": {"AccessToken": "a", "IdToken": "i", "RefreshToken": "r",
                                  "ExpiresIn": 60}},
        "typed",
    )
    assert step == ch.Tokens("a", "i", "r", 60)
    assert "a" not in repr(step)


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"USERNAME": "u-1", "USER_ID_FOR_SRP": "u-2"}, "u-1"),
        ({"USER_ID_FOR_SRP": "u-2"}, "u-2"),
        ({}, "alice@example.com"),
    ],
)
def test_internal_username_precedence(parameters: dict[str, str], expected: str) -> None:
    # Protocol 3.1 rule 2: USERNAME, else USER_ID_FOR_SRP, else what was typed.
    step = ch.read_reply(
        {"ChallengeName": "SMS_MFA", "Session": "x" * 30, "ChallengeParameters": parameters},
        "alice@example.com",
    )
    assert isinstance(step, ch.Challenge)
    assert step.username == expected


def test_unknown_challenge_is_a_protocol_error() -> None:
    with pytest.raises(ch.ProtocolError):
        ch.read_reply({"ChallengeName": "EMAIL_MFA"}, "u")


@pytest.mark.parametrize(
    ("name", "view", "key"),
    [
        (C.SMS_MFA, "sms-code", "SMS_MFA_CODE"),
        (C.EMAIL_OTP, "email-code", "EMAIL_OTP_CODE"),
        (C.SOFTWARE_TOKEN_MFA, "authenticator-code", "SOFTWARE_TOKEN_MFA_CODE"),
    ],
)
def test_code_challenges(name: C, view: str, key: str) -> None:
    current = challenge(name, CODE_DELIVERY_DESTINATION="+*******0100")
    prompt = steps.prompt_for(current)
    assert prompt.step == view
    assert [f.name for f in prompt.fields] == ["code"]
    assert "Session" not in json.dumps(dict(prompt.public))
    assert sent(current, {"code": " 123 456 "}) == {key: "123456"}
    with pytest.raises(InvalidRequest) as refused:
        sent(current, {"code": "12ab56"})
    assert refused.value.field == "code"


def test_totp_code_must_be_six_digits() -> None:
    current = challenge(C.SOFTWARE_TOKEN_MFA)
    with pytest.raises(InvalidRequest):
        sent(current, {"code": "12345"})


def test_select_mfa_type_offers_only_what_cognito_listed() -> None:
    current = challenge(C.SELECT_MFA_TYPE, MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')
    prompt = steps.prompt_for(current)
    assert prompt.public["options"] == ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]
    assert sent(current, {"mfa_type": "SMS_MFA"}) == {"ANSWER": "SMS_MFA"}
    with pytest.raises(InvalidRequest):
        sent(current, {"mfa_type": "EMAIL_OTP"})


def test_new_password_collects_required_attributes() -> None:
    current = challenge(
        C.NEW_PASSWORD_REQUIRED,
        requiredAttributes='["userAttributes.name","userAttributes.family_name"]',
        userAttributes='{"email":"n@example.com"}',
    )
    prompt = steps.prompt_for(current)
    assert [f.name for f in prompt.fields] == ["new_password", "name", "family_name"]
    responses = sent(current, {"new_password": "N3w-pass!", "name": " Nia ",
                               "family_name": "Noor"})
    assert responses == {
        "NEW_PASSWORD": "N3w-pass!",
        "userAttributes.name": "Nia",
        "userAttributes.family_name": "Noor",
    }
    with pytest.raises(InvalidRequest) as refused:
        sent(current, {"new_password": "N3w-pass!", "name": "Nia"})
    assert refused.value.field == "family_name"


def test_mfa_setup_phases() -> None:
    current = challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]')
    prompt = steps.prompt_for(current)
    assert prompt.step == "setup-mfa"
    # Choosing TOTP associates a token first (the driver's tests follow it further).
    assert type(sent(current, {"mfa_type": "SOFTWARE_TOKEN_MFA"})).__name__ == (
        "AssociateSoftwareToken")

    email = sent(current, {"mfa_type": "EMAIL_OTP"})
    assert isinstance(email, Ask)
    email_prompt = steps.prompt_for(email.challenge)
    assert email_prompt.step == "setup-email"
    assert sent(email.challenge, {"email": "me@example.com"}) == {"EMAIL": "me@example.com"}
    with pytest.raises(InvalidRequest):
        sent(email.challenge, {"email": "not an email"})

    totp = current.with_state(method="SOFTWARE_TOKEN_MFA", secret="JBSWY3DPEHPK3PXP")
    totp_prompt = steps.prompt_for(totp)
    assert totp_prompt.step == "setup-authenticator"
    assert totp_prompt.public["secret_code"] == "JBSWY3DPEHPK3PXP"
    assert type(sent(totp, {"code": "654321"})).__name__ == "VerifySoftwareToken"
    assert "JBSW" not in repr(totp)


def test_mfa_setup_with_nothing_we_can_enrol() -> None:
    with pytest.raises(MfaUnavailable):
        steps.prompt_for(challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SMS_MFA"]'))


@pytest.mark.parametrize(
    "name",
    [C.DEVICE_SRP_AUTH, C.DEVICE_PASSWORD_VERIFIER, C.PASSWORD, C.PASSWORD_SRP,
     C.ADMIN_NO_SRP_AUTH, C.PASSWORD_VERIFIER],
)
def test_challenges_without_a_page_are_refused(name: C) -> None:
    with pytest.raises(UnsupportedChallenge):
        steps.prompt_for(challenge(name))


def test_every_challenge_name_is_handled() -> None:
    # prompt_for either returns a prompt or refuses explicitly; nothing falls through.
    params = {"MFAS_CAN_CHOOSE": '["SMS_MFA"]', "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
              "AvailableChallenges": '["EMAIL_OTP"]',
              "CREDENTIAL_REQUEST_OPTIONS": '{"challenge": "Y2hhbGxlbmdl"}'}
    answered = set()
    for name in C:
        try:
            assert steps.prompt_for(challenge(name, **params)).challenge is name
            answered.add(name)
        except UnsupportedChallenge:
            pass
    assert answered == {C.SMS_MFA, C.EMAIL_OTP, C.SOFTWARE_TOKEN_MFA, C.SMS_OTP,
                        C.SELECT_MFA_TYPE, C.NEW_PASSWORD_REQUIRED, C.MFA_SETUP,
                        C.CUSTOM_CHALLENGE, C.SELECT_CHALLENGE, C.WEB_AUTHN,
                        C.CONFIRM_SIGN_UP, C.CONFIRM_FORGOT_PASSWORD}
    assert set(steps.ANSWERABLE) == answered


def test_the_registry_names_every_form_once() -> None:
    assert steps.FORMS == ("sms-code", "email-code", "authenticator-code", "choose-mfa",
                           "new-password", "setup-mfa", "setup-authenticator", "setup-email",
                           "custom", "choose-method", "passkey", "confirm-sign-up",
                           "reset-password")


def test_challenge_round_trips_through_a_record() -> None:
    original = ch.Challenge(C.MFA_SETUP, "s" * 40, "id", {"MFAS_CAN_SETUP": "[]"},
                            state={"method": "EMAIL_OTP"})
    assert ch.Challenge.from_record(original.to_record()) == original


@pytest.mark.parametrize(("named", "templates"), [
    ("email-code", ("challenges/custom/email-code.html", "challenges/custom.html")),
    ("", ("challenges/custom.html",)),
    # Only a plain name picks a template: no path, no traversal, no other folder.
    ("../error", ("challenges/custom.html",)),
    ("custom/x", ("challenges/custom.html",)),
    ("Email-Code", ("challenges/custom.html",)),
])
def test_a_custom_challenge_names_its_template(named: str, templates: tuple[str, ...]) -> None:
    prompt = steps.prompt_for(challenge(C.CUSTOM_CHALLENGE, template=named, USERNAME="x"))
    assert prompt.templates == templates
    assert "USERNAME" not in prompt.public


def test_a_custom_answer_is_sent_as_typed() -> None:
    assert sent(challenge(C.CUSTOM_CHALLENGE), {"answer": " Forty Two "}) == {
        "ANSWER": " Forty Two "}
