""""Email me a code": CreateAuthChallenge emails a six-digit code (through ``context.send_code``,
the emulator's stand-in for SES: it lands in the outbox with purpose ``CUSTOM_CHALLENGE``) and
keeps it in the private parameters; retries reuse the code (kept in challengeMetadata as
``CODE-<digits>``, which the client never sees). Three tries.

Functions: ``define_auth_challenge``, ``create_auth_challenge``,
``verify_auth_challenge_response``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from cognito_emulator.examples._define import define

TRIES = 3


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return define(event, TRIES)


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    email = request["userAttributes"].get("email")
    if not email:
        raise ValueError("the user has no email address")
    previous = [entry for entry in request["session"]
                if entry["challengeName"] == "CUSTOM_CHALLENGE"
                and (entry.get("challengeMetadata") or "").startswith("CODE-")]
    if previous:
        code = previous[-1]["challengeMetadata"].removeprefix("CODE-")
    else:
        code = f"{secrets.randbelow(1_000_000):06d}"
        context.send_code("EMAIL", email, code)
    event["response"] = {
        # ``template`` picks the gateway's page for this challenge (challenges/custom/
        # email-code.html); any other client shows the parameters its own way.
        "publicChallengeParameters": {"email": _mask(email), "attemptsLeft": str(
            TRIES - len(previous)), "template": "email-code"},
        "privateChallengeParameters": {"code": code},
        "challengeMetadata": f"CODE-{code}",
    }
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    expected = request["privateChallengeParameters"].get("code", "")
    given = request["challengeAnswer"].strip()
    event["response"]["answerCorrect"] = bool(expected) and hmac.compare_digest(
        given.encode(), expected.encode())
    return event


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"
