"""NEW_PASSWORD_REQUIRED: a first sign-in with a temporary password sets a new one, with the
attributes the pool requires and the user does not have yet."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import InvalidRequest
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt, json_list
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms


def required_attributes(challenge: Challenge) -> list[str]:
    """The attributes to collect, without the ``userAttributes.`` prefix."""
    names = json_list(challenge.parameters, "requiredAttributes")
    return [name.removeprefix("userAttributes.") for name in names]



NEW_PASSWORD_FIELD = Field("new_password", "new_password", max_length=forms.MAX_PASSWORD)

class NewPasswordRequired:
    challenges = (ChallengeName.NEW_PASSWORD_REQUIRED,)
    forms = ("new-password",)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        attributes = tuple(
            Field(name, "email" if name == "email" else "text", max_length=forms.MAX_ATTRIBUTE)
            for name in required_attributes(challenge)
        )
        new_password = NEW_PASSWORD_FIELD
        return Prompt(challenge.name, "new-password", (new_password, *attributes),
                      {"required_attributes": [a.name for a in attributes]})

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        new_password = forms.required(answers, "new_password")
        # The pages ask for the new password twice; an API client may send the confirmation
        # too. When it comes, it must match, or nothing is sent: a typo would otherwise become
        # the password nobody knows.
        confirmation = answers.get("confirm_new_password")
        if confirmation is not None and confirmation != new_password:
            raise InvalidRequest("the confirmation does not match", field="confirm_new_password")
        responses = {"NEW_PASSWORD": new_password}
        for name in required_attributes(challenge):
            responses[f"userAttributes.{name}"] = forms.required(answers, name).strip()
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, responses, challenge.session
        )
        return Reply(reply)
