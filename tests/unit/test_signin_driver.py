"""The sign-in driver, table-driven with canned Cognito replies: every challenge path, no
network. Each case is the sequence of effects the driver must yield, with the reply it gets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import cognito_srp
from gateway import errors
from gateway.signin import devices, driver, srp
from gateway.signin.model import Challenge, Tokens
from gateway.signin.model import ChallengeName as C
from gateway.signin.protocol import (
    AssociateSoftwareToken,
    Compute,
    ConfirmDevice,
    Effect,
    Effects,
    InitiateAuth,
    RememberDevice,
    RespondToChallenge,
    Turn,
    VerifySoftwareToken,
)

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "cognito-srp-vectors.json").read_text())
SRP = VECTORS["user_srp"]
POOL = VECTORS["pool"]["pool_name"]
USER = VECTORS["user"]
INTERNAL = USER["USER_ID_FOR_SRP"]
SESSION = "s" * 64
TOKENS = {
    "AuthenticationResult": {
        "AccessToken": "a",
        "IdToken": "i",
        "RefreshToken": "r",
        "ExpiresIn": 60,
    }
}


def challenge_reply(name: C, session: str = SESSION, **parameters: str) -> dict[str, Any]:
    return {
        "ChallengeName": name.value,
        "Session": session,
        "ChallengeParameters": {"USERNAME": INTERNAL, **parameters},
    }


@dataclass(frozen=True)
class Expect:
    """The effect the driver must yield next (checked by ``check``), and what it gets back."""

    check: Callable[[Effect], bool]
    reply: Any = None
    raises: errors.GatewayError | None = None


def run(effects: Effects[driver.Result], script: list[Expect]) -> driver.Result:
    """Drive ``effects`` through ``script``: Compute effects not in the script run inline."""
    pending = list(script)
    try:
        effect = next(effects)
        while True:
            if isinstance(effect, Compute) and not (pending and pending[0].check(effect)):
                effect = effects.send(effect.function(*effect.arguments))
                continue
            assert pending, f"unexpected effect {effect!r}"
            expected = pending.pop(0)
            assert expected.check(effect), f"unexpected effect {effect!r}"
            if expected.raises is not None:
                effect = effects.throw(expected.raises)
            else:
                effect = effects.send(expected.reply)
    except StopIteration as finished:
        assert not pending, f"effects never yielded: {pending}"
        result: driver.Result = finished.value
        return result


def turn(password: str | None = None) -> Turn:
    moment = cognito_srp.parse_timestamp(SRP["inputs"]["TIMESTAMP"])
    return Turn(pool_name=POOL, now=lambda: moment, password=password)


def initiate(flow: str) -> Callable[[Effect], bool]:
    return lambda e: (
        isinstance(e, InitiateAuth) and e.flow == flow and e.username == USER["login_username"]
    )


def respond(
    name: C, responses: Mapping[str, str] | None = None, session: str = SESSION
) -> Callable[[Effect], bool]:
    def check(effect: Effect) -> bool:
        return (
            isinstance(effect, RespondToChallenge)
            and effect.name is name
            and effect.username == INTERNAL
            and effect.session == session
            and (responses is None or dict(effect.responses) == dict(responses))
        )

    return check


def srp_start() -> list[Expect]:
    """USER_SRP_AUTH up to the PASSWORD_VERIFIER answer, with the vectors' ephemeral."""
    pinned = srp.new_ephemeral(int(SRP["inputs"]["a_hex"], 16))
    claim = {
        k: SRP["ChallengeResponses"][k]
        for k in ("PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP")
    }
    return [
        Expect(lambda e: isinstance(e, Compute) and e.function is srp.new_ephemeral, pinned),
        Expect(
            lambda e: initiate("USER_SRP_AUTH")(e) and e.parameters == {"SRP_A": SRP["SRP_A"]},
            {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeParameters": SRP["ChallengeParameters"],
            },
        ),
        Expect(respond(C.PASSWORD_VERIFIER, claim, session=None)),  # type: ignore[arg-type]
    ]


