"""SELECT_MFA_TYPE: the person picks one of the MFA methods Cognito offers."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import MfaUnavailable
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt, json_list
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms

# The methods a person can pick, in the order they are offered.
CHOOSABLE = (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.SMS_MFA, ChallengeName.EMAIL_OTP)


# The method a code delivery medium belongs to, in Cognito's CODE_DELIVERY_* parameters.
_BY_MEDIUM = {"SMS": ChallengeName.SMS_MFA, "EMAIL": ChallengeName.EMAIL_OTP}


def choices(challenge: Challenge) -> list[ChallengeName]:
    offered = json_list(challenge.parameters, "MFAS_CAN_CHOOSE")
    return [method for method in CHOOSABLE if method in offered]


def destinations(challenge: Challenge) -> dict[str, str]:
    """Where a code would go, masked, for the methods the challenge says so of (Cognito's
    CODE_DELIVERY_DESTINATION and _MEDIUM, when it sends them with the choice); usually none,
    and then the page names no destination rather than guess one."""
    medium = challenge.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM", "")
    destination = challenge.parameters.get("CODE_DELIVERY_DESTINATION")
    method = _BY_MEDIUM.get(medium.upper())
    if method is None or not destination or method not in choices(challenge):
        return {}
    return {method.value: destination}


class SelectMfaType:
    challenges = (ChallengeName.SELECT_MFA_TYPE,)
    forms = ("choose-mfa",)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        self.prompt(challenge)  # refuses now, before storing, when nothing can be offered
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        options = tuple(choices(challenge))
        if not options:
            raise MfaUnavailable("SELECT_MFA_TYPE offered no method we can use")
        public: dict[str, object] = {"options": list(options)}
        if shown := destinations(challenge):
            public["destinations"] = shown
        return Prompt(challenge.name, "choose-mfa", (Field("mfa_type", "choice", options),),
                      public)

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        method = forms.choice(answers, choices(challenge), "mfa_type")
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, {"ANSWER": method.value}, challenge.session
        )
        return Reply(reply)
