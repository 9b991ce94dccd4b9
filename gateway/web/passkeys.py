"""Passkeys of the signed-in person, on both faces: list them, add one, remove one.

JSON (under ``/auth``): ``GET /auth/passkeys``, ``POST /auth/passkeys/options`` (the creation
options for ``navigator.credentials.create``), ``POST /auth/passkeys {"credential"}`` (201),
``DELETE /auth/passkeys/{id}`` (204). The page ``/account/passkeys`` lists them, removes one by
a form, and adds one with ``passkey-register.js`` over the JSON API.

Adding a passkey gives whoever holds this session a way in that needs no password, so it needs
a recent sign-in (``GATEWAY_REAUTH_MAX_AGE``, the ID token's ``auth_time``): otherwise the
JSON API answers 401 ``reauthentication_required`` and the page offers to sign in again.
Cognito keeps the passkeys and checks every registration; the gateway only carries them.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.keys import COGNITO, ROOT_APP, SETTINGS, SIGNING
from gateway.web.account_forms import no_members, signed_in
from gateway.web.render import page
from gateway.web.requests import read_form, read_json
from gateway.web.session_layer import Current, current_session

api_routes = web.RouteTableDef()
page_routes = web.RouteTableDef()
PAGE = "/account/passkeys"
MAX_CREDENTIAL = 65536




def recent(request: web.Request, current: Current) -> bool:
    """Whether the person signed in (typed their secret) recently enough for a sensitive change."""
    signed_in_at = current.session.user.get("auth_time")
    limit = request[ROOT_APP][SETTINGS].lifetimes.reauth_max_age
    return isinstance(signed_in_at, int) and time.time() - signed_in_at <= limit


def _registration(body: dict[str, Any]) -> dict[str, Any]:
    """The browser's RegistrationResponseJSON, or a refusal naming the field."""
    credential = body.get("credential")
    if isinstance(credential, str) and len(credential) <= MAX_CREDENTIAL:
        try:
            credential = json.loads(credential)
        except json.JSONDecodeError:
            credential = None
    response = credential.get("response") if isinstance(credential, dict) else None
    if not isinstance(credential, dict) or not isinstance(response, dict) or not all(
            isinstance(credential.get(k), str) for k in ("id", "rawId", "type")) or not (
            isinstance(response.get("attestationObject"), str)
            and isinstance(response.get("clientDataJSON"), str)):
        raise errors.InvalidRequest("credential is not a PublicKeyCredential", field="credential")
    return credential


@api_routes.get("/passkeys")
async def list_passkeys(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    found = await request[ROOT_APP][COGNITO].passkeys(current.session.access_token)
    return web.json_response({"passkeys": [p.to_json() for p in found]})


@api_routes.post("/passkeys/options")
async def creation_options(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    await no_members(request)
    if not recent(request, current):
        raise errors.ReauthenticationRequired("adding a passkey needs a recent sign-in")
    options = await request[ROOT_APP][COGNITO].passkey_creation_options(
        current.session.access_token)
    return web.json_response({"options": options})


@api_routes.post("/passkeys")
async def add_passkey(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    credential = _registration(await read_json(request))
    if not recent(request, current):
        raise errors.ReauthenticationRequired("adding a passkey needs a recent sign-in")
    cognito = request[ROOT_APP][COGNITO]
    await cognito.register_passkey(current.session.access_token, credential)
    found = await cognito.passkeys(current.session.access_token)
    return web.json_response({"passkeys": [p.to_json() for p in found]}, status=201)


@api_routes.delete("/passkeys/{id}")
async def delete_passkey(request: web.Request) -> web.StreamResponse:
    await no_members(request)
    current = await signed_in(request)
    await request[ROOT_APP][COGNITO].delete_passkey(current.session.access_token,
                                                    request.match_info["id"])
    return web.Response(status=204)


# --- the page ---------------------------------------------------------------------------------


@page_routes.get(PAGE)
async def passkeys_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        raise web.HTTPSeeOther(f"/login?return_to={PAGE}")
    found = await request[ROOT_APP][COGNITO].passkeys(current.session.access_token)
    return page(
        request, "account/passkeys.html", passkeys=found, recent=recent(request, current),
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        username=current.session.user.get("username") or "",
        notice=request.query.get("notice") if request.query.get("notice") in {
            "passkey_added", "passkey_removed"} else None,
    )


@page_routes.post(PAGE + "/{id}/delete")
async def delete_from_page(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    current = await current_session(request)
    if current is None or not request[ROOT_APP][SIGNING].check_csrf(form.get("csrf"),
                                                                    current.ticket):
        raise errors.CsrfFailed("passkey removal without the page's token")
    await request[ROOT_APP][COGNITO].delete_passkey(current.session.access_token,
                                                    request.match_info["id"])
    raise web.HTTPSeeOther(f"{PAGE}?notice=passkey_removed")