def start(flow: str = "USER_SRP_AUTH") -> Effects[driver.Result]:
    return driver.start(flow, USER["login_username"], turn(USER["password"]))


def with_reply(expect: Expect, reply: Any) -> Expect:
    return Expect(expect.check, reply)


# --- first factor ----------------------------------------------------------------------------


def test_srp_sign_in_answers_the_password_verifier_from_the_vectors() -> None:
    *head, verifier = srp_start()
    result = run(start(), [*head, with_reply(verifier, TOKENS)])
    assert result == Tokens("a", "i", "r", 60)


def test_password_auth_sends_the_password_once() -> None:
    result = run(
        start("USER_PASSWORD_AUTH"),
        [
            Expect(
                lambda e: (
                    initiate("USER_PASSWORD_AUTH")(e)
                    and e.parameters == {"PASSWORD": USER["password"]}
                ),
                TOKENS,
            ),
        ],
    )
    assert isinstance(result, Tokens)


def test_a_second_password_verifier_is_a_protocol_error() -> None:
    *head, verifier = srp_start()
    again = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": SRP["ChallengeParameters"],
    }
    with pytest.raises(errors.UpstreamProtocolError):
        run(start(), [*head, with_reply(verifier, again)])


def test_unusable_srp_parameters_are_an_upstream_protocol_error() -> None:
    head = srp_start()[:1]
    broken = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {**SRP["ChallengeParameters"], "SECRET_BLOCK": "***"},
    }
    with pytest.raises(errors.UpstreamProtocolError) as refused:
        run(start(), [*head, Expect(initiate("USER_SRP_AUTH"), broken)])
    assert refused.value.status == 502 and refused.value.code == "upstream_unavailable"


def test_an_unknown_challenge_is_an_upstream_protocol_error() -> None:
    with pytest.raises(errors.UpstreamProtocolError):
        run(
            start("USER_PASSWORD_AUTH"),
            [Expect(initiate("USER_PASSWORD_AUTH"), {"ChallengeName": "EMAIL_MFA"})],
        )


@pytest.mark.parametrize(
    "name",
    [C.ADMIN_NO_SRP_AUTH, C.PASSWORD, C.PASSWORD_SRP],
)
def test_challenges_without_a_handler_restart_the_sign_in(name: C) -> None:
    with pytest.raises(errors.UnsupportedChallenge):
        run(
            start("USER_PASSWORD_AUTH"),
            [Expect(initiate("USER_PASSWORD_AUTH"), challenge_reply(name))],
        )


def test_a_wrong_password_comes_out_of_the_driver() -> None:
    *head, verifier = srp_start()
    wrong = errors.InvalidCredentials("Cognito NotAuthorizedException")
    with pytest.raises(errors.InvalidCredentials):
        run(start(), [*head, Expect(verifier.check, raises=wrong)])


# --- every challenge that asks, from arrival to tokens ----------------------------------------

Path_ = tuple[dict[str, Any], str, dict[str, str], Callable[[Effect], bool]]

