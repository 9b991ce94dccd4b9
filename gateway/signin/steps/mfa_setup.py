"""MFA_SETUP: enrol a first MFA method during sign-in.

Three forms in turn: pick a method (skipped when there is only one), then either scan the
authenticator secret and type its first code (AssociateSoftwareToken, VerifySoftwareToken,
then RespondToAuthChallenge) or give the email address codes will go to. The handler's state
on the challenge: ``method`` once chosen, and ``secret`` while a TOTP enrolment is shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import MfaUnavailable
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt, json_list
from gateway.signin.protocol import (
    Arrival,
    Ask,
    AssociateSoftwareToken,
    Effects,
    Reply,
    RespondToChallenge,
    Turn,
    VerifySoftwareToken,
)
from gateway.signin.steps import forms

# SMS setup needs a verified phone number first, which a sign-in cannot add: not offered.
ENROLLABLE = (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.EMAIL_OTP)
TOTP, EMAIL = ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.EMAIL_OTP


def choices(challenge: Challenge) -> list[ChallengeName]:
    offered = json_list(challenge.parameters, "MFAS_CAN_SETUP")
    return [method for method in ENROLLABLE if method in offered]


def _session(challenge: Challenge) -> str:
    if not challenge.session:
        raise MfaUnavailable("MFA_SETUP arrived without a Session")
    return challenge.session


class MfaSetup:
    challenges = (ChallengeName.MFA_SETUP,)
    forms = ("setup-mfa", "setup-authenticator", "setup-email")

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        options = choices(challenge)
        if len(options) == 1:
            # Only one way to enrol: start it rather than ask the person to pick from one.
            return (yield from self._begin(challenge, options[0]))
        self.prompt(challenge)  # refuses now, before storing, when nothing can be enrolled
        return Ask(challenge)

    def prompt(self, challenge: Challenge) -> Prompt:
        name = challenge.name
        match challenge.state.get("method"):
            case None:
                options = tuple(choices(challenge))
                if not options:
                    raise MfaUnavailable("MFA_SETUP offered no method we can enrol")
                return Prompt(name, "setup-mfa", (Field("mfa_type", "choice", options),),
                              {"options": list(options)})
            case TOTP.value:
                return Prompt(name, "setup-authenticator", (forms.CODE_FIELD,),
                              {"secret_code": challenge.state["secret"]})
            case EMAIL.value:
                return Prompt(name, "setup-email", (Field("email", "email"),))
            case method:
                raise MfaUnavailable(f"cannot set up {method}")

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        match challenge.state.get("method"):
            case None:
                method = forms.choice(answers, choices(challenge), "mfa_type")
                return (yield from self._begin(challenge, method))
            case TOTP.value:
                code = forms.code(answers, forms.TOTP)
                session = yield VerifySoftwareToken(_session(challenge), code)
                reply = yield RespondToChallenge(challenge.name, challenge.username, {}, session)
                return Reply(reply)
            case EMAIL.value:
                address = forms.email(answers)
                reply = yield RespondToChallenge(
                    challenge.name, challenge.username, {"EMAIL": address}, challenge.session
                )
                return Reply(reply)
            case method:
                raise MfaUnavailable(f"cannot set up {method}")

    def _begin(self, challenge: Challenge, method: ChallengeName) -> Effects[Arrival]:
        if method is TOTP:
            secret, session = yield AssociateSoftwareToken(_session(challenge))
            return Ask(challenge.with_state(session, method=method.value, secret=secret))
        return Ask(challenge.with_state(method=method.value))
