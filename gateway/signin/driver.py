"""The sign-in as a protocol: which Cognito call comes after which, with no I/O.

:func:`start` (a username and password) and :func:`answer` (the person answered a prompt) are
generators of :mod:`~gateway.signin.protocol` effects; each ends in :class:`Waiting` (ask the
person) or :class:`~gateway.signin.model.Tokens` (signed in). Between Cognito's reply and the
person, every challenge goes through its handler's ``arrive``, which may answer it without
asking (PASSWORD_VERIFIER now, device challenges next), so one request can pass several
challenges before it stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from gateway.signin import srp
from gateway.signin.model import Challenge, Prompt, ProtocolError, Tokens, read_reply
from gateway.signin.protocol import Ask, Compute, Effects, InitiateAuth, Turn
from gateway.signin.steps import forms, handler_for

PASSWORD_FLOWS: Final = ("USER_SRP_AUTH", "USER_PASSWORD_AUTH")
# Challenges a handler may answer on its own before one must be asked; Cognito never chains
# more than a few (device SRP: DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER).
MAX_AUTOMATIC_ANSWERS: Final = 8


@dataclass(frozen=True, slots=True)
class Waiting:
    """The person must answer ``prompt``; ``challenge`` (with its handler's state) is what the
    flow stores until they do."""

    challenge: Challenge
    prompt: Prompt


Result = Waiting | Tokens


def start(auth_flow: str, username: str, turn: Turn) -> Effects[Result]:
    """A password sign-in: ``turn.password`` is spent here and in PASSWORD_VERIFIER."""
    password = turn.password or ""
    if auth_flow == "USER_PASSWORD_AUTH":
        turn.password = None
        reply = yield InitiateAuth(auth_flow, username, {"PASSWORD": password})
    else:
        turn.ephemeral = yield Compute(srp.new_ephemeral)
        reply = yield InitiateAuth(auth_flow, username, {"SRP_A": turn.ephemeral.srp_a})
    return (yield from advance(reply, username, turn))


def answer(challenge: Challenge, answers: Mapping[str, str], turn: Turn) -> Effects[Result]:
    """The person's answers to the prompt ``challenge`` was waiting on. Every answer is
    validated before the first effect, so a malformed one never reaches Cognito."""
    handler = handler_for(challenge.name)
    forms.within_limits(handler.prompt(challenge), answers)
    arrival = yield from handler.answer(challenge, answers, turn)
    if isinstance(arrival, Ask):
        return _waiting(arrival.challenge)
    return (yield from advance(arrival.reply, challenge.username, turn))


def advance(reply: Mapping[str, Any], username: str, turn: Turn) -> Effects[Result]:
    """Follow Cognito's replies through every challenge answered without asking."""
    for _ in range(MAX_AUTOMATIC_ANSWERS):
        step = read_reply(reply, username)
        if isinstance(step, Tokens):
            return step
        arrival = yield from handler_for(step.name).arrive(step, turn)
        if isinstance(arrival, Ask):
            return _waiting(arrival.challenge)
        reply, username = arrival.reply, step.username
    raise ProtocolError(f"more than {MAX_AUTOMATIC_ANSWERS} challenges answered in a row")


def _waiting(challenge: Challenge) -> Waiting:
    return Waiting(challenge, handler_for(challenge.name).prompt(challenge))
