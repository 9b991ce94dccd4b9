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

**Profile.** ``GET /auth/account/profile`` (GetUser: the attributes of
``GATEWAY_EDITABLE_ATTRIBUTES``, and those Cognito shows unverified), ``POST
/auth/account/profile {"attributes"}`` (UpdateUserAttributes; only those attributes; a new
email / phone number needs a recent sign-in and answers with the verification step), ``POST
/auth/account/verify {"attribute", "code"}`` (VerifyUserAttribute, 204), ``POST
/auth/account/verify/resend {"attribute"}``. Page: ``/account/profile``.

**Deletion** (``GATEWAY_ACCOUNT_DELETION=true``, else 404): ``POST /auth/account/delete
{"confirm": "delete"}`` after a recent sign-in: DeleteUser, then every gateway session of the
person ends and this browser is signed out (204). Page: ``/account/delete``.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.cognito.client import CodeDelivery
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
from gateway.signin.steps.forms import code as typed_code
from gateway.web import outcome
from gateway.web.account_forms import no_members, posted, see_other, signed_in, when
from gateway.web.hosted import sign_in_name
from gateway.web.middleware import log_refusal
from gateway.web.passkeys import PAGE as PASSKEYS_PAGE
from gateway.web.passkeys import recent
from gateway.web.password_rules import broken_rules
from gateway.web.render import error_detail, error_message, page, with_retry_after
from gateway.web.requests import read_json, text_field
from gateway.web.session_layer import Current, current_session

log = logging.getLogger("gateway.account")
api_routes = web.RouteTableDef()
page_routes = web.RouteTableDef()
PAGE = "/account"
PASSWORD_PAGE = "/account/password"  # noqa: S105 (a path, not a password)
PROFILE_PAGE = "/account/profile"
DELETE_PAGE = "/account/delete"
_NOTICES = frozenset({"password_changed", "session_ended", "other_sessions_ended"})




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
    current = await signed_in(request)
    found = await _sessions(request, current)
    return web.json_response({"sessions": [view.to_json() for _, view in found]})


@api_routes.delete("/account/sessions/{id}")
async def end_session(request: web.Request) -> web.StreamResponse:
    await no_members(request)
    current = await signed_in(request)
    session_id = await _find(request, current, request.match_info["id"])
    if session_id is None:
        raise errors.NotFound("no such session of this person")
    response = web.Response(status=204)
    await _end(request, response, current, session_id)
    return response


@api_routes.post("/account/sessions/sign-out-others")
async def sign_out_others(request: web.Request) -> web.StreamResponse:
    await no_members(request)
    current = await signed_in(request)
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
    current = await signed_in(request)
    await _change_password(request, current, await read_json(request))
    return web.Response(status=204)


# --- the pages --------------------------------------------------------------------------------








def _shown(request: web.Request, view: SessionView) -> dict[str, Any]:
    t = request[TRANSLATOR]
    if view.browser and view.system:
        name = t("page.account.session.browser_on", browser=view.browser, system=view.system)
    else:
        name = view.browser or view.system or t("page.account.session.unknown")
    return {"view": view, "label": name, "started": when(view.started_at),
            "seen": when(view.last_seen_at)}


@page_routes.get(PAGE)
async def account_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return see_other(f"/login?return_to={PAGE}")
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
        profile_page=PROFILE_PAGE,
        delete_page=DELETE_PAGE if request[ROOT_APP][SETTINGS].accounts.deletion else None,
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        notice=notice if notice in _NOTICES else None,
    )


@page_routes.post(PAGE + "/sessions/{id}/end")
async def end_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await posted(request)
    session_id = await _find(request, current, request.match_info["id"])
    # Gone already (a double click, timed out, or not this person's): nothing to end.
    if session_id is None:
        return see_other(f"{PAGE}?notice=session_ended")
    response = see_other(f"{PAGE}?notice=session_ended")
    if await _end(request, response, current, session_id):
        response.headers["Location"] = "/login?notice=signed_out"
    return response


@page_routes.post(PAGE + "/sessions/sign-out-others")
async def sign_out_others_from_page(request: web.Request) -> web.StreamResponse:
    _, current = await posted(request)
    await _end_others(request, current)
    return see_other(f"{PAGE}?notice=other_sessions_ended")


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
        return see_other(f"/login?return_to={PASSWORD_PAGE}")
    return _password_form(request, current)


@page_routes.post(PASSWORD_PAGE)
async def password_submit(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    try:
        await _change_password(request, current, form)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _password_form(request, current, error, form)
    return see_other(f"{PAGE}?notice=password_changed")


# --- profile ----------------------------------------------------------------------------------

# The attributes Cognito verifies with a code sent to the new value.
VERIFIED = ("email", "phone_number")
MAX_ATTRIBUTE = 2048
_PROFILE_NOTICES = frozenset({"profile_updated", "attribute_verified", "code_sent"})


def _editable(request: web.Request) -> tuple[str, ...]:
    return tuple(request[ROOT_APP][SETTINGS].accounts.editable_attributes)


@dataclass(frozen=True, slots=True)
class Profile:
    """What the person may see and change, and which of those Cognito shows unverified."""

    attributes: dict[str, str]
    pending: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"attributes": self.attributes, "pending": self.pending}


