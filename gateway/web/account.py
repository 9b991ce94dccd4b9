"""The account area of the signed-in person, on both faces: their sessions, their password.

JSON (under ``/auth``): ``GET /auth/account/sessions``, ``DELETE /auth/account/sessions/{id}``
(204), ``POST /auth/account/sessions/sign-out-others`` (204), ``POST /auth/account/password
{"current_password", "new_password"}`` (204). Pages: ``/account`` (who is signed in, links to
the other account pages, the sessions with a form to end each other one and all of them) and
``/account/password``.

**Sessions.** Every gateway session of the person, listed from the clear record beside each
(:mod:`gateway.session.about`) without opening any: the Redis id never leaves the gateway, the
list names each session by an HMAC of it (:func:`~gateway.session.sessions.public_id`, under
the newest signing key), and an id is mapped back only by walking the person's own index, so
another person's session cannot be named (404). Ending this browser's own session is signing
out here (cookies cleared, refresh token revoked). Ending the others deletes their records;
their refresh tokens are sealed under keys only their cookies hold, so Cognito cannot be told:
each stays valid at Cognito until it expires (the gateway never uses it again). "Sign out
everywhere" (``POST /auth/logout {"everywhere": true}``, GlobalSignOut) revokes them all.

**Password.** ChangePassword with the session's access token, after a recent sign-in
(``GATEWAY_REAUTH_MAX_AGE``), else 401 ``reauthentication_required``. A wrong current password
(400 ``incorrect_password``) spends the same failure budgets as a wrong sign-in password.
Other sessions stay signed in: Cognito's ChangePassword revokes no token.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.keys import (
    CLIENT_IP,
    COGNITO,
    REQUEST_ID,
    ROOT_APP,
    SESSIONS,
    SETTINGS,
    SIGNING,
    STORE,
    TRANSLATOR,
)
from gateway.security.limits import Limits
from gateway.session.sessions import Listing, public_id, public_id_key
from gateway.signin.steps.forms import MAX_PASSWORD
from gateway.web import outcome
from gateway.web.hosted import sign_in_name
from gateway.web.middleware import log_refusal
from gateway.web.passkeys import PAGE as PASSKEYS_PAGE
from gateway.web.passkeys import recent
from gateway.web.password_rules import broken_rules
from gateway.web.render import error_detail, error_message, page, with_retry_after
from gateway.web.requests import read_form, read_json, text_field
from gateway.web.session_layer import Current, current_session

log = logging.getLogger("gateway.account")
api_routes = web.RouteTableDef()
page_routes = web.RouteTableDef()
PAGE = "/account"
PASSWORD_PAGE = "/account/password"  # noqa: S105 (a path, not a password)
_NOTICES = frozenset({"password_changed", "session_ended", "other_sessions_ended"})


async def _signed_in(request: web.Request) -> Current:
    current = await current_session(request)
    if current is None:
        raise errors.NotSignedIn("no session")
    return current


# --- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionView:
    """One session as the person sees it: never its Redis id, nothing of its record."""

    id: str
    current: bool
    browser: str | None
    system: str | None
    label: str | None
    network: str | None
    started_at: int | None
    last_seen_at: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "current": self.current, "browser": self.label,
                "network": self.network, "started_at": self.started_at,
                "last_seen_at": self.last_seen_at}


def _id_key(request: web.Request) -> bytes:
    newest = request[ROOT_APP][SETTINGS].cookies.secret_keys[-1].reveal().encode()
    return public_id_key(newest)


def _view(key: bytes, listing: Listing, current: Current) -> SessionView:
    about, here = listing.about, listing.id == current.ticket.id
    return SessionView(
        id=public_id(key, listing.id), current=here,
        browser=about.browser if about else None, system=about.system if about else None,
        label=about.label if about else None, network=about.network if about else None,
        started_at=int(about.started_at) if about else None,
        # This request is this browser's latest use.
        last_seen_at=int(time.time() if here else listing.last_seen_at),
    )


async def _sessions(request: web.Request, current: Current) -> list[tuple[str, SessionView]]:
    """The person's sessions, newest first: (Redis id, what they see)."""
    key = _id_key(request)
    listings = await request[ROOT_APP][SESSIONS].of_person(current.session)
    return [(listing.id, _view(key, listing, current)) for listing in listings]