ASKED: dict[str, Path_] = {
    "sms": (
        challenge_reply(
            C.SMS_MFA, CODE_DELIVERY_DESTINATION="+*******0100", CODE_DELIVERY_DELIVERY_MEDIUM="SMS"
        ),
        "sms-code",
        {"code": " 123 456 "},
        respond(C.SMS_MFA, {"SMS_MFA_CODE": "123456"}),
    ),
    "sms-otp": (
        challenge_reply(C.SMS_OTP),
        "sms-code",
        {"code": "1234"},
        respond(C.SMS_OTP, {"SMS_OTP_CODE": "1234"}),
    ),
    "email": (
        challenge_reply(C.EMAIL_OTP),
        "email-code",
        {"code": "12345678"},
        respond(C.EMAIL_OTP, {"EMAIL_OTP_CODE": "12345678"}),
    ),
    "totp": (
        challenge_reply(C.SOFTWARE_TOKEN_MFA),
        "authenticator-code",
        {"code": "654321"},
        respond(C.SOFTWARE_TOKEN_MFA, {"SOFTWARE_TOKEN_MFA_CODE": "654321"}),
    ),
    "select": (
        challenge_reply(C.SELECT_MFA_TYPE, MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]'),
        "choose-mfa",
        {"mfa_type": "SMS_MFA"},
        respond(C.SELECT_MFA_TYPE, {"ANSWER": "SMS_MFA"}),
    ),
    "new-password": (
        challenge_reply(C.NEW_PASSWORD_REQUIRED, requiredAttributes='["userAttributes.name"]'),
        "new-password",
        {"new_password": "N3w-pass!", "name": " Nia "},
        respond(
            C.NEW_PASSWORD_REQUIRED, {"NEW_PASSWORD": "N3w-pass!", "userAttributes.name": "Nia"}
        ),
    ),
    "setup-email": (
        challenge_reply(C.MFA_SETUP, MFAS_CAN_SETUP='["EMAIL_OTP"]'),
        "setup-email",
        {"email": "me@example.com"},
        respond(C.MFA_SETUP, {"EMAIL": "me@example.com"}),
    ),
}


@pytest.mark.parametrize("case", ASKED)
def test_a_challenge_is_asked_then_answered_to_tokens(case: str) -> None:
    arrival, form, answers, expected = ASKED[case]
    *head, verifier = srp_start()
    waiting = run(start(), [*head, with_reply(verifier, arrival)])
    assert isinstance(waiting, driver.Waiting)
    assert waiting.prompt.step == form
    assert waiting.challenge.username == INTERNAL
    assert SESSION not in json.dumps(dict(waiting.prompt.public))
    done = run(driver.answer(waiting.challenge, answers, turn()), [Expect(expected, TOKENS)])
    assert isinstance(done, Tokens)


@pytest.mark.parametrize("case", ASKED)
def test_a_malformed_answer_is_refused_before_any_call(case: str) -> None:
    arrival, _, answers, _ = ASKED[case]
    waiting = run(start("USER_PASSWORD_AUTH"), [Expect(initiate("USER_PASSWORD_AUTH"), arrival)])
    assert isinstance(waiting, driver.Waiting)
    field = next(iter(answers))
    with pytest.raises(errors.InvalidRequest) as refused:
        run(driver.answer(waiting.challenge, {**answers, field: "x" * 5000}, turn()), [])
    assert refused.value.field == field
    with pytest.raises(errors.InvalidRequest):
        run(driver.answer(waiting.challenge, {}, turn()), [])


def test_a_wrong_code_keeps_the_challenge_for_another_try() -> None:
    waiting = run(
        start("USER_PASSWORD_AUTH"),
        [Expect(initiate("USER_PASSWORD_AUTH"), challenge_reply(C.SMS_MFA))],
    )
    assert isinstance(waiting, driver.Waiting)
    wrong = errors.InvalidCode("Cognito CodeMismatchException", field="code")
    with pytest.raises(errors.WrongCode):
        run(
            driver.answer(waiting.challenge, {"code": "000000"}, turn()),
            [Expect(respond(C.SMS_MFA), raises=wrong)],
        )


def test_an_answer_can_lead_to_another_challenge() -> None:
    # SELECT_MFA_TYPE, then the chosen method's code, then tokens.
    first = run(
        start("USER_PASSWORD_AUTH"),
        [
            Expect(
                initiate("USER_PASSWORD_AUTH"),
                challenge_reply(C.SELECT_MFA_TYPE, MFAS_CAN_CHOOSE='["SOFTWARE_TOKEN_MFA"]'),
            )
        ],
    )
    assert isinstance(first, driver.Waiting)
    second = run(
        driver.answer(first.challenge, {"mfa_type": "SOFTWARE_TOKEN_MFA"}, turn()),
        [
            Expect(
                respond(C.SELECT_MFA_TYPE), challenge_reply(C.SOFTWARE_TOKEN_MFA, session="t" * 64)
            )
        ],
    )
    assert isinstance(second, driver.Waiting)
    assert second.prompt.step == "authenticator-code"
    assert second.challenge.session == "t" * 64


