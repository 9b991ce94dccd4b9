"""The gateway's cookies, read and written: an opaque signed ticket each for the flow and the
session, and the sealed device cookie of a remembered device.

Reading happens anywhere a request needs a ticket; writing happens only in
:mod:`gateway.web.outcome` (and the middleware that clears cookies that did not verify).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from gateway.keys import ROOT_APP, SETTINGS, SIGNING, STALE_COOKIES
from gateway.security.sealing import (
    Unsealable,
    device_cookie_key,
    device_cookie_label,
    seal_cookie,
    unseal_cookie,
)
from gateway.security.signing import Purpose, Ticket
from gateway.signin.devices import Device

_COOKIE_NAMES = {Purpose.FLOW: "gw-flow", Purpose.SESSION: "gw-session"}


def cookie_name(request: web.Request, purpose: Purpose) -> str:
    return request[ROOT_APP][SETTINGS].cookies.prefix + _COOKIE_NAMES[purpose]


def _max_age(request: web.Request, purpose: Purpose) -> int:
    lifetimes = request[ROOT_APP][SETTINGS].lifetimes
    if purpose is Purpose.FLOW:
        return lifetimes.flow_ttl
    return lifetimes.session_absolute


def read_ticket(request: web.Request, purpose: Purpose) -> Ticket | None:
    """The verified ticket of a cookie, or None. A cookie that is present but does not verify
    (tampered, expired, signed for another purpose or with a retired key) is scheduled to be
    cleared, and is otherwise treated exactly like no cookie at all."""
    name = cookie_name(request, purpose)
    value = request.cookies.get(name)
    if value is None:
        return None
    ticket = request[ROOT_APP][SIGNING].read_ticket(purpose, value, _max_age(request, purpose))
    if ticket is None:
        request[STALE_COOKIES].add(name)
    return ticket


def set_ticket(
    request: web.Request, response: web.StreamResponse, purpose: Purpose, ticket: Ticket
) -> None:
    name = cookie_name(request, purpose)
    request[STALE_COOKIES].discard(name)
    response.set_cookie(
        name,
        request[ROOT_APP][SIGNING].sign_ticket(purpose, ticket),
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
        "secure": request[ROOT_APP][SETTINGS].cookies.secure,
        "httponly": True,
        "samesite": "Lax",
    }


# --- the device cookie -----------------------------------------------------------------------

_DEVICE_COOKIE = "gw-device"


def device_cookie_name(request: web.Request) -> str:
    return request[ROOT_APP][SETTINGS].cookies.prefix + _DEVICE_COOKIE


def _device_label(request: web.Request) -> str:
    cognito = request[ROOT_APP][SETTINGS].cognito
    return device_cookie_label(cognito.user_pool_id, cognito.client_id)


def read_device(request: web.Request) -> Device | None:
    """The remembered device this browser's device cookie seals, or None (also when the
    deployment does not remember devices). A cookie that does not open (tampered, another
    pool's, every key that sealed it retired) is scheduled to be cleared."""
    settings = request[ROOT_APP][SETTINGS]
    name = device_cookie_name(request)
    value = request.cookies.get(name)
    if value is None or settings.devices.remember == "off":
        return None
    # Newest key first; older ones still open cookies sealed before a rotation.
    keys = [device_cookie_key(k.reveal()) for k in reversed(settings.cookies.secret_keys)]
    try:
        return Device.from_record(unseal_cookie(keys, _device_label(request), value))
    except (Unsealable, KeyError, TypeError):
        request[STALE_COOKIES].add(name)
        return None


def set_device(request: web.Request, response: web.StreamResponse, device: Device) -> None:
    settings = request[ROOT_APP][SETTINGS]
    name = device_cookie_name(request)
    request[STALE_COOKIES].discard(name)
    key = device_cookie_key(settings.cookies.secret_keys[-1].reveal())
    response.set_cookie(
        name,
        seal_cookie(key, _device_label(request), device.to_record()),
        max_age=settings.devices.cookie_days * 86400,
        **cookie_attributes(request),
    )


def clear_device(request: web.Request, response: web.StreamResponse) -> None:
    clear_cookies(request, response, [device_cookie_name(request)])


# --- the known-person cookie (passkey autofill) ------------------------------------------------

_KNOWN_COOKIE = "gw-known"
KNOWN_DAYS = 90


def known_cookie_name(request: web.Request) -> str:
    return request[ROOT_APP][SETTINGS].cookies.prefix + _KNOWN_COOKIE


def read_known(request: web.Request) -> str | None:
    """The name this browser last signed in with (choice-based sign-in), sealed like the device
    cookie: what passkey autofill starts a passkey sign-in for. None when absent or unopenable."""
    settings = request[ROOT_APP][SETTINGS]
    name = known_cookie_name(request)
    value = request.cookies.get(name)
    if value is None or settings.cognito.auth_flow != "USER_AUTH":
        return None
    keys = [device_cookie_key(k.reveal()) for k in reversed(settings.cookies.secret_keys)]
    try:
        known = unseal_cookie(keys, _device_label(request) + ":known", value)["username"]
    except (Unsealable, KeyError, TypeError):
        request[STALE_COOKIES].add(name)
        return None
    return known if isinstance(known, str) and known else None


def set_known(request: web.Request, response: web.StreamResponse, username: str) -> None:
    settings = request[ROOT_APP][SETTINGS]
    key = device_cookie_key(settings.cookies.secret_keys[-1].reveal())
    response.set_cookie(
        known_cookie_name(request),
        seal_cookie(key, _device_label(request) + ":known", {"username": username}),
        max_age=KNOWN_DAYS * 86400, **cookie_attributes(request),
    )