async def _find(request: web.Request, current: Current, given: str) -> str | None:
    """The Redis id behind a public id, among this person's sessions only."""
    for session_id, view in await _sessions(request, current):
        if hmac.compare_digest(view.id.encode(), given.encode()):
            return session_id
    return None


async def _end(request: web.Request, response: web.StreamResponse, current: Current,
               session_id: str) -> bool:
    """End one of the person's sessions; True when it was this browser's (signed out)."""
    if session_id == current.ticket.id:
        await outcome.signed_out(request, response, current.ticket)
        return True
    await request[ROOT_APP][SESSIONS].end(current.session, session_id)
    log.info("ended another session", extra={"sub": current.session.user.get("sub")})
    return False


async def _end_others(request: web.Request, current: Current) -> None:
    ended = await request[ROOT_APP][SESSIONS].end_others(current.ticket, current.session)
    log.info("ended the other sessions",
             extra={"sub": current.session.user.get("sub"), "sessions": ended})


@api_routes.get("/account/sessions")
async def list_sessions(request: web.Request) -> web.StreamResponse:
    current = await _signed_in(request)
    found = await _sessions(request, current)
    return web.json_response({"sessions": [view.to_json() for _, view in found]})


@api_routes.delete("/account/sessions/{id}")
async def end_session(request: web.Request) -> web.StreamResponse:
    if request.body_exists:
        await read_json(request)  # no members, but a body must still be JSON
    current = await _signed_in(request)
    session_id = await _find(request, current, request.match_info["id"])
    if session_id is None:
        raise errors.NotFound("no such session of this person")
    response = web.Response(status=204)
    await _end(request, response, current, session_id)
    return response


@api_routes.post("/account/sessions/sign-out-others")
async def sign_out_others(request: web.Request) -> web.StreamResponse:
    if request.body_exists:
        await read_json(request)
    current = await _signed_in(request)
    await _end_others(request, current)
    return web.Response(status=204)


# --- password ---------------------------------------------------------------------------------


def _password(value: str | None, name: str) -> str:
    if not value:
        raise errors.InvalidRequest(f"missing {name}", field=name)
    if len(value) > MAX_PASSWORD:
        raise errors.InvalidRequest(f"{name} too long", field=name, detail="too_long")
    return value


async def _change_password(request: web.Request, current: Current, typed: dict[str, Any]
                           ) -> None:
    """Check what was typed, then ChangePassword; the current password's failures are
    counted as sign-in failures are (reserved first, given back when it was right)."""
    previous = _password(text_field(typed, "current_password", required=False),
                         "current_password")
    proposed = _password(text_field(typed, "new_password", required=False), "new_password")
    confirmation = text_field(typed, "confirm_new_password", required=False)
    if confirmation is not None and confirmation != proposed:
        raise errors.InvalidRequest("the confirmation does not match",
                                    field="confirm_new_password")
    if not recent(request, current):
        raise errors.ReauthenticationRequired("changing the password needs a recent sign-in")
    root, session = request[ROOT_APP], current.session
    settings = root[SETTINGS]
    limits = Limits(root[STORE], settings.limits,
                    settings.cookies.secret_keys[-1].reveal().encode())
    attempt = await limits.password_check(request[CLIENT_IP], session.internal_username)
    failed = False
    try:
        await root[COGNITO].change_password(session.access_token, previous, proposed)
    except errors.IncorrectPassword:
        failed = True
        raise
    finally:
        await attempt.settle(failed=failed, code_sent=False)
    log.info("password changed", extra={"sub": session.user.get("sub")})


@api_routes.post("/account/password")
async def change_password(request: web.Request) -> web.StreamResponse:
    current = await _signed_in(request)
    await _change_password(request, current, await read_json(request))
    return web.Response(status=204)


