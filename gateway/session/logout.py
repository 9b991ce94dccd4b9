"""Signing out: the local session goes first, then Cognito is told.

The order matters: if Cognito cannot be reached, the person is still signed out here, and the
refresh token is gone from our store with the session.
"""

from __future__ import annotations

import logging

from gateway.cognito.client import Cognito
from gateway.errors import GatewayError
from gateway.security.signing import Ticket
from gateway.session.sessions import Sessions

log = logging.getLogger("gateway.logout")


async def sign_out(
    sessions: Sessions, cognito: Cognito, ticket: Ticket, *, everywhere: bool = False
) -> None:
    """Delete the session, then revoke its refresh token. ``everywhere`` ends every session of
    the person in this gateway and signs them out of Cognito (GlobalSignOut) too."""
    session = await sessions.load(ticket)
    await sessions.delete(ticket)
    if session is None:
        return
    if everywhere:
        await sessions.end_all(session)
    try:
        if everywhere:
            await cognito.global_sign_out(session.access_token)
        elif session.refresh_token:
            await cognito.revoke_token(session.refresh_token)
    except GatewayError as error:
        log.warning("signed out locally; Cognito was not told: %s", error,
                    extra={"code": error.code})
    log.info("signed out", extra={"sub": session.user.get("sub"), "everywhere": everywhere})
