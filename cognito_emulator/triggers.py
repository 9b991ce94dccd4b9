"""Lambda triggers: the code a pool's ``LambdaConfig`` has Cognito run at fixed points of a flow.

The emulator runs none yet, so it answers as Cognito does for a pool without them. This module is
where they go: each trigger a Python callable configured per pool, given Cognito's event
(``version``, ``region``, ``userPoolId``, ``userName``, ``callerContext``, ``triggerSource``,
``request``) and returning its ``response``. First the custom authentication flow:

- DefineAuthChallenge: called by InitiateAuth CUSTOM_AUTH and after every answer, with the
  challenges so far (``request.session``); decides the next challenge or that tokens are due.
- CreateAuthChallenge: makes a CUSTOM_CHALLENGE's public and private parameters; the private
  ones stay in the Session, as a CUSTOM_CHALLENGE record in challenge_state.py.
- VerifyAuthChallengeResponse: judges RespondToAuthChallenge's ANSWER (challenge_answers.py).
"""

from __future__ import annotations

from typing import NoReturn

from cognito_emulator.errors import CUSTOM_AUTH_NOT_CONFIGURED, NotAuthorized


def refuse_custom_auth() -> NoReturn:
    """InitiateAuth CUSTOM_AUTH without a DefineAuthChallenge trigger: Cognito's refusal."""
    raise NotAuthorized(CUSTOM_AUTH_NOT_CONFIGURED)
