"""The account journeys as a protocol, like the sign-in (:mod:`gateway.signin.driver`): a
sign-up, and a forgotten password. Each starts with one Cognito call and then waits on a step
of its own (CONFIRM_SIGN_UP, CONFIRM_FORGOT_PASSWORD) answered through the same runner, lock,
limits and pages as any challenge.

Neither tells a stranger whether a name has an account. A forgotten password for an unknown
name (a LEGACY client: UserNotFoundException) is answered like a known one, a code "sent"
somewhere; a sign-up for a taken name (UsernameExistsException, which Cognito reveals whatever
the client's settings) is answered like a new one. The code that would finish either never
comes, and every code typed is wrong: the same answers, in the same order, as for a mistyped
code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from gateway import errors
from gateway.signin.driver import Finished, Result, Waiting
from gateway.signin.model import Challenge, ChallengeName
from gateway.signin.protocol import AccountCall, Effects, Turn
from gateway.signin.steps import prompt_for

SIGN_UP = "sign_up"
RECOVERY = "recovery"


def _delivery(reply: Mapping[str, Any]) -> dict[str, str]:
    details = reply.get("CodeDeliveryDetails") or {}
    return {"CODE_DELIVERY_DELIVERY_MEDIUM": str(details.get("DeliveryMedium") or ""),
            "CODE_DELIVERY_DESTINATION": str(details.get("Destination") or "")}


def _waiting(name: ChallengeName, username: str, parameters: dict[str, str],
             session: str | None = None, **state: str) -> Waiting:
    challenge = Challenge(name, session, username, parameters, state)
    return Waiting(challenge, prompt_for(challenge))


def sign_up(username: str, attributes: Mapping[str, str], turn: Turn,
            then_sign_in: bool) -> Effects[Result]:
    """SignUp, then the confirmation step (or, when Cognito confirmed the person at once, the
    login form). ``then_sign_in``: after the code, sign in with ConfirmSignUp's Session."""
    password = turn.password or ""
    turn.password = None
    then = {"then": "USER_AUTH"} if then_sign_in else {}
    try:
        reply = yield AccountCall("sign_up", username, {
            "Password": password,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        })
    except errors.UsernameExists:
        return _waiting(ChallengeName.CONFIRM_SIGN_UP, username, {}, **then)
    if reply.get("UserConfirmed"):
        return Finished("signed_up")  # confirmed by the pool at once (PreSignUp): sign in
    # SignUp's Session (a client that allows USER_AUTH): ConfirmSignUp spends it and hands out
    # the one that signs the person in.
    session = reply.get("Session") if isinstance(reply.get("Session"), str) else None
    return _waiting(ChallengeName.CONFIRM_SIGN_UP, username, _delivery(reply), session, **then)


def forgot_password(username: str) -> Effects[Result]:
    """ForgotPassword: Cognito sends a code; the next step takes it and the new password."""
    try:
        reply = yield AccountCall("forgot_password", username, {})
    except errors.InvalidCredentials:
        # An unknown name on a LEGACY client: answered as Cognito answers it on a client that
        # prevents existence errors, with a plausible place the code went.
        reply = {"CodeDeliveryDetails": plausible_delivery(username)}
    return _waiting(ChallengeName.CONFIRM_FORGOT_PASSWORD, username, _delivery(reply))


def plausible_delivery(username: str) -> dict[str, str]:
    """Where a code to ``username`` could have gone, masked as Cognito masks an address: the
    typed address itself, or, for a plain name, a made-up one that stays the same for it."""
    local, at, domain = username.partition("@")
    if not at:
        local = username
        domain = "abcdefghijklmnopqrstuvwxyz"[hashlib.sha256(username.encode()).digest()[0] % 26]
    return {"DeliveryMedium": "EMAIL", "AttributeName": "email",
            "Destination": f"{local[:1]}***@{domain[:1]}***"}


def resend(kind: str, challenge: Challenge) -> Effects[Result]:
    """"Send a new code" on a journey's step: ResendConfirmationCode, or ForgotPassword again.
    The step stays, its state too."""
    operation = "resend_confirmation_code" if kind == SIGN_UP else "forgot_password"
    try:
        reply = yield AccountCall(operation, challenge.username, {})
    except (errors.InvalidCredentials, errors.InvalidRequest):
        reply = {}  # unknown, or already confirmed: the same answer as a code sent
    parameters = {**challenge.parameters, **{k: v for k, v in _delivery(reply).items() if v}}
    renewed = Challenge(challenge.name, challenge.session, challenge.username, parameters,
                        challenge.state)
    return Waiting(renewed, prompt_for(renewed))
