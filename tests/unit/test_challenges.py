"""The pure sign-in state machine: what Cognito asked, what to ask the person, what to send."""

from __future__ import annotations

import json

import pytest

from gateway.errors import InvalidRequest, MfaUnavailable, UnsupportedChallenge
from gateway.signin import model as ch
from gateway.signin.model import ChallengeName as C


def challenge(name: C, **parameters: str) -> ch.Challenge:
    return ch.Challenge(name, "s" * 40, "internal-id", parameters)


def test_tokens_are_recognised() -> None:
    step = ch.next_step(
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
    step = ch.next_step(
        {"ChallengeName": "SMS_MFA", "Session": "x" * 30, "ChallengeParameters": parameters},
        "alice@example.com",
    )
    assert isinstance(step, ch.Challenge)
    assert step.username == expected


def test_unknown_challenge_is_a_protocol_error() -> None:
    with pytest.raises(ch.ProtocolError):
        ch.next_step({"ChallengeName": "EMAIL_MFA"}, "u")


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
    prompt = ch.prompt_for(current)
    assert prompt.view == view
    assert [f.name for f in prompt.fields] == ["code"]
    assert "Session" not in json.dumps(dict(prompt.public))
    assert ch.plan(prompt, current, {"code": " 123 456 "}) == ch.Respond({key: "123456"})
    with pytest.raises(InvalidRequest) as refused:
        ch.plan(prompt, current, {"code": "12ab56"})
    assert refused.value.field == "code"


def test_totp_code_must_be_six_digits() -> None:
    current = challenge(C.SOFTWARE_TOKEN_MFA)
    with pytest.raises(InvalidRequest):
        ch.plan(ch.prompt_for(current), current, {"code": "12345"})


def test_select_mfa_type_offers_only_what_cognito_listed() -> None:
    current = challenge(C.SELECT_MFA_TYPE, MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')
    prompt = ch.prompt_for(current)
    assert prompt.public["options"] == ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]
    assert ch.plan(prompt, current, {"mfa_type": "SMS_MFA"}) == ch.Respond({"ANSWER": "SMS_MFA"})
    with pytest.raises(InvalidRequest):
        ch.plan(prompt, current, {"mfa_type": "EMAIL_OTP"})


def test_new_password_collects_required_attributes() -> None:
    current = challenge(
        C.NEW_PASSWORD_REQUIRED,
        requiredAttributes='["userAttributes.name","userAttributes.family_name"]',
        userAttributes='{"email":"n@example.com"}',
    )
    prompt = ch.prompt_for(current)
    assert [f.name for f in prompt.fields] == ["new_password", "name", "family_name"]
    action = ch.plan(prompt, current,
                     {"new_password": "N3w-pass!", "name": " Nia ", "family_name": "Noor"})
    assert action == ch.Respond({
        "NEW_PASSWORD": "N3w-pass!",
        "userAttributes.name": "Nia",
        "userAttributes.family_name": "Noor",
    })
    with pytest.raises(InvalidRequest) as refused:
        ch.plan(prompt, current, {"new_password": "N3w-pass!", "name": "Nia"})
    assert refused.value.field == "family_name"


def test_mfa_setup_with_one_method_starts_it() -> None:
    only_totp = challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')
    assert ch.automatic_setup(only_totp) is C.SOFTWARE_TOKEN_MFA
    both = challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]')
    assert ch.automatic_setup(both) is None


def test_mfa_setup_phases() -> None:
    current = challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]')
    prompt = ch.prompt_for(current)
    assert prompt.view == "setup-mfa"
    assert ch.plan(prompt, current, {"mfa_type": "SOFTWARE_TOKEN_MFA"}) == ch.BeginTotpSetup()

    email = ch.plan(prompt, current, {"mfa_type": "EMAIL_OTP"})
    assert isinstance(email, ch.Stay)
    email_prompt = ch.prompt_for(email.challenge)
    assert email_prompt.view == "setup-email"
    assert ch.plan(email_prompt, email.challenge, {"email": "me@example.com"}) == ch.Respond(
        {"EMAIL": "me@example.com"}
    )
    with pytest.raises(InvalidRequest):
        ch.plan(email_prompt, email.challenge, {"email": "not an email"})

    totp = ch.Challenge(C.MFA_SETUP, "s" * 40, "id", current.parameters,
                        setup_method=C.SOFTWARE_TOKEN_MFA, setup_secret="JBSWY3DPEHPK3PXP")
    totp_prompt = ch.prompt_for(totp)
    assert totp_prompt.view == "setup-authenticator"
    assert totp_prompt.public["secret_code"] == "JBSWY3DPEHPK3PXP"
    assert ch.plan(totp_prompt, totp, {"code": "654321"}) == ch.FinishTotpSetup("654321")
    assert "JBSW" not in repr(totp)


def test_mfa_setup_with_nothing_we_can_enrol() -> None:
    with pytest.raises(MfaUnavailable):
        ch.prompt_for(challenge(C.MFA_SETUP, MFAS_CAN_SETUP='["SMS_MFA"]'))


@pytest.mark.parametrize(
    "name",
    [C.CUSTOM_CHALLENGE, C.DEVICE_SRP_AUTH, C.DEVICE_PASSWORD_VERIFIER, C.SELECT_CHALLENGE,
     C.WEB_AUTHN, C.PASSWORD, C.PASSWORD_SRP, C.ADMIN_NO_SRP_AUTH, C.PASSWORD_VERIFIER],
)
def test_challenges_without_a_page_are_refused(name: C) -> None:
    with pytest.raises(UnsupportedChallenge):
        ch.prompt_for(challenge(name))


def test_every_challenge_name_is_handled() -> None:
    # prompt_for either returns a prompt or refuses explicitly; nothing falls through.
    params = {"MFAS_CAN_CHOOSE": '["SMS_MFA"]', "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
    answered = set()
    for name in C:
        try:
            assert ch.prompt_for(challenge(name, **params)).challenge is name
            answered.add(name)
        except UnsupportedChallenge:
            pass
    assert answered == {C.SMS_MFA, C.EMAIL_OTP, C.SOFTWARE_TOKEN_MFA, C.SMS_OTP,
                        C.SELECT_MFA_TYPE, C.NEW_PASSWORD_REQUIRED, C.MFA_SETUP}


def test_overlong_answers_are_refused_before_cognito() -> None:
    current = challenge(C.SMS_MFA)
    with pytest.raises(InvalidRequest):
        ch.plan(ch.prompt_for(current), current, {"code": "1" * 17})


def test_challenge_round_trips_through_a_record() -> None:
    original = ch.Challenge(C.MFA_SETUP, "s" * 40, "id", {"MFAS_CAN_SETUP": "[]"},
                            setup_method=C.EMAIL_OTP)
    assert ch.Challenge.from_record(original.to_record()) == original
