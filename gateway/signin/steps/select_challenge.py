"""SELECT_CHALLENGE: choice-based sign-in (USER_AUTH) asks how the person wants to sign in.

The choices are Cognito's ``AvailableChallenges`` for this person, offered in the order people
expect (a passkey first, a password last); the answer is ``choice`` (and ``password`` for a
password choice). Every choice is answered in the same request as far as it can go without the
person: a password by SRP (ANSWER=PASSWORD_SRP with SRP_A, then PASSWORD_VERIFIER, in the
request that typed it; ANSWER=PASSWORD only where SRP is not offered), a code choice makes
Cognito send the code (the next step asks for it), a passkey choice brings the WEB_AUTHN step.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import InvalidRequest, MfaUnavailable
from gateway.signin import srp
from gateway.signin.model import AVAILABLE, Challenge, ChallengeName, Field, Prompt, json_list
from gateway.signin.protocol import (
    Arrival,
    Ask,
    Compute,
    Effects,
    Reply,
    RespondToChallenge,
    Turn,
    done,
)
from gateway.signin.steps import forms

FORM = "choose-method"
C = ChallengeName
# The factors the gateway can answer, in the order a page offers them.
ORDER = (C.WEB_AUTHN, C.EMAIL_OTP, C.SMS_OTP, C.PASSWORD_SRP, C.PASSWORD)
PASSWORDS = frozenset({C.PASSWORD_SRP, C.PASSWORD})
PASSWORD_FIELD = Field("password", "password", max_length=forms.MAX_PASSWORD)


def available(challenge: Challenge) -> list[ChallengeName]:
    offered = set(json_list(challenge.parameters, AVAILABLE))
    return [name for name in ORDER if name.value in offered]


def choices(challenge: Challenge) -> list[ChallengeName]:
    """What the person chooses between: one "use my password" however Cognito offers it (SRP
    preferred: the password then never leaves the gateway)."""
    offered = available(challenge)
    if C.PASSWORD_SRP in offered and C.PASSWORD in offered:
        offered.remove(C.PASSWORD)
    return offered


class SelectChallenge:
    challenges = (C.SELECT_CHALLENGE,)
    forms = (FORM,)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        self.prompt(challenge)  # refuses now, before storing, when nothing can be offered
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        options = tuple(choices(challenge))
        if not options:
            raise MfaUnavailable("SELECT_CHALLENGE offered no way in that the gateway answers")
        fields: tuple[Field, ...] = (Field("choice", "choice", options),)
        if PASSWORDS & set(options):
            fields = (*fields, PASSWORD_FIELD)
        return Prompt(challenge.name, FORM, fields, {"available": list(options)})

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        chosen = forms.choice(answers, choices(challenge), "choice")
        responses = {"ANSWER": chosen.value}
        if chosen in PASSWORDS:
            password = forms.required(answers, "password")
            if len(password) > forms.MAX_PASSWORD:
                raise InvalidRequest("password too long", field="password", detail="too_long")
            if chosen is C.PASSWORD:
                responses["PASSWORD"] = password
            else:
                turn.password = password
                turn.ephemeral = yield Compute(srp.new_ephemeral)
                responses["SRP_A"] = turn.ephemeral.srp_a
        reply = yield RespondToChallenge(challenge.name, challenge.username, responses,
                                         challenge.session)
        return Reply(reply)
