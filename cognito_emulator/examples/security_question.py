"""A question with three tries: CreateAuthChallenge asks ``QUESTION`` (public) and keeps the
expected answer private; VerifyAuthChallengeResponse compares case- and space-insensitively.

Functions: ``define_auth_challenge``, ``create_auth_challenge``,
``verify_auth_challenge_response``.
"""

from __future__ import annotations

from typing import Any

from cognito_emulator.examples._define import define

TRIES = 3
QUESTION = "What is six times seven?"
ANSWER = "42"


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return define(event, TRIES)


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    asked = sum(1 for entry in event["request"]["session"]
                if entry["challengeName"] == "CUSTOM_CHALLENGE")
    event["response"] = {
        "publicChallengeParameters": {"question": QUESTION,
                                      "attemptsLeft": str(TRIES - asked)},
        "privateChallengeParameters": {"answer": ANSWER},
        "challengeMetadata": f"QUESTION-{asked + 1}",
    }
    return event


def verify_auth_challenge_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["request"]
    expected = request["privateChallengeParameters"].get("answer", "")
    given = " ".join(request["challengeAnswer"].split()).casefold()
    event["response"]["answerCorrect"] = bool(expected) and given == expected.casefold()
    return event