# --- MFA_SETUP: the three forms and their state ------------------------------------------------


def test_totp_setup_with_one_method_associates_at_once() -> None:
    arrival = challenge_reply(C.MFA_SETUP, MFAS_CAN_SETUP='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')
    waiting = run(
        start("USER_PASSWORD_AUTH"),
        [
            Expect(initiate("USER_PASSWORD_AUTH"), arrival),
            Expect(
                lambda e: isinstance(e, AssociateSoftwareToken) and e.session == SESSION,
                ("JBSWY3DPEHPK3PXP", "u" * 64),
            ),
        ],
    )
    assert isinstance(waiting, driver.Waiting)
    assert waiting.prompt.step == "setup-authenticator"
    assert waiting.prompt.public["secret_code"] == "JBSWY3DPEHPK3PXP"
    assert "JBSW" not in repr(waiting.challenge)
    done = run(
        driver.answer(waiting.challenge, {"code": "123456"}, turn()),
        [
            Expect(
                lambda e: (
                    isinstance(e, VerifySoftwareToken)
                    and e.session == "u" * 64
                    and e.code == "123456"
                ),
                "v" * 64,
            ),
            Expect(respond(C.MFA_SETUP, {}, session="v" * 64), TOKENS),
        ],
    )
    assert isinstance(done, Tokens)


def test_setup_with_a_choice_asks_first() -> None:
    arrival = challenge_reply(C.MFA_SETUP, MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]')
    waiting = run(start("USER_PASSWORD_AUTH"), [Expect(initiate("USER_PASSWORD_AUTH"), arrival)])
    assert isinstance(waiting, driver.Waiting)
    assert waiting.prompt.step == "setup-mfa"
    assert waiting.prompt.public["options"] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    email = run(driver.answer(waiting.challenge, {"mfa_type": "EMAIL_OTP"}, turn()), [])
    assert isinstance(email, driver.Waiting) and email.prompt.step == "setup-email"
    restored = Challenge.from_record(json.loads(json.dumps(email.challenge.to_record())))
    assert restored == email.challenge
    with pytest.raises(errors.InvalidRequest):
        run(driver.answer(restored, {"email": "not an email"}, turn()), [])


def test_setup_with_nothing_we_can_enrol() -> None:
    with pytest.raises(errors.MfaUnavailable):
        run(
            start("USER_PASSWORD_AUTH"),
            [
                Expect(
                    initiate("USER_PASSWORD_AUTH"),
                    challenge_reply(C.MFA_SETUP, MFAS_CAN_SETUP='["SMS_MFA"]'),
                )
            ],
        )


def test_a_chain_of_automatic_answers_is_bounded() -> None:
    # A Cognito that keeps sending PASSWORD_VERIFIER never gets the password twice, and the
    # driver does not loop.
    assert driver.MAX_AUTOMATIC_ANSWERS <= 8
    with pytest.raises(errors.UpstreamProtocolError):
        run(driver.advance(challenge_reply(C.PASSWORD_VERIFIER), "typed", turn()), [])


def test_the_timestamp_comes_from_the_turns_clock() -> None:
    moment = datetime(2026, 1, 5, 9, 3, 7)
    *head, _ = srp_start()
    seen: list[str] = []

    def check(effect: Effect) -> bool:
        if not isinstance(effect, RespondToChallenge):
            return False
        seen.append(effect.responses["TIMESTAMP"])
        return True

    clocked = driver.start(
        "USER_SRP_AUTH",
        USER["login_username"],
        Turn(pool_name=POOL, now=lambda: moment, password=USER["password"]),
    )
    run(clocked, [*head, Expect(check, TOKENS)])
    assert seen == [cognito_srp.format_timestamp(moment)]


