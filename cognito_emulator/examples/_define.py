"""The DefineAuthChallenge both examples share: optional SRP first, then up to ``tries``
CUSTOM_CHALLENGE rounds; a right answer issues tokens, the last wrong one fails."""

from __future__ import annotations

from typing import Any


def define(event: dict[str, Any], tries: int) -> dict[str, Any]:
    session: list[dict[str, Any]] = event["request"]["session"]
    response = event["response"]
    if session and session[0]["challengeName"] == "SRP_A":
        if len(session) == 1:
            response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False,
                            failAuthentication=False)
            return event
        if session[1]["challengeName"] != "PASSWORD_VERIFIER" or not session[1]["challengeResult"]:
            response.update(issueTokens=False, failAuthentication=True)
            return event
        session = session[2:]
    if session and session[-1]["challengeName"] == "CUSTOM_CHALLENGE" and (
        session[-1]["challengeResult"]
    ):
        response.update(issueTokens=True, failAuthentication=False)
    elif len(session) >= tries:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False,
                        failAuthentication=False)
    return event
