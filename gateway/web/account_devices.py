"""The signed-in person's remembered devices, on both faces: list them, forget one, forget all.

JSON (under ``/auth``): ``GET /auth/account/devices``, ``DELETE /auth/account/devices/{key}``
(204), ``POST /auth/account/devices/forget-all`` (204). The page ``/account/devices`` lists
them with a form to forget each and all of them.

Cognito keeps the devices (ListDevices, ForgetDevice with the session's access token, so only
the person's own can be named: another key is 404 ``not_found``). A device is named by its
Cognito device key: it is no secret (it travels in every InitiateAuth of that browser; the
device password, sealed in the device cookie, is what proves the device). "This device" is the
one this browser's device cookie names. Forgetting a device takes away a way past MFA, so it
needs a recent sign-in (``GATEWAY_REAUTH_MAX_AGE``, else 401 ``reauthentication_required``);
forgetting this browser's own also clears its device cookie, and its next sign-in asks for MFA.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.cognito.client import RememberedDevice
from gateway.keys import COGNITO, ROOT_APP, SIGNING, TRANSLATOR
from gateway.web import outcome
from gateway.web.account_forms import no_members, posted, see_other, signed_in, when
from gateway.web.cookies import read_device
from gateway.web.passkeys import recent
from gateway.web.render import page
from gateway.web.session_layer import Current, current_session

log = logging.getLogger("gateway.account")
api_routes = web.RouteTableDef()
page_routes = web.RouteTableDef()
PAGE = "/account/devices"
_NOTICES = frozenset({"device_forgotten", "devices_forgotten"})
_DEVICE_KEY = re.compile(r"[\w-]+_[0-9a-f-]+", re.ASCII)


# --- devices --------------------------------------------------------------------------------


def _this_key(request: web.Request) -> str | None:
    device = read_device(request)
    return device.key if device is not None else None


def _json(device: RememberedDevice, this_key: str | None) -> dict[str, Any]:
    return {"key": device.key, "name": device.name, "last_used_at": device.last_used_at,
            "remembered": device.remembered, "this_device": device.key == this_key}


async def _devices(request: web.Request, current: Current) -> list[RememberedDevice]:
    found = await request[ROOT_APP][COGNITO].devices(current.session.access_token)
    this_key = _this_key(request)
    # This browser's first, then the most recently used.
    return sorted(found, key=lambda d: (d.key != this_key, -(d.last_used_at or 0)))


async def _forget(request: web.Request, response: web.StreamResponse, current: Current,
                  keys: list[str]) -> None:
    """ForgetDevice each of ``keys``; this browser's device cookie goes with its device."""
    if not recent(request, current):
        raise errors.ReauthenticationRequired("forgetting a device needs a recent sign-in")
    cognito, this_key = request[ROOT_APP][COGNITO], _this_key(request)
    for key in keys:
        await cognito.forget_device(current.session.access_token, key)
        if key == this_key:
            outcome.forgot_device(request, response)
    log.info("forgot devices", extra={"sub": current.session.user.get("sub"),
                                      "devices": len(keys)})


def _key(value: str) -> str:
    # Cognito's DeviceKey pattern ("<region>_<uuid>"): anything else is none of its devices.
    if len(value) > 55 or not _DEVICE_KEY.fullmatch(value):
        raise errors.NotFound("not a device key")
    return value


@api_routes.get("/account/devices")
async def list_devices(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    this_key = _this_key(request)
    found = await _devices(request, current)
    return web.json_response({"devices": [_json(d, this_key) for d in found]})


@api_routes.delete("/account/devices/{key}")
async def forget_device(request: web.Request) -> web.StreamResponse:
    await no_members(request)
    current = await signed_in(request)
    response = web.Response(status=204)
    await _forget(request, response, current, [_key(request.match_info["key"])])
    return response


@api_routes.post("/account/devices/forget-all")
async def forget_all(request: web.Request) -> web.StreamResponse:
    await no_members(request)
    current = await signed_in(request)
    response = web.Response(status=204)
    if not recent(request, current):
        raise errors.ReauthenticationRequired("forgetting devices needs a recent sign-in")
    await _forget(request, response, current, [d.key for d in await _devices(request, current)])
    return response


# --- the page ---------------------------------------------------------------------------------


def _shown(request: web.Request, device: RememberedDevice, this_key: str | None
           ) -> dict[str, Any]:
    t = request[TRANSLATOR]
    return {"key": device.key, "name": device.name or t("page.devices.unnamed"),
            "this_device": device.key == this_key, "remembered": device.remembered,
            "used": when(device.last_used_at)}


@page_routes.get(PAGE)
async def devices_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return see_other(f"/login?return_to={PAGE}")
    this_key = _this_key(request)
    notice = request.query.get("notice")
    return page(
        request, "account/devices.html",
        devices=[_shown(request, d, this_key) for d in await _devices(request, current)],
        recent=recent(request, current),
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        notice=notice if notice in _NOTICES else None,
    )


@page_routes.post(PAGE + "/{key}/forget")
async def forget_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await posted(request)
    if not recent(request, current):
        return see_other(PAGE)  # the page offers to sign in again
    response = see_other(f"{PAGE}?notice=device_forgotten")
    with contextlib.suppress(errors.NotFound):  # gone already (a double click)
        await _forget(request, response, current, [_key(request.match_info["key"])])
    return response


@page_routes.post(PAGE + "/forget-all")
async def forget_all_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await posted(request)
    if not recent(request, current):
        return see_other(PAGE)
    response = see_other(f"{PAGE}?notice=devices_forgotten")
    await _forget(request, response, current, [d.key for d in await _devices(request, current)])
    return response