# --- the pages --------------------------------------------------------------------------------


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def _posted(request: web.Request) -> tuple[dict[str, str], Current]:
    """A form of the account pages: the signed-in session and the form's token bound to it."""
    form = await read_form(request)
    current = await current_session(request)
    if current is None or not request[ROOT_APP][SIGNING].check_csrf(form.get("csrf"),
                                                                    current.ticket):
        raise errors.CsrfFailed("account form without the page's token")
    return form, current


def _when(seconds: int | None) -> dict[str, str] | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    return {"iso": moment.isoformat(), "text": moment.strftime("%Y-%m-%d %H:%M UTC")}


def _shown(request: web.Request, view: SessionView) -> dict[str, Any]:
    t = request[TRANSLATOR]
    if view.browser and view.system:
        name = t("page.account.session.browser_on", browser=view.browser, system=view.system)
    else:
        name = view.browser or view.system or t("page.account.session.unknown")
    return {"view": view, "label": name, "started": _when(view.started_at),
            "seen": _when(view.last_seen_at)}


@page_routes.get(PAGE)
async def account_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return _see_other(f"/login?return_to={PAGE}")
    user = current.session.user
    username = sign_in_name(user)
    notice = request.query.get("notice")
    return page(
        request, "account/index.html",
        user=user, username=username,
        display_name=user.get("name") or username or user.get("email")
        or user.get("phone_number") or "",
        sessions=[_shown(request, view) for _, view in await _sessions(request, current)],
        passkeys_page=PASSKEYS_PAGE if request[ROOT_APP][SETTINGS].cognito.public_origin
        else None,
        password_page=PASSWORD_PAGE,
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        notice=notice if notice in _NOTICES else None,
    )


@page_routes.post(PAGE + "/sessions/{id}/end")
async def end_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await _posted(request)
    session_id = await _find(request, current, request.match_info["id"])
    # Gone already (a double click, timed out, or not this person's): nothing to end.
    if session_id is None:
        return _see_other(f"{PAGE}?notice=session_ended")
    response = _see_other(f"{PAGE}?notice=session_ended")
    if await _end(request, response, current, session_id):
        response.headers["Location"] = "/login?notice=signed_out"
    return response


@page_routes.post(PAGE + "/sessions/sign-out-others")
async def sign_out_others_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await _posted(request)
    await _end_others(request, current)
    return _see_other(f"{PAGE}?notice=other_sessions_ended")


def _password_form(request: web.Request, current: Current,
                   error: errors.GatewayError | None = None,
                   typed: dict[str, str] | None = None) -> web.StreamResponse:
    t = request[TRANSLATOR]
    policy = request[ROOT_APP][SETTINGS].branding.password_policy
    labels = {name: t(f"field.{name}") for name in
              ("current_password", "new_password", "confirm_new_password")}
    message = error_message(t, error, labels) if error else None
    outage = isinstance(error, errors.Outage)
    field = None if error is None or outage else error.field
    detail = error_detail(t, error, policy) if error else None
    broken = (broken_rules((typed or {}).get("new_password", ""), policy)
              if error and error.code == "invalid_password" else [])
    if broken:
        detail = t("error.invalid_password.rules")
    response = page(
        request, "account/password.html", status=error.status if error else 200,
        recent=recent(request, current),
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        username=current.session.user.get("username") or "",
        error_code=error.code if error else None, error_summary=message, error_detail=detail,
        error_items=[t("password.rule.length", count=policy.min_length) if rule == "length"
                     else t(f"password.rule.{rule}") for rule in broken],
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
    )
    return with_retry_after(response, error) if error else response


@page_routes.get(PASSWORD_PAGE)
async def password_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return _see_other(f"/login?return_to={PASSWORD_PAGE}")
    return _password_form(request, current)


@page_routes.post(PASSWORD_PAGE)
async def password_submit(request: web.Request) -> web.StreamResponse:
    form, current = await _posted(request)
    try:
        await _change_password(request, current, form)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _password_form(request, current, error, form)
    return _see_other(f"{PAGE}?notice=password_changed")