# --- remembered devices (the confirm_device and device_srp vectors) --------------------------

CONFIRM = VECTORS["confirm_device"]
DEVICE_SRP = VECTORS["device_srp"]
METADATA = CONFIRM["NewDeviceMetadata"]
DEVICE = devices.Device(METADATA["DeviceKey"], METADATA["DeviceGroupKey"],
                        CONFIRM["device_password"], INTERNAL)
NEW_DEVICE_TOKENS = {"AuthenticationResult": {**TOKENS["AuthenticationResult"],
                                              "NewDeviceMetadata": METADATA}}


def device_turn(**fields: Any) -> Turn:
    moment = cognito_srp.parse_timestamp(DEVICE_SRP["inputs"]["TIMESTAMP"])
    return Turn(pool_name=POOL, now=lambda: moment, password=USER["password"], **fields)


def test_a_new_device_is_confirmed_with_the_vectors_verifier() -> None:
    made = devices.new_device(METADATA["DeviceKey"], METADATA["DeviceGroupKey"], INTERNAL,
                              bytes.fromhex(CONFIRM["random_password_bytes_hex"]),
                              bytes.fromhex(CONFIRM["random_salt_bytes_hex"]))
    assert made.device.password == CONFIRM["device_password"]
    assert {"PasswordVerifier": made.verifier,
            "Salt": made.salt} == CONFIRM["DeviceSecretVerifierConfig"]
    fresh = devices.new_device("k_1", "g", INTERNAL)
    assert len(base64.b64decode(fresh.device.password)) >= 40
    assert "password" not in repr(fresh) and fresh.device.password not in repr(fresh.device)


def test_the_device_srp_answers_come_from_the_vectors_within_one_request() -> None:
    pinned = srp.new_ephemeral(int(DEVICE_SRP["inputs"]["a_hex"], 16))
    device_start = {k: DEVICE_SRP["DEVICE_SRP_AUTH_ChallengeResponses"][k]
                    for k in ("DEVICE_KEY", "SRP_A")}
    claim = {k: DEVICE_SRP["ChallengeResponses"][k]
             for k in ("DEVICE_KEY", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE",
                       "TIMESTAMP")}
    head = srp_start()
    the_turn = device_turn(device=DEVICE, remember="always")
    result = run(
        driver.start("USER_SRP_AUTH", USER["login_username"], the_turn),
        [
            head[0],
            Expect(lambda e: isinstance(e, InitiateAuth)
                   and e.parameters == {"SRP_A": SRP["SRP_A"], "DEVICE_KEY": DEVICE.key},
                   head[1].reply),
            Expect(lambda e: isinstance(e, RespondToChallenge)
                   and e.name is C.PASSWORD_VERIFIER and e.username == INTERNAL,
                   challenge_reply(C.DEVICE_SRP_AUTH)),
            Expect(lambda e: isinstance(e, Compute) and e.function is srp.new_ephemeral, pinned),
            Expect(respond(C.DEVICE_SRP_AUTH, device_start),
                   challenge_reply(C.DEVICE_PASSWORD_VERIFIER,
                                   **DEVICE_SRP["ChallengeParameters"])),
            Expect(respond(C.DEVICE_PASSWORD_VERIFIER, claim), TOKENS),
        ],
    )
    assert isinstance(result, Tokens)
    assert the_turn.device_used and not the_turn.device_refused and the_turn.ephemeral is None


def test_device_challenges_without_a_device_are_a_protocol_error() -> None:
    for name in (C.DEVICE_SRP_AUTH, C.DEVICE_PASSWORD_VERIFIER):
        with pytest.raises(errors.UpstreamProtocolError):
            run(driver.advance(challenge_reply(name), INTERNAL, device_turn()), [])
    # DEVICE_PASSWORD_VERIFIER without the DEVICE_SRP_AUTH ephemeral: no answer is made up.
    with pytest.raises(errors.UpstreamProtocolError):
        run(driver.advance(challenge_reply(C.DEVICE_PASSWORD_VERIFIER), INTERNAL,
                           device_turn(device=DEVICE)), [])