async def _profile(request: web.Request, current: Current) -> Profile:
    found = await request[ROOT_APP][COGNITO].user_attributes(current.session.access_token)
    editable = _editable(request)
    # A changed email / phone that is not verified yet (a pool that updates it at once). One
    # kept back until verified (AttributesRequireVerificationBeforeUpdate) is not shown by
    # GetUser at all: only the old, verified value is.
    pending = {name: {"value": found[name]} for name in editable
               if name in VERIFIED and found.get(name) and found.get(f"{name}_verified") == "false"}
    return Profile({name: found.get(name, "") for name in editable}, pending)


def _verification(delivery: CodeDelivery) -> dict[str, Any]:
    return {"status": "verify", "attribute": delivery.attribute,
            "destination": delivery.destination, "medium": delivery.medium}


async def _update_profile(request: web.Request, current: Current, given: dict[str, Any]
                          ) -> CodeDelivery | None:
    """UpdateUserAttributes with what changed among the editable attributes; where a code was
    sent to verify a new email / phone number, the first such."""
    editable = _editable(request)
    values: dict[str, str] = {}
    for name, value in given.items():
        if name not in editable:
            raise errors.InvalidRequest(f"{name} cannot be changed here", field=name)
        if not isinstance(value, str):
            raise errors.InvalidRequest(f"{name} must be a string", field=name)
        if len(value) > MAX_ATTRIBUTE:
            raise errors.InvalidRequest(f"{name} too long", field=name, detail="too_long")
        values[name] = text_field({name: value.strip()}, name) or ""
    cognito, token = request[ROOT_APP][COGNITO], current.session.access_token
    found = await cognito.user_attributes(token)
    changed = {name: value for name, value in values.items() if value != found.get(name, "")}
    for name in changed:
        if name in VERIFIED and not changed[name]:
            raise errors.InvalidRequest(f"{name} cannot be removed", field=name)
    if not changed:
        return None
    if any(name in VERIFIED for name in changed) and not recent(request, current):
        raise errors.ReauthenticationRequired("changing an email / phone needs a recent sign-in")
    deliveries = await cognito.update_user_attributes(token, changed)
    log.info("profile updated", extra={"sub": current.session.user.get("sub"),
                                       "attributes": sorted(changed)})
    return next((d for d in deliveries if d.attribute in VERIFIED), None)


def _verifiable(request: web.Request, body: dict[str, Any]) -> str:
    name = text_field(body, "attribute") or ""
    if name not in VERIFIED or name not in _editable(request):
        raise errors.InvalidRequest("not an attribute verified here", field="attribute")
    return name


async def _verify(request: web.Request, current: Current, body: dict[str, Any]) -> None:
    name = _verifiable(request, body)
    typed = typed_code({"code": text_field(body, "code", required=False) or ""})
    await request[ROOT_APP][COGNITO].verify_user_attribute(
        current.session.access_token, name, typed)
    log.info("attribute verified", extra={"sub": current.session.user.get("sub"),
                                          "attribute": name})


async def _resend(request: web.Request, current: Current, body: dict[str, Any]
                  ) -> CodeDelivery:
    name = _verifiable(request, body)
    return await request[ROOT_APP][COGNITO].attribute_verification_code(
        current.session.access_token, name)


@api_routes.get("/account/profile")
async def get_profile(request: web.Request) -> web.StreamResponse:
    current = await signed_in(request)
    return web.json_response((await _profile(request, current)).to_json())


