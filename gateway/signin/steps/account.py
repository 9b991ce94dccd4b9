"""The steps of the gateway's own journeys: confirming a sign-up (CONFIRM_SIGN_UP: the code
Cognito sent) and resetting a forgotten password (CONFIRM_FORGOT_PASSWORD: the code and the new
password). Answered like challenges, through the same runner, pages and API.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway import errors
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt
from gateway.signin.protocol import (
    AccountCall,
    Arrival,
    Ask,
    Done,
    Effects,
    InitiateAuth,
    Reply,
    Turn,
    done,
)
from gateway.signin.steps import forms
from gateway.signin.steps.new_password import NEW_PASSWORD_FIELD


def _delivered(challenge: Challenge) -> dict[str, object]:
    return {"delivery_medium": challenge.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM") or None,
            "destination": challenge.parameters.get("CODE_DELIVERY_DESTINATION") or None}


class ConfirmSignUp:
    challenges = (ChallengeName.CONFIRM_SIGN_UP,)
    forms = ("confirm-sign-up",)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        return Prompt(challenge.name, "confirm-sign-up", (forms.CODE_FIELD,),
                      _delivered(challenge))

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        code = forms.code(answers)
        try:
            reply = yield AccountCall("confirm_sign_up", challenge.username, {
                "ConfirmationCode": code,
                **({"Session": challenge.session} if challenge.session else {})})
        except errors.InvalidCredentials:
            # Already confirmed, or a name that was taken: the code is as wrong as any.
            raise errors.InvalidCode("ConfirmSignUp refused", field="code") from None
        session = reply.get("Session")
        if challenge.state.get("then") == "USER_AUTH" and isinstance(session, str) and session:
            # Signed in by the confirmation itself (Cognito's sign-up Session into USER_AUTH).
            signed_in = yield InitiateAuth("USER_AUTH", challenge.username, {}, session=session)
            return Reply(signed_in)
        return Done("signed_up")


class ConfirmForgotPassword:
    challenges = (ChallengeName.CONFIRM_FORGOT_PASSWORD,)
    forms = ("reset-password",)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        fields: tuple[Field, ...] = (forms.CODE_FIELD, NEW_PASSWORD_FIELD)
        return Prompt(challenge.name, "reset-password", fields, _delivered(challenge))

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        code = forms.code(answers)
        password = forms.required(answers, "new_password")
        confirmation = answers.get("confirm_new_password")
        if confirmation is not None and confirmation != password:
            raise errors.InvalidRequest("the confirmation does not match",
                                        field="confirm_new_password")
        try:
            yield AccountCall("confirm_forgot_password", challenge.username,
                              {"ConfirmationCode": code, "Password": password})
        except errors.InvalidCredentials:
            # An unknown name (a LEGACY client): its code is as wrong as a mistyped one.
            raise errors.InvalidCode("ConfirmForgotPassword refused", field="code") from None
        return Done("password_changed")
