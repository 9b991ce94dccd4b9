"""The signed-in person's MFA settings, on both faces: which methods are on, which one is
preferred, and adding an authenticator app.

JSON (under ``/auth``): ``GET /auth/account/mfa`` (``{"enabled", "preferred", "available"}``),
``POST /auth/account/mfa {"method", "enabled", "preferred"}`` (the new settings),
``POST /auth/account/mfa/authenticator`` (``{"secret_code", "otpauth_uri", "qr_svg"}``) and
``POST /auth/account/mfa/authenticator/verify {"code"}`` (204). The page ``/account/mfa``
shows the methods with a form to turn each on or off and to prefer it, and adds an
authenticator with the QR code drawn on the server (:mod:`gateway.web.qr`), as the sign-in's
MFA_SETUP step does.

Cognito keeps the settings (GetUser's UserMFASettingList and PreferredMfaSetting,
SetUserMFAPreference, AssociateSoftwareToken and VerifySoftwareToken with the session's access
token). The gateway cannot read which methods the pool offers: ``GATEWAY_MFA_METHODS`` says so,
and ``available`` is those the person can have (SMS with a phone number, email with an
address). Every change needs a recent sign-in (``GATEWAY_REAUTH_MAX_AGE``, else 401
``reauthentication_required``): turning MFA off, or adding an authenticator someone else
holds, would take the account's second factor.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.cognito.client import MfaSettings
from gateway.keys import COGNITO, REQUEST_ID, ROOT_APP, SETTINGS, SIGNING, TRANSLATOR
from gateway.signin.steps.forms import code as code_answer
from gateway.web.account_forms import posted, see_other, signed_in
from gateway.web.hosted import sign_in_name
from gateway.web.middleware import log_refusal
from gateway.web.passkeys import recent
from gateway.web.qr import grouped, qr_svg, totp_uri
from gateway.web.render import error_message, page, with_retry_after
from gateway.web.requests import read_json, text_field
from gateway.web.session_layer import Current, current_session

log = logging.getLogger("gateway.account")
api_routes = web.RouteTableDef()
page_routes = web.RouteTableDef()
PAGE = "/account/mfa"
SOFTWARE_TOKEN = "SOFTWARE_TOKEN_MFA"  # noqa: S105 (a method's name, not a token)
_NOTICES = frozenset({"mfa_changed", "authenticator_added"})
_SECRET = re.compile(r"^[A-Z2-7]{16,128}$")


def _available(request: web.Request, settings: MfaSettings) -> list[str]:
    """The methods the pool offers (GATEWAY_MFA_METHODS) that this person can have, and any
    already on."""
    offered = request[ROOT_APP][SETTINGS].mfa.methods
    can = {SOFTWARE_TOKEN: True, "SMS_MFA": settings.has_phone, "EMAIL_OTP": settings.has_email}
    return [m for m in offered if can.get(m) or m in settings.enabled]


def _json(request: web.Request, settings: MfaSettings) -> dict[str, Any]:
    return {"enabled": list(settings.enabled), "preferred": settings.preferred,
            "available": _available(request, settings)}


def _flag(body: dict[str, Any], name: str, *, default: bool | None = None) -> bool:
    value = body.get(name, default)
    if isinstance(value, str) and value in {"true", "1", "false", "0", ""}:
        value = value in {"true", "1"}
    if not isinstance(value, bool):
        raise errors.InvalidRequest(f"{name} must be true or false", field=name)
    return value


async def _change(request: web.Request, current: Current, body: dict[str, Any]) -> None:
    method = text_field(body, "method")
    enabled = _flag(body, "enabled")
    preferred = _flag(body, "preferred", default=False)
    if method not in request[ROOT_APP][SETTINGS].mfa.methods:
        raise errors.InvalidRequest("not an MFA method of this pool", field="method")
    if preferred and not enabled:
        raise errors.InvalidRequest("a method that is off cannot be preferred", field="preferred")
    if not recent(request, current):
        raise errors.ReauthenticationRequired("changing MFA needs a recent sign-in")
    await request[ROOT_APP][COGNITO].set_mfa_preference(
        current.session.access_token, method, enabled=enabled, preferred=preferred)
    log.info("MFA changed", extra={"sub": current.session.user.get("sub"), "method": method,
                                   "enabled": enabled, "preferred": preferred})


def _enrolment(request: web.Request, current: Current, secret: str) -> dict[str, Any]:
    user = current.session.user
    account = sign_in_name(user) or str(user.get("email") or user.get("username") or "")
    uri = totp_uri(secret, account, request[ROOT_APP][SETTINGS].branding.name)
    return {"secret_code": secret, "otpauth_uri": uri, "qr_svg": qr_svg(uri),
            "secret_grouped": grouped(secret)}


async def _associate(request: web.Request, current: Current) -> str:
    if not recent(request, current):
        raise errors.ReauthenticationRequired("adding an authenticator needs a recent sign-in")
    return await request[ROOT_APP][COGNITO].add_authenticator(current.session.access_token)


async def _verify(request: web.Request, current: Current, answers: dict[str, str]) -> None:
    typed = code_answer(answers)
    if not recent(request, current):
        raise errors.ReauthenticationRequired("adding an authenticator needs a recent sign-in")
    cognito, token = request[ROOT_APP][COGNITO], current.session.access_token
    await cognito.verify_authenticator(token, typed)
    await cognito.set_mfa_preference(token, SOFTWARE_TOKEN, enabled=True, preferred=True)
    log.info("authenticator added", extra={"sub": current.session.user.get("sub")})


@api_routes.get("/account/mfa")
async def mfa_settings(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    found = await request[ROOT_APP][COGNITO].mfa_settings(current.session.access_token)
    return web.json_response(_json(request, found))


@api_routes.post("/account/mfa")
async def change_mfa(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    await _change(request, current, await read_json(request))
    found = await request[ROOT_APP][COGNITO].mfa_settings(current.session.access_token)
    return web.json_response(_json(request, found))


@api_routes.post("/account/mfa/authenticator")
async def add_authenticator(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    if request.body_exists:
        await read_json(request)
    shown = _enrolment(request, current, await _associate(request, current))
    return web.json_response({k: shown[k] for k in ("secret_code", "otpauth_uri", "qr_svg")})


@api_routes.post("/account/mfa/authenticator/verify")
async def verify_authenticator(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    body = await read_json(request)
    await _verify(request, current, {"code": text_field(body, "code") or ""})
    return web.Response(status=204)


# --- the pages --------------------------------------------------------------------------------


def _methods(request: web.Request, settings: MfaSettings) -> list[dict[str, Any]]:
    t = request[TRANSLATOR]
    return [{"method": m, "label": t(f"page.mfa.method.{m}"), "enabled": m in settings.enabled,
             "preferred": m == settings.preferred} for m in _available(request, settings)]


@page_routes.get(PAGE)
async def mfa_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return see_other(f"/login?return_to={PAGE}")
    found = await request[ROOT_APP][COGNITO].mfa_settings(current.session.access_token)
    notice = request.query.get("notice")
    return page(
        request, "account/mfa.html", methods=_methods(request, found),
        has_authenticator=SOFTWARE_TOKEN in found.enabled,
        offers_authenticator=SOFTWARE_TOKEN in request[ROOT_APP][SETTINGS].mfa.methods,
        recent=recent(request, current),
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        notice=notice if notice in _NOTICES else None,
    )


@page_routes.post(PAGE)
async def change_from_page(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    if not recent(request, current):
        return see_other(PAGE)  # the page offers to sign in again
    await _change(request, current, form)
    return see_other(f"{PAGE}?notice=mfa_changed")


def _authenticator_form(request: web.Request, current: Current, secret: str,
                        error: errors.GatewayError | None = None) -> web.StreamResponse:
    t = request[TRANSLATOR]
    message = error_message(t, error, {"code": t("field.code")}) if error else None
    outage = isinstance(error, errors.Outage)
    field = None if error is None or outage else error.field
    response = page(
        request, "account/mfa-authenticator.html", status=error.status if error else 200,
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        secret=secret, **_enrolment(request, current, secret),
        error_code=error.code if error else None, error_summary=message,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
    )
    return with_retry_after(response, error) if error else response


@page_routes.post(PAGE + "/authenticator")
async def authenticator_page(request: web.Request) -> web.StreamResponse:
    _, current = await posted(request)
    if not recent(request, current):
        return see_other(PAGE)
    return _authenticator_form(request, current, await _associate(request, current))


@page_routes.post(PAGE + "/authenticator/verify")
async def verify_from_page(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    if not recent(request, current):
        return see_other(PAGE)
    # The secret comes back only to draw the QR code again after a wrong code: Cognito holds
    # the pending one, and only a code from it is accepted.
    secret = form.get("secret", "")
    if not _SECRET.match(secret):
        return see_other(PAGE)
    try:
        await _verify(request, current, form)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _authenticator_form(request, current, secret, error)
    return see_other(f"{PAGE}?notice=authenticator_added")