def test_a_device_cognito_no_longer_knows_falls_back_to_mfa() -> None:
    the_turn = device_turn(device=DEVICE, remember="ask")
    result = run(driver.advance(challenge_reply(C.SOFTWARE_TOKEN_MFA), INTERNAL, the_turn), [])
    assert isinstance(result, driver.Waiting)
    assert result.challenge.name is C.SOFTWARE_TOKEN_MFA and the_turn.device_refused
    # ... and the checkbox is offered again.
    assert [f.name for f in result.prompt.fields] == ["code", "remember_device"]
    # Another person's cookie in the same browser is left alone.
    other = device_turn(device=devices.Device("k_1", "g", "p", "someone-else"), remember="ask")
    run(driver.advance(challenge_reply(C.SOFTWARE_TOKEN_MFA), INTERNAL, other), [])
    assert not other.device_refused


def _remembering(expected: list[Expect], remember: str, answers: dict[str, str]) -> Turn:
    asked = run(driver.advance(challenge_reply(C.SOFTWARE_TOKEN_MFA), INTERNAL,
                               device_turn(remember=remember)), [])
    assert isinstance(asked, driver.Waiting)
    offered = [f.name for f in asked.prompt.fields]
    assert offered == (["code", "remember_device"] if remember == "ask" else ["code"])
    the_turn = device_turn(remember=remember)
    result = run(driver.answer(asked.challenge, {"code": "123456", **answers}, the_turn), [
        Expect(respond(C.SOFTWARE_TOKEN_MFA), NEW_DEVICE_TOKENS), *expected,
    ])
    assert isinstance(result, Tokens) and result.new_device_key == METADATA["DeviceKey"]
    return the_turn


def _confirm(necessary: bool) -> Expect:
    return Expect(lambda e: isinstance(e, ConfirmDevice) and e.device_key == METADATA["DeviceKey"]
                  and e.access_token == "a", necessary)


def _remember() -> Expect:
    return Expect(lambda e: isinstance(e, RememberDevice)
                  and e.device_key == METADATA["DeviceKey"], None)


@pytest.mark.parametrize("ticked", ["1", "true", "on"])
def test_ask_remembers_when_the_person_ticks_the_box(ticked: str) -> None:
    the_turn = _remembering([_confirm(True), _remember()], "ask", {"remember_device": ticked})
    assert the_turn.remembered is not None
    assert the_turn.remembered.key == METADATA["DeviceKey"]
    assert the_turn.remembered.group_key == METADATA["DeviceGroupKey"]


@pytest.mark.parametrize("answers", [{}, {"remember_device": "false"}, {"remember_device": ""}])
def test_ask_without_the_box_remembers_nothing(answers: dict[str, str]) -> None:
    assert _remembering([], "ask", answers).remembered is None


def test_always_remembers_without_asking() -> None:
    assert _remembering([_confirm(False)], "always", {}).remembered is not None
    # A pool that waits for UpdateDeviceStatus all the same gets it.
    assert _remembering([_confirm(True), _remember()], "always", {}).remembered is not None


def test_off_remembers_nothing_and_a_failed_confirm_still_signs_in() -> None:
    assert _remembering([], "off", {"remember_device": "1"}).remembered is None
    failed = Expect(_confirm(True).check, raises=errors.UpstreamUnavailable("down"))
    assert _remembering([failed], "always", {}).remembered is None


# --- custom authentication ---------------------------------------------------------------------


def custom(**parameters: str) -> dict[str, Any]:
    return challenge_reply(C.CUSTOM_CHALLENGE, **parameters)


