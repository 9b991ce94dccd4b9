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

import jwt

from gateway.errors import GatewayError
from gateway.signin import devices, srp
from gateway.signin.model import Challenge, Prompt, ProtocolError, Tokens, read_reply
from gateway.signin.protocol import (
    Ask,
    Compute,
    ConfirmDevice,
    Done,
    Effects,
    InitiateAuth,
    RememberDevice,
    Turn,
)
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


@dataclass(frozen=True, slots=True)
class Finished:
    """A journey that ends at the login form (``notice`` says why: a password changed...)."""

    notice: str


Result = Waiting | Tokens | Finished


# The first factors USER_AUTH may be asked for straight away (PREFERRED_CHALLENGE).
PREFERRED: Final = ("PASSWORD_SRP", "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")


def start(auth_flow: str, username: str, turn: Turn,
          preferred: str | None = None) -> Effects[Result]:
    """Begin ``auth_flow`` (one of :data:`gateway.config.AUTH_FLOWS`). ``turn.password`` is
    spent here and in PASSWORD_VERIFIER; plain CUSTOM_AUTH has none: its pool's triggers decide
    what to ask."""
    password = turn.password or ""
    # A remembered device (the browser's device cookie) is offered: Cognito then asks for
    # device SRP instead of MFA. Custom challenges take MFA's place, so those flows never do.
    device = ({"DEVICE_KEY": turn.device.key}
              if turn.device and auth_flow in PASSWORD_FLOWS else {})
    match auth_flow:
        case "USER_PASSWORD_AUTH":
            turn.password = None
            reply = yield InitiateAuth(auth_flow, username, {"PASSWORD": password, **device})
        case "CUSTOM_AUTH":
            turn.password = None
            reply = yield InitiateAuth(auth_flow, username, {})
        case "USER_AUTH":
            parameters = yield from _preference(preferred, turn)
            reply = yield InitiateAuth(auth_flow, username, parameters)
        case "CUSTOM_AUTH_SRP":
            # Cognito's CUSTOM_AUTH begun with SRP: PASSWORD_VERIFIER, then DefineAuthChallenge.
            turn.ephemeral = yield Compute(srp.new_ephemeral)
            reply = yield InitiateAuth("CUSTOM_AUTH", username,
                                       {"CHALLENGE_NAME": "SRP_A", "SRP_A": turn.ephemeral.srp_a})
        case _:
            turn.ephemeral = yield Compute(srp.new_ephemeral)
            reply = yield InitiateAuth(auth_flow, username,
                                       {"SRP_A": turn.ephemeral.srp_a, **device})
    return (yield from advance(reply, username, turn))


def _preference(preferred: str | None, turn: Turn) -> Effects[dict[str, str]]:
    """USER_AUTH's AuthParameters for a preferred first factor: a password one only with the
    password typed (sent by SRP, or as PASSWORD), any other as it is; none: Cognito asks which
    (SELECT_CHALLENGE)."""
    password, turn.password = turn.password, None
    if preferred in {"PASSWORD", "PASSWORD_SRP"} and not password:
        return {}
    if preferred == "PASSWORD":
        return {"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": password or ""}
    if preferred == "PASSWORD_SRP":
        turn.password = password
        turn.ephemeral = yield Compute(srp.new_ephemeral)
        return {"PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": turn.ephemeral.srp_a}
    return {"PREFERRED_CHALLENGE": preferred} if preferred else {}


def answer(challenge: Challenge, answers: Mapping[str, str], turn: Turn) -> Effects[Result]:
    """The person's answers to the prompt ``challenge`` was waiting on. Every answer is
    validated before the first effect, so a malformed one never reaches Cognito."""
    handler = handler_for(challenge.name)
    forms.within_limits(handler.prompt(challenge), answers)
    turn.answered = challenge.name
    arrival = yield from handler.answer(challenge, answers, turn)
    if isinstance(arrival, Ask):
        return _waiting(arrival.challenge)
    if isinstance(arrival, Done):
        return Finished(arrival.notice)
    return (yield from advance(arrival.reply, challenge.username, turn))


def advance(reply: Mapping[str, Any], username: str, turn: Turn) -> Effects[Result]:
    """Follow Cognito's replies through every challenge answered without asking."""
    for _ in range(MAX_AUTOMATIC_ANSWERS):
        step = read_reply(reply, username)
        if isinstance(step, Tokens):
            yield from _remember(step, username, turn)
            return step
        arrival = yield from handler_for(step.name).arrive(step, turn)
        if isinstance(arrival, Ask):
            if (turn.device is not None and not turn.device_used
                    and turn.device.username == step.username):
                # The cookie's device was offered and Cognito asked for MFA anyway: it no
                # longer knows the device (forgotten, stale cookie). MFA as usual, no error;
                # the outcome clears the cookie.
                turn.device_refused = True
            return _waiting(arrival.challenge)
        if isinstance(arrival, Done):
            return Finished(arrival.notice)
        reply, username = arrival.reply, step.username
    raise ProtocolError(f"more than {MAX_AUTOMATIC_ANSWERS} challenges answered in a row")


def _remember(tokens: Tokens, username: str, turn: Turn) -> Effects[None]:
    """Confirm the device Cognito just handed out (NewDeviceMetadata) when the deployment
    remembers devices (``always``) or the person asked (``ask``), and mark it remembered when
    Cognito says the pool waits for that (UserConfirmationNecessary). A refusal here costs the
    person nothing but the remembering: they are signed in all the same."""
    key, group = tokens.new_device_key, tokens.new_device_group_key
    if not key or not group or not (turn.remember == "always"
                                     or (turn.remember == "ask" and turn.remember_asked)):
        return
    owner = _internal_username(tokens.access_token) or username
    new = yield Compute(devices.new_device, (key, group, owner))
    try:
        necessary = yield ConfirmDevice(tokens.access_token, key, new.verifier, new.salt)
        if necessary:
            yield RememberDevice(tokens.access_token, key)
    except GatewayError:
        return
    turn.remembered = new.device


def _internal_username(access_token: str) -> str | None:
    """The access token's ``username`` claim (read, not verified: it came from Cognito just
    now over the gateway's own TLS connection)."""
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    name = claims.get("username")
    return name if isinstance(name, str) else None


def _waiting(challenge: Challenge) -> Waiting:
    return Waiting(challenge, handler_for(challenge.name).prompt(challenge))
