"""SELECT_MFA_TYPE: the person picks one of the MFA methods Cognito offers."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import MfaUnavailable
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt, json_list
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms

# The methods a person can pick, in the order they are offered.
CHOOSABLE = (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.SMS_MFA, ChallengeName.EMAIL_OTP)


def choices(challenge: Challenge) -> list[ChallengeName]:
    offered = json_list(challenge.parameters, "MFAS_CAN_CHOOSE")
    return [method for method in CHOOSABLE if method in offered]


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
        return Prompt(challenge.name, "choose-mfa", (Field("mfa_type", "choice", options),),
                      {"options": list(options)})

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        method = forms.choice(answers, choices(challenge), "mfa_type")
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, {"ANSWER": method.value}, challenge.session
        )
        return Reply(reply)
