"""The session layer of a request: the signed-in session behind the cookie, loaded at most
once per request, and only by a handler that asks for it (``/healthz`` and static files never
touch Redis for it). A session whose access token is about to expire is refreshed here, before
anyone uses it (:mod:`gateway.session.refresh`); one whose refresh Cognito refused is no
session, and :func:`session_ended` says so (401 ``session_expired`` rather than
``not_signed_in``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from gateway import errors
from gateway.keys import FRESHNESS, ROOT_APP, SESSIONS, STALE_COOKIES
from gateway.security.signing import Purpose, Ticket
from gateway.session.sessions import UserSession
from gateway.web.cookies import cookie_name, read_ticket

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Current:
    ticket: Ticket
    session: UserSession


class _Slot:
    """What one request knows of its session: not asked yet, or the answer (None: none)."""

    __slots__ = ("current", "ended", "loaded")

    def __init__(self) -> None:
        self.loaded = False
        self.current: Current | None = None
        self.ended = False  # a session was there, and its refresh was refused


SLOT: web.RequestKey[_Slot] = web.RequestKey("session_slot")


@web.middleware
async def session_layer(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[SLOT] = _Slot()
    return await handler(request)


async def current_session(request: web.Request) -> Current | None:
    """The signed-in session behind the session cookie, or None. A cookie that verifies but
    names no live session (signed out, timed out, deleted) is cleared like a forged one, so
    every kind of dead cookie gets the same answer."""
    slot = request[SLOT]
    if slot.loaded:
        return slot.current
    ticket = read_ticket(request, Purpose.SESSION)
    session = await request[ROOT_APP][SESSIONS].load(ticket) if ticket is not None else None
    if ticket is not None and session is not None:
        try:
            session = await request[ROOT_APP][FRESHNESS].fresh(ticket, session)
        except errors.SessionExpired:
            session, slot.ended = None, True
    if ticket is not None and session is None:
        request[STALE_COOKIES].add(cookie_name(request, Purpose.SESSION))
    slot.loaded = True
    slot.current = Current(ticket, session) if ticket is not None and session else None
    return slot.current


def session_ended(request: web.Request) -> bool:
    """Whether this request's session ended when its tokens were refreshed (Cognito refused)."""
    return request[SLOT].ended


def forget_session(request: web.Request) -> None:
    """The session was ended during this request: later reads must not see it."""
    slot = request[SLOT]
    slot.loaded, slot.current = True, None