@api_routes.post("/account/profile")
async def update_profile(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    current = await signed_in(request)
    given = body.get("attributes")
    if not isinstance(given, dict):
        raise errors.InvalidRequest("attributes must be an object", field="attributes")
    delivery = await _update_profile(request, current, given)
    if delivery is not None:
        return web.json_response(_verification(delivery))
    return web.json_response({"status": "updated",
                              **(await _profile(request, current)).to_json()})


@api_routes.post("/account/verify")
async def verify_attribute(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    current = await signed_in(request)
    await _verify(request, current, body)
    return web.Response(status=204)


@api_routes.post("/account/verify/resend")
async def resend_verification(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    current = await signed_in(request)
    return web.json_response(_verification(await _resend(request, current, body)))


def _profile_form(request: web.Request, current: Current, profile: Profile, *,
                  verify: str | None = None, error: errors.GatewayError | None = None,
                  typed: dict[str, str] | None = None, notice: str | None = None
                  ) -> web.StreamResponse:
    t = request[TRANSLATOR]
    labels = {name: t(f"attribute.{name}") if t.has(f"attribute.{name}") else name
              for name in profile.attributes}
    labels["code"] = t("field.code")
    message = error_message(t, error, labels) if error else None
    outage = isinstance(error, errors.Outage)
    field = None if error is None or outage else error.field
    verifying = [name for name in VERIFIED if name in profile.attributes
                 and (name == verify or name in profile.pending)]
    values = {**profile.attributes,
              **{k: v for k, v in (typed or {}).items() if k in profile.attributes}}
    response = page(
        request, "account/profile.html", status=error.status if error else 200,
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        attributes=list(profile.attributes), labels=labels, values=values,
        verifying=verifying, recent=recent(request, current),
        needs_reauth=error is not None and error.code == "reauthentication_required",
        notice=notice if notice in _PROFILE_NOTICES else None,
        error_code=error.code if error else None, error_summary=message,
        error_detail=error_detail(t, error, request[ROOT_APP][SETTINGS].branding.password_policy)
        if error else None,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
    )
    return with_retry_after(response, error) if error else response


@page_routes.get(PROFILE_PAGE)
async def profile_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return see_other(f"/login?return_to={PROFILE_PAGE}")
    verify = request.query.get("verify")
    return _profile_form(request, current, await _profile(request, current),
                         verify=verify if verify in VERIFIED else None,
                         notice=request.query.get("notice"))


@page_routes.post(PROFILE_PAGE)
async def profile_submit(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    given = {name: form[name] for name in _editable(request) if name in form}
    try:
        delivery = await _update_profile(request, current, given)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _profile_form(request, current, await _profile(request, current),
                             error=error, typed=form)
    if delivery is not None:
        return see_other(f"{PROFILE_PAGE}?verify={delivery.attribute}")
    return see_other(f"{PROFILE_PAGE}?notice=profile_updated")


@page_routes.post(PROFILE_PAGE + "/verify")
async def verify_submit(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    try:
        await _verify(request, current, form)
    except errors.GatewayError as error:
        log_refusal(request, error)
        attribute = form.get("attribute")
        return _profile_form(request, current, await _profile(request, current),
                             verify=attribute if attribute in VERIFIED else None, error=error)
    return see_other(f"{PROFILE_PAGE}?notice=attribute_verified")


@page_routes.post(PROFILE_PAGE + "/verify/resend")
async def resend_submit(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    try:
        delivery = await _resend(request, current, form)
    except errors.GatewayError as error:
        log_refusal(request, error)
        attribute = form.get("attribute")
        return _profile_form(request, current, await _profile(request, current),
                             verify=attribute if attribute in VERIFIED else None, error=error)
    return see_other(f"{PROFILE_PAGE}?verify={delivery.attribute}&notice=code_sent")


# --- deleting the account ---------------------------------------------------------------------

CONFIRM_WORD = "delete"


async def _delete_account(request: web.Request, response: web.StreamResponse,
                          current: Current, confirm: str | None) -> None:
    """DeleteUser, then every gateway session of the person ends and this browser is signed
    out (cookies cleared, the site's storage too)."""
    if (confirm or "").strip().lower() != CONFIRM_WORD:
        raise errors.InvalidRequest("the deletion is not confirmed", field="confirm")
    if not recent(request, current):
        raise errors.ReauthenticationRequired("deleting the account needs a recent sign-in")
    root = request[ROOT_APP]
    await root[COGNITO].delete_user(current.session.access_token)
    ended = await root[SESSIONS].end_all(current.session)
    # The sessions are gone already: this clears the cookies (Cognito revoked every token).
    await outcome.signed_out(request, response, current.ticket, everywhere=True)
    log.info("account deleted", extra={"sub": current.session.user.get("sub"),
                                       "sessions": ended})


@api_routes.post("/account/delete")
async def delete_account(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    if not request[ROOT_APP][SETTINGS].accounts.deletion:
        raise errors.NotFound("account deletion is off")
    current = await signed_in(request)
    response = web.Response(status=204)
    await _delete_account(request, response, current,
                          text_field(body, "confirm", required=False))
    return response


# Registered only with GATEWAY_ACCOUNT_DELETION=true (gateway/app.py).
delete_page_routes = web.RouteTableDef()


def _delete_form(request: web.Request, current: Current,
                 error: errors.GatewayError | None = None) -> web.StreamResponse:
    t = request[TRANSLATOR]
    message = error_message(t, error, {"confirm": t("field.confirm_delete")}) if error else None
    outage = isinstance(error, errors.Outage)
    field = None if error is None or outage else error.field
    response = page(
        request, "account/delete.html", status=error.status if error else 200,
        recent=recent(request, current), confirm_word=CONFIRM_WORD,
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
        error_code=error.code if error else None, error_summary=message,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
    )
    return with_retry_after(response, error) if error else response


@delete_page_routes.get(DELETE_PAGE)
async def delete_page(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return see_other(f"/login?return_to={DELETE_PAGE}")
    return _delete_form(request, current)


@delete_page_routes.post(DELETE_PAGE)
async def delete_submit(request: web.Request) -> web.StreamResponse:
    form, current = await posted(request)
    response = see_other("/login?notice=account_deleted")
    try:
        await _delete_account(request, response, current, form.get("confirm"))
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _delete_form(request, current, error)
    return response
