"""One-time codes: SMS_MFA, EMAIL_OTP, SMS_OTP (a code Cognito sent) and SOFTWARE_TOKEN_MFA
(the authenticator app's code)."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.signin.model import Challenge, ChallengeName, Prompt
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms

# The ChallengeResponses key that carries each challenge's code, and the form that asks for it.
_KEYS = {
    ChallengeName.SMS_MFA: "SMS_MFA_CODE",
    ChallengeName.EMAIL_OTP: "EMAIL_OTP_CODE",
    ChallengeName.SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE",
    ChallengeName.SMS_OTP: "SMS_OTP_CODE",
}
_FORMS = {
    ChallengeName.SMS_MFA: "sms-code",
    ChallengeName.EMAIL_OTP: "email-code",
    ChallengeName.SOFTWARE_TOKEN_MFA: "authenticator-code",
    ChallengeName.SMS_OTP: "sms-code",
}


class OneTimeCode:
    challenges = tuple(_KEYS)
    forms = ("sms-code", "email-code", "authenticator-code")

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        public = {}
        if challenge.name is not ChallengeName.SOFTWARE_TOKEN_MFA:
            public = {
                "delivery_medium": challenge.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM"),
                "destination": challenge.parameters.get("CODE_DELIVERY_DESTINATION"),
            }
        return Prompt(challenge.name, _FORMS[challenge.name], (forms.CODE_FIELD,), public)

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        totp = challenge.name is ChallengeName.SOFTWARE_TOKEN_MFA
        code = forms.code(answers, forms.TOTP if totp else forms.CODE)
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, {_KEYS[challenge.name]: code}, challenge.session
        )
        return Reply(reply)
