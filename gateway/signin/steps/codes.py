"""One-time codes: SMS_MFA, EMAIL_OTP, SMS_OTP (a code Cognito sent) and SOFTWARE_TOKEN_MFA
(the authenticator app's code)."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.signin.model import Challenge, ChallengeName, Field, Prompt
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


# The MFA challenges after which a device may be remembered, and the checkbox that asks.
_REMEMBERABLE = frozenset(
    {ChallengeName.SMS_MFA, ChallengeName.EMAIL_OTP, ChallengeName.SOFTWARE_TOKEN_MFA}
)
REMEMBER_FIELD = Field("remember_device", "checkbox", max_length=8)
_YES = frozenset({"1", "true", "on"})


class OneTimeCode:
    challenges = tuple(_KEYS)
    forms = ("sms-code", "email-code", "authenticator-code")

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        if turn.remember == "ask" and challenge.name in _REMEMBERABLE:
            # GATEWAY_REMEMBER_DEVICES=ask: the page offers "Remember this device".
            return done(Ask(challenge.with_state(remember="ask")))
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        public: dict[str, object] = {}
        if challenge.name is not ChallengeName.SOFTWARE_TOKEN_MFA:
            public = {
                "delivery_medium": challenge.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM"),
                "destination": challenge.parameters.get("CODE_DELIVERY_DESTINATION"),
            }
        fields: tuple[Field, ...] = (forms.CODE_FIELD,)
        if challenge.state.get("remember") == "ask":
            fields = (forms.CODE_FIELD, REMEMBER_FIELD)
            public = {**public, "remember_device": True}
        return Prompt(challenge.name, _FORMS[challenge.name], fields, public)

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        totp = challenge.name is ChallengeName.SOFTWARE_TOKEN_MFA
        code = forms.code(answers, forms.TOTP if totp else forms.CODE)
        if challenge.state.get("remember") == "ask":
            turn.remember_asked = str(answers.get("remember_device", "")).lower() in _YES
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, {_KEYS[challenge.name]: code}, challenge.session
        )
        return Reply(reply)
