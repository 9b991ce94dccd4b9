"""CUSTOM_AUTH: the sign-in the pool's DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse triggers (triggers.py) decide.

InitiateAuth CUSTOM_AUTH asks DefineAuthChallenge with an empty ``request.session``, or, when the
client starts with SRP (``CHALLENGE_NAME: SRP_A`` and ``SRP_A``), with ``[SRP_A: true]``; Define
may then ask for ``PASSWORD_VERIFIER`` (checked by the usual SRP server; a wrong proof is
"Incorrect username or password.", a right one adds ``PASSWORD_VERIFIER: true`` and asks Define
again). ``CUSTOM_CHALLENGE`` has CreateAuthChallenge make the public parameters (sent, with
``USERNAME``) and the private ones (kept in the Session's CustomChallengeState). Each ANSWER is
judged by VerifyAuthChallengeResponse, appended to the session list and handed to Define again:
``failAuthentication`` is NotAuthorizedException, ``issueTokens`` gives tokens, another
``CUSTOM_CHALLENGE`` a new round with a new Session (the answered one is spent).

``ClientMetadata`` reaches the three triggers from RespondToAuthChallenge only: Cognito does not
pass InitiateAuth's to them (it goes to PreAuthentication, pre sign-up and user migration).
"""

from __future__ import annotations

from typing import Any

import cognito_srp
from cognito_emulator import srp_server, triggers
from cognito_emulator.auth_sessions import AuthSession
from cognito_emulator.auth_steps import SignIn
from cognito_emulator.challenge_state import (
    ChallengeResult,
    CustomChallengeState,
    PasswordVerifierState,
)
from cognito_emulator.errors import INCORRECT_CREDENTIALS, NotAuthorized, required_parameter
from cognito_emulator.models import CUSTOM_CHALLENGE, PASSWORD_VERIFIER
from cognito_emulator.triggers import user_attributes

SRP_A = "SRP_A"


def start(sign_in: SignIn, parameters: dict[str, str]) -> dict[str, Any]:
    """InitiateAuth CUSTOM_AUTH for a known, usable user."""
    if not triggers.configured(sign_in.pool, triggers.DEFINE_AUTH_CHALLENGE):
        triggers.refuse_custom_auth()
    srp_a = None
    session: tuple[ChallengeResult, ...] = ()
    if parameters.get("CHALLENGE_NAME") == SRP_A:
        srp_a = required_parameter(parameters, "SRP_A")
        session = (ChallengeResult(SRP_A, True),)
    return _next_step(sign_in, session, {}, srp_a=srp_a)


def after_password_verifier(sign_in: SignIn, state: PasswordVerifierState,
                            client_metadata: dict[str, str]) -> dict[str, Any]:
    """The SRP proof of a CUSTOM_AUTH sign-in checked out: back to DefineAuthChallenge."""
    assert state.custom_session is not None
    session = (*state.custom_session, ChallengeResult(PASSWORD_VERIFIER, True))
    return _next_step(sign_in, session, client_metadata)


def answer(sign_in: SignIn, auth_session: AuthSession, state: CustomChallengeState,
           responses: dict[str, str], client_metadata: dict[str, str]) -> dict[str, Any]:
    """RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges the ANSWER."""
    given = required_parameter(responses, "ANSWER")
    sign_in.emulator.sessions.consume(auth_session)
    response = _invoke(sign_in, triggers.VERIFY_AUTH_CHALLENGE_RESPONSE, {
        "userAttributes": user_attributes(sign_in.user),
        "privateChallengeParameters": dict(state.private_parameters),
        "challengeAnswer": given,
        "clientMetadata": dict(client_metadata),
        "userNotFound": False,
    }, {"answerCorrect": None})
    correct = triggers.optional_bool(response.get("answerCorrect"))
    session = (*state.session,
               ChallengeResult(CUSTOM_CHALLENGE, correct, state.challenge_metadata))
    return _next_step(sign_in, session, client_metadata)


def _next_step(sign_in: SignIn, session: tuple[ChallengeResult, ...],
               client_metadata: dict[str, str], *, srp_a: str | None = None) -> dict[str, Any]:
    listed = [entry.to_event() for entry in session]
    response = _invoke(sign_in, triggers.DEFINE_AUTH_CHALLENGE, {
        "userAttributes": user_attributes(sign_in.user),
        "session": listed,
        "clientMetadata": dict(client_metadata),
        "userNotFound": False,
    }, {"challengeName": None, "issueTokens": None, "failAuthentication": None})
    fail = triggers.optional_bool(response.get("failAuthentication"))
    issue = triggers.optional_bool(response.get("issueTokens"))
    name = triggers.optional_string(response.get("challengeName"))
    if fail:
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    if issue:
        return sign_in.complete()
    if name == PASSWORD_VERIFIER and srp_a is not None:
        return _password_verifier(sign_in, session, srp_a)
    if name != CUSTOM_CHALLENGE:
        raise triggers.InvalidLambdaResponse(triggers.INVALID_RESPONSE)
    created = _invoke(sign_in, triggers.CREATE_AUTH_CHALLENGE, {
        "userAttributes": user_attributes(sign_in.user),
        "challengeName": CUSTOM_CHALLENGE,
        "session": listed,
        "clientMetadata": dict(client_metadata),
        "userNotFound": False,
    }, {"publicChallengeParameters": {}, "privateChallengeParameters": {},
        "challengeMetadata": None})
    public = triggers.string_map(created.get("publicChallengeParameters"))
    private = triggers.string_map(created.get("privateChallengeParameters"))
    metadata = triggers.optional_string(created.get("challengeMetadata"))
    state = CustomChallengeState(session=session, private_parameters=tuple(private.items()),
                                 challenge_metadata=metadata)
    return sign_in.challenge(state, {**public, "USERNAME": sign_in.user.username},
                             name_user=False)


def _password_verifier(sign_in: SignIn, session: tuple[ChallengeResult, ...],
                       srp_a: str) -> dict[str, Any]:
    user = sign_in.user
    identity = srp_server.SrpIdentity(realm=cognito_srp.pool_name(sign_in.pool.id),
                                      user_id=user.username, salt=user.salt,
                                      verifier=user.verifier)
    exchange = srp_server.start_exchange(identity, srp_a, sign_in.emulator.entropy)
    state = PasswordVerifierState(srp=exchange, user_exists=True, device_key=sign_in.device_key,
                                  custom_session=session)
    return sign_in.challenge(state, {**exchange.challenge_parameters(),
                                     "USERNAME": user.username,
                                     "USER_ID_FOR_SRP": user.username}, name_user=False)


def _invoke(sign_in: SignIn, trigger: str, request: dict[str, Any],
            response: dict[str, Any]) -> dict[str, Any]:
    source = f"{trigger}_Authentication"
    event = triggers.base_event(sign_in.pool, source, sign_in.user.username,
                                sign_in.client.client_id, request, response)
    return triggers.invoke(sign_in.emulator.functions, sign_in.pool, trigger, event,
                           sign_in.send_code())
