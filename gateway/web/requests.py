"""Request plumbing shared by the pages and the API: cookies, bodies, client context."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from gateway.errors import InvalidRequest, UnsupportedMediaType
from gateway.keys import CLIENT_IP, COGNITO, SESSIONS, SETTINGS, SIGNING, STALE_COOKIES
from gateway.security.client import MAX_ENCODED_DATA, RequestContext, client_ip
from gateway.security.signing import Purpose, Ticket
from gateway.session.logout import sign_out
from gateway.session.store import UserSession

_COOKIE_NAMES = {Purpose.FLOW: "gw-flow", Purpose.SESSION: "gw-session"}
MAX_FIELD = 4096  # any single form or JSON field except encoded_data
# On sign-out, ask the browser to drop everything this site stored for the person.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def cookie_name(request: web.Request, purpose: Purpose) -> str:
    return request.app[SETTINGS].cookie_prefix + _COOKIE_NAMES[purpose]


def _max_age(request: web.Request, purpose: Purpose) -> int:
    settings = request.app[SETTINGS]
    if purpose is Purpose.FLOW:
        return settings.flow_ttl
    return settings.session_absolute_timeout


def read_ticket(request: web.Request, purpose: Purpose) -> Ticket | None:
    """The verified ticket of a cookie, or None. A cookie that is present but does not verify
    (tampered, expired, signed for another purpose or with a retired key) is scheduled to be
    cleared, and is otherwise treated exactly like no cookie at all."""
    name = cookie_name(request, purpose)
    value = request.cookies.get(name)
    if value is None:
        return None
    ticket = request.app[SIGNING].read_ticket(purpose, value, _max_age(request, purpose))
    if ticket is None:
        request[STALE_COOKIES].add(name)
    return ticket


async def current_session(request: web.Request) -> tuple[Ticket, UserSession] | None:
    """The signed-in session behind the session cookie, or None. A cookie that verifies but
    names no live session (signed out, timed out, deleted) is cleared like a forged one, so
    every kind of dead cookie gets the same answer."""
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is None:
        return None
    session = await request.app[SESSIONS].load(ticket)
    if session is None:
        request[STALE_COOKIES].add(cookie_name(request, Purpose.SESSION))
        return None
    return ticket, session


async def end_replaced_session(request: web.Request) -> None:
    """Signing in ends the session this browser already carried: neither a planted id
    (fixation) nor an earlier sign-in lives on beside the new session."""
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is not None:
        await sign_out(request.app[SESSIONS], request.app[COGNITO], ticket)


def set_ticket(
    request: web.Request, response: web.StreamResponse, purpose: Purpose, ticket: Ticket
) -> None:
    name = cookie_name(request, purpose)
    request[STALE_COOKIES].discard(name)
    response.set_cookie(
        name,
        request.app[SIGNING].sign_ticket(purpose, ticket),
        max_age=_max_age(request, purpose),
        **cookie_attributes(request),
    )


def clear_ticket(request: web.Request, response: web.StreamResponse, purpose: Purpose) -> None:
    clear_cookies(request, response, [cookie_name(request, purpose)])


def clear_cookies(request: web.Request, response: web.StreamResponse, names: Iterable[str]) -> None:
    for name in names:
        # Same attributes as when set: browsers only replace a cookie that matches them.
        response.del_cookie(name, **cookie_attributes(request))


def cookie_attributes(request: web.Request) -> dict[str, Any]:
    return {
        "path": "/",
        "secure": request.app[SETTINGS].cookie_secure,
        "httponly": True,
        "samesite": "Lax",
    }


def client_address(request: web.Request) -> str | None:
    """The client's IP through the trusted proxies (stored as ``CLIENT_IP`` by the request
    middleware, which every other use reads)."""
    return client_ip(
        request.remote,
        request.headers.getall("X-Forwarded-For", []),
        request.app[SETTINGS].trusted_proxies,
    )


def request_context(request: web.Request, encoded_data: str | None) -> RequestContext:
    if encoded_data is not None and len(encoded_data) > MAX_ENCODED_DATA:
        raise InvalidRequest("encoded_data too long", field="encoded_data")
    return RequestContext(ip=request[CLIENT_IP], encoded_data=encoded_data or None)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    limit = MAX_ENCODED_DATA if name == "encoded_data" else MAX_FIELD
    if len(value) > limit:
        raise InvalidRequest(f"{name} too long", field=name)
    return value


async def read_form(request: web.Request) -> dict[str, str]:
    """An urlencoded form as a plain dict of strings (first value of each field)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("forms must be urlencoded")
    form: MultiMapping[Any] = await request.post()
    return {key: _text(form[key], key) for key in form}


async def read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise UnsupportedMediaType("the API takes application/json")
    try:
        body = await request.json()
    except ValueError:
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"missing {name}", field=name)
        return None
    return _text(value, name)
