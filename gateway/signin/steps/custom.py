"""CUSTOM_CHALLENGE: a question the pool's own triggers ask (CreateAuthChallenge) and judge
(VerifyAuthChallengeResponse): a code sent by email, a security question, anything a team
writes.

The person sees the challenge's public parameters, as text, and answers in one field,
``answer`` (sent as ANSWER). What comes next is the DefineAuthChallenge trigger's decision:

* another CUSTOM_CHALLENGE straight after one was answered: the answer was not accepted, and
  the page and the API say so (``notice: answer_not_accepted``). A trigger that asks a new
  question instead (a second factor after a first) says so with the public parameter
  ``answerAccepted: "true"``; ``"false"`` says "not accepted" explicitly, on any round.
* tokens: signed in;
* ``failAuthentication``: Cognito answers NotAuthorizedException and the answered Session is
  spent, so the sign-in starts over (:class:`~gateway.errors.ChallengeFailed`, ``restart``).

Which template renders it: the public parameter ``template`` names
``challenges/custom/<template>.html`` (lower-case letters, digits and ``-``), looked up in
GATEWAY_TEMPLATE_DIR first and then among the built-in templates; without one, or when no such
template exists, the built-in form ``challenges/custom.html``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gateway.errors import ChallengeFailed, InvalidCredentials
from gateway.signin.model import Challenge, ChallengeName, Field, Prompt
from gateway.signin.protocol import Arrival, Ask, Effects, Reply, RespondToChallenge, Turn, done
from gateway.signin.steps import forms

FORM = "custom"
# Cognito accepts any string as an ANSWER; a person types far less than this.
ANSWER_FIELD = Field("answer", "text", max_length=2048)
# The internal username: what every answer sends as USERNAME, never shown to the person.
_HIDDEN = frozenset({"USERNAME"})
_TEMPLATE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
NOT_ACCEPTED = "answer_not_accepted"


class CustomChallenge:
    challenges = (ChallengeName.CUSTOM_CHALLENGE,)
    forms = (FORM,)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        verdict = challenge.parameters.get("answerAccepted")
        again = turn.answered is ChallengeName.CUSTOM_CHALLENGE
        if verdict == "false" or (again and verdict != "true"):
            return done(Ask(challenge.with_state(notice=NOT_ACCEPTED)))
        return done(Ask(challenge))

    def prompt(self, challenge: Challenge) -> Prompt:
        public = {k: v for k, v in challenge.parameters.items() if k not in _HIDDEN}
        chosen = public.get("template", "")
        view = f"custom/{chosen}" if _TEMPLATE.fullmatch(chosen) else None
        return Prompt(challenge.name, FORM, (ANSWER_FIELD,), public, view=view,
                      notice=challenge.state.get("notice"))

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        # Sent as typed: what counts as the same answer is the trigger's call, not ours.
        given = forms.required(answers, ANSWER_FIELD.name)
        try:
            reply = yield RespondToChallenge(
                challenge.name, challenge.username, {"ANSWER": given}, challenge.session
            )
        except InvalidCredentials as refused:
            # DefineAuthChallenge said failAuthentication: this Session is spent, and so is
            # the sign-in. A new one begins at the login form.
            raise ChallengeFailed("the pool's triggers ended the sign-in") from refused
        return Reply(reply)
