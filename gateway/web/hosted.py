"""The hosted pages: one form per step, CSRF tokens on every form, 303 after every POST.

Everything about the sign-in itself is decided in :mod:`gateway.flow`; this module only reads
forms, checks CSRF, and turns outcomes and errors into pages and redirects.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway import errors
from gateway.keys import (
    COGNITO,
    REQUEST_ID,
    SESSIONS,
    SETTINGS,
    SIGN_IN,
    SIGNING,
    STORE,
    TRANSLATOR,
)
from gateway.security.redirects import safe_return_path
from gateway.security.signing import Purpose, Ticket
from gateway.session.logout import sign_out
from gateway.signin.model import Prompt
from gateway.signin.runner import Outcome, Pending, SignedIn
from gateway.web.qr import grouped, qr_svg, totp_uri
from gateway.web.render import error_detail, error_message, page, with_retry_after
from gateway.web.requests import (
    CLEAR_SITE_DATA,
    clear_ticket,
    current_session,
    end_replaced_session,
    read_form,
    read_ticket,
    request_context,
    set_ticket,
)

routes = web.RouteTableDef()

# Notices a redirect may ask the login page to show when no flow record carries one.
_URL_NOTICES = frozenset({"signed_out", "flow_expired"})


def _see_other(location: str) -> web.Response:
    # A plain response rather than a raised HTTPSeeOther: cookies set on it go out as they are.
    return web.Response(status=303, headers={"Location": location})


def _return_to(request: web.Request, value: str | None) -> str:
    return safe_return_path(value, request.app[SETTINGS].default_return_path)


def _require_csrf(request: web.Request, form: dict[str, str], ticket: Ticket | None) -> None:
    if not request.app[SIGNING].check_csrf(form.get("csrf"), ticket):
        raise errors.CsrfFailed("form token missing or not bound to this cookie")


async def _finish(request: web.Request, outcome: Outcome) -> web.StreamResponse:
    match outcome:
        case Pending(ticket, _, prompt):
            response = _see_other(f"/login/{prompt.view}")
            set_ticket(request, response, Purpose.FLOW, ticket)
        case SignedIn(ticket, _, return_to):
            await end_replaced_session(request)
            response = _see_other(return_to)
            set_ticket(request, response, Purpose.SESSION, ticket)
            clear_ticket(request, response, Purpose.FLOW)
    return response


# --- the login form ---------------------------------------------------------------------------


def _outage(error: errors.GatewayError | None) -> bool:
    # A failure behind the gateway is not about what the person typed: no field is marked
    # invalid for it, and the page carries a reference they can quote to support.
    return error is not None and error.status >= 500


def _login_form(
    request: web.Request,
    ticket: Ticket,
    *,
    username: str = "",
    return_to: str,
    notice: str | None = None,
    error: errors.GatewayError | None = None,
) -> web.StreamResponse:
    t = request[TRANSLATOR]
    message = error_message(t, error) if error else None
    notice_text = None
    if notice:
        key = f"notice.{notice}" if t.has(f"notice.{notice}") else f"error.{notice}"
        notice_text = t(key) if t.has(key) else None
    response = page(
        request,
        "login.html",
        status=error.status if error else 200,
        csrf=request.app[SIGNING].csrf_token(ticket),
        username=username,
        return_to=return_to,
        notice=notice_text,
        error_summary=message,
        errors={error.field or "username": message}
        if error and message and not _outage(error) else {},
        error_reference=request[REQUEST_ID] if _outage(error) else None,
    )
    set_ticket(request, response, Purpose.FLOW, ticket)
    return with_retry_after(response, error) if error else response


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    return_to = _return_to(request, request.query.get("return_to"))
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None and read_ticket(request, Purpose.SESSION) is None:
        # Without Redis no sign-in can finish: say so now (503, Retry-After) rather than offer
        # a form that would take the person's password only to fail. With a cookie, the reads
        # below ask Redis anyway and fail the same way.
        await request.app[STORE].ping()
    if await current_session(request) is not None:
        return _see_other(return_to)
    restarted = await request.app[SIGN_IN].notice(ticket)
    notice = request.query.get("notice")
    if restarted is not None:
        return _login_form(request, ticket or Ticket.new(), username=restarted.username,
                           return_to=restarted.return_to, notice=restarted.notice)
    # The ticket exists before any Redis record does: it anchors the login form's CSRF token
    # (login CSRF) without letting anonymous page views create state.
    return _login_form(request, ticket or Ticket.new(), return_to=return_to,
                       notice=notice if notice in _URL_NOTICES else None)


@routes.post("/login")
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    _require_csrf(request, form, ticket)
    assert ticket is not None
    return_to = _return_to(request, form.get("return_to"))
    username = form.get("username", "")
    try:
        context = request_context(request, form.get("encoded_data"))
        outcome = await request.app[SIGN_IN].start(
            username, form.get("password", ""), return_to, context, previous=ticket
        )
    except errors.GatewayError as error:
        return _login_form(request, ticket, username=username.strip()[:128],
                           return_to=return_to, error=error)
    return await _finish(request, outcome)


@routes.post("/login/cancel")
async def cancel(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    _require_csrf(request, form, ticket)
    await request.app[SIGN_IN].cancel(ticket)
    response = _see_other("/login")
    clear_ticket(request, response, Purpose.FLOW)
    return response


# --- challenge steps --------------------------------------------------------------------------


def _step_context(request: web.Request, pending: Pending) -> dict[str, Any]:
    prompt: Prompt = pending.prompt
    context: dict[str, Any] = {
        "prompt": prompt,
        "challenge": prompt.challenge.value,
        "csrf": request.app[SIGNING].csrf_token(pending.ticket),
        "username": pending.flow.username,
        "public": dict(prompt.public),
    }
    secret = prompt.public.get("secret_code")
    if secret:
        uri = totp_uri(secret, pending.flow.username, request.app[SETTINGS].brand_name)
        context.update(otpauth_uri=uri, qr_svg=qr_svg(uri), secret_grouped=grouped(secret))
    return context


# Fields whose typed value comes back when the page is shown again with an error, so nobody
# types their name twice. Passwords and one-time codes never do: a password must not sit in the
# HTML, and a refused code is of no use.
_KEPT_KINDS = frozenset({"text", "email"})


def _step_page(
    request: web.Request,
    pending: Pending,
    error: errors.GatewayError | None = None,
    typed: dict[str, str] | None = None,
) -> web.StreamResponse:
    t = request[TRANSLATOR]
    kept = {f.name: typed[f.name].strip()[: f.max_length] for f in pending.prompt.fields
            if typed and f.kind in _KEPT_KINDS and f.name in typed}
    labels = {f.name: t(f"attribute.{f.name}") if t.has(f"attribute.{f.name}") else f.name
              for f in pending.prompt.fields}
    message = error_message(t, error, labels) if error else None
    field = (error.field or pending.prompt.fields[0].name) if error and not _outage(error) else None
    response = page(
        request,
        f"challenges/{pending.prompt.view}.html",
        status=error.status if error else 200,
        labels=labels,
        error_summary=message,
        error_detail=error_detail(t, error, request.app[SETTINGS].password_policy)
        if error else None,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if _outage(error) else None,
        values=kept,
        **_step_context(request, pending),
    )
    return with_retry_after(response, error) if error else response


@routes.get("/login/{view}")
async def step_page(request: web.Request) -> web.StreamResponse:
    pending = await request.app[SIGN_IN].current(read_ticket(request, Purpose.FLOW))
    if pending is None:
        return _see_other("/login")
    if pending.prompt.view != request.match_info["view"]:
        return _see_other(f"/login/{pending.prompt.view}")
    return _step_page(request, pending)


@routes.post("/login/{view}")
async def step_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    _require_csrf(request, form, ticket)
    sign_in = request.app[SIGN_IN]
    try:
        context = request_context(request, form.get("encoded_data"))
        outcome = await sign_in.answer(
            ticket, form.get("challenge", ""), form, context, view=request.match_info["view"]
        )
    except errors.GatewayError as error:
        if error.restart:
            return _see_other("/login?notice=flow_expired" if error.code == "flow_expired"
                             else "/login")
        pending = await sign_in.current(ticket)
        if pending is None:
            return _see_other("/login")
        if isinstance(error, errors.ChallengeMismatch):
            return _see_other(f"/login/{pending.prompt.view}")
        return _step_page(request, pending, error, typed=form)
    return await _finish(request, outcome)


# --- signed in --------------------------------------------------------------------------------


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return _see_other("/login")
    ticket, session = current
    user = session.user
    return page(
        request,
        "signed-in.html",
        user=user,
        display_name=user.get("name") or user.get("email") or user.get("username") or "",
        csrf=request.app[SIGNING].csrf_token(ticket),
    )


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is not None:
        _require_csrf(request, form, ticket)
        await sign_out(request.app[SESSIONS], request.app[COGNITO], ticket,
                       everywhere=form.get("everywhere") == "1")
    response = _see_other("/login?notice=signed_out")
    clear_ticket(request, response, Purpose.SESSION)
    clear_ticket(request, response, Purpose.FLOW)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