def test_custom_auth_starts_with_the_username_alone() -> None:
    waiting = run(start("CUSTOM_AUTH"), [
        Expect(lambda e: initiate("CUSTOM_AUTH")(e) and dict(e.parameters) == {},
               custom(question="Six times seven?")),
    ])
    assert isinstance(waiting, driver.Waiting)
    assert waiting.prompt.step == "custom" and waiting.prompt.notice is None
    assert [f.name for f in waiting.prompt.fields] == ["answer"]
    # The internal username answers Cognito; it is not the person's to see.
    assert dict(waiting.prompt.public) == {"question": "Six times seven?"}


def test_custom_auth_with_srp_proves_the_password_before_the_custom_challenge() -> None:
    *head, verifier = srp_start()
    ephemeral, first = head
    srp_a_first = Expect(
        lambda e: initiate("CUSTOM_AUTH")(e)
        and dict(e.parameters) == {"CHALLENGE_NAME": "SRP_A", "SRP_A": SRP["SRP_A"]},
        first.reply,
    )
    waiting = run(start("CUSTOM_AUTH_SRP"),
                  [ephemeral, srp_a_first, with_reply(verifier, custom(question="Q"))])
    assert isinstance(waiting, driver.Waiting)
    assert waiting.challenge.name is C.CUSTOM_CHALLENGE


def _asked_again(reply: dict[str, Any]) -> driver.Result:
    waiting = run(start("CUSTOM_AUTH"), [Expect(initiate("CUSTOM_AUTH"), custom(question="Q"))])
    assert isinstance(waiting, driver.Waiting)
    return run(driver.answer(waiting.challenge, {"answer": " 41 "}, turn()), [
        Expect(respond(C.CUSTOM_CHALLENGE, {"ANSWER": " 41 "}), reply)])


def test_a_custom_challenge_asked_again_says_the_answer_was_not_accepted() -> None:
    again = _asked_again(custom(question="Q", attemptsLeft="2"))
    assert isinstance(again, driver.Waiting)
    assert again.prompt.notice == "answer_not_accepted"
    assert again.prompt.public["attemptsLeft"] == "2"


def test_a_trigger_can_say_the_next_round_is_a_new_question() -> None:
    again = _asked_again(custom(question="Now your code", answerAccepted="true"))
    assert isinstance(again, driver.Waiting) and again.prompt.notice is None


def test_a_right_custom_answer_signs_in() -> None:
    assert isinstance(_asked_again(TOKENS), Tokens)


def test_fail_authentication_ends_the_sign_in() -> None:
    waiting = run(start("CUSTOM_AUTH"), [Expect(initiate("CUSTOM_AUTH"), custom(question="Q"))])
    assert isinstance(waiting, driver.Waiting)
    refused = errors.InvalidCredentials("Cognito NotAuthorizedException")
    with pytest.raises(errors.ChallengeFailed) as failed:
        run(driver.answer(waiting.challenge, {"answer": "x"}, turn()),
            [Expect(respond(C.CUSTOM_CHALLENGE), raises=refused)])
    assert failed.value.restart and failed.value.status == 401


def test_an_empty_custom_answer_is_refused_before_any_call() -> None:
    waiting = run(start("CUSTOM_AUTH"), [Expect(initiate("CUSTOM_AUTH"), custom(question="Q"))])
    assert isinstance(waiting, driver.Waiting)
    with pytest.raises(errors.InvalidRequest) as refused:
        run(driver.answer(waiting.challenge, {"answer": "  "}, turn()), [])
    assert refused.value.field == "answer"
    with pytest.raises(errors.InvalidRequest):
        run(driver.answer(waiting.challenge, {"answer": "x" * 2049}, turn()), [])


def test_a_remembered_device_is_not_offered_to_custom_auth() -> None:
    offered = device_turn()
    effects = driver.start("CUSTOM_AUTH", USER["login_username"], offered)
    run(effects, [Expect(lambda e: initiate("CUSTOM_AUTH")(e) and "DEVICE_KEY" not in
                         e.parameters, custom(question="Q"))])
    assert not offered.device_refused
