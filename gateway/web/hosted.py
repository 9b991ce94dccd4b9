"""The hosted pages: one form per step, CSRF tokens on every form, 303 after every POST.

Everything about the sign-in itself is decided in :mod:`gateway.signin`; this module only reads
forms, checks CSRF, and turns outcomes and errors into pages and redirects. Cookies are written
by :mod:`gateway.web.outcome` alone.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.keys import REQUEST_ID, ROOT_APP, SETTINGS, SIGN_IN, SIGNING, STORE, TRANSLATOR
from gateway.security.redirects import safe_return_path
from gateway.security.signing import Purpose, Ticket
from gateway.signin import steps
from gateway.signin.runner import Outcome, Pending
from gateway.web import outcome
from gateway.web.cookies import read_ticket
from gateway.web.enrolment import enrolment
from gateway.web.middleware import log_refusal
from gateway.web.render import error_detail, error_message, page, with_retry_after
from gateway.web.requests import read_form, request_context
from gateway.web.session_layer import current_session

routes = web.RouteTableDef()
# The step pages: one URL per form in the step registry (not a catch-all under /login/, so
# other pages such as /login/cancel, and later /login/forgot-password, sit beside them).
STEP_PATH = "/login/{step:" + "|".join(re.escape(form) for form in steps.FORMS) + "}"

# Notices a redirect may ask the login page to show when no flow record carries one.
_URL_NOTICES = frozenset({"signed_out", "flow_expired"})


def _see_other(location: str) -> web.Response:
    # A plain response rather than a raised HTTPSeeOther: cookies set on it go out as they are.
    return web.Response(status=303, headers={"Location": location})


def _step_url(pending: Pending) -> str:
    return f"/login/{pending.prompt.step}"


def _return_to(request: web.Request, value: str | None) -> str:
    return safe_return_path(value, request[ROOT_APP][SETTINGS].default_return_path)


def _require_csrf(request: web.Request, form: dict[str, str], ticket: Ticket | None) -> None:
    if not request[ROOT_APP][SIGNING].check_csrf(form.get("csrf"), ticket):
        raise errors.CsrfFailed("form token missing or not bound to this cookie")


async def _finish(request: web.Request, result: Outcome) -> web.StreamResponse:
    location = _step_url(result) if isinstance(result, Pending) else result.return_to
    response = _see_other(location)
    await outcome.write(request, response, result)
    return response


# --- the login form ---------------------------------------------------------------------------


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
    # A failure behind the gateway is not about what the person typed: no field is marked
    # invalid for it, and the page carries a reference they can quote to support.
    outage = isinstance(error, errors.Outage)
    response = page(
        request,
        "login.html",
        status=error.status if error else 200,
        csrf=request[ROOT_APP][SIGNING].csrf_token(ticket),
        username=username,
        return_to=return_to,
        notice=notice_text,
        error_code=error.code if error else None,
        error_summary=message,
        errors={error.field or "username": message} if error and message and not outage else {},
        error_reference=request[REQUEST_ID] if outage else None,
    )
    outcome.anchor_flow(request, response, ticket)
    return with_retry_after(response, error) if error else response


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    return_to = _return_to(request, request.query.get("return_to"))
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None and read_ticket(request, Purpose.SESSION) is None:
        # Without Redis no sign-in can finish: say so now (503, Retry-After) rather than offer
        # a form that would take the person's password only to fail. With a cookie, the reads
        # below ask Redis anyway and fail the same way.
        await request[ROOT_APP][STORE].ping()
    if await current_session(request) is not None:
        return _see_other(return_to)
    restarted = await request[ROOT_APP][SIGN_IN].notice(ticket)
    notice = request.query.get("notice")
    if restarted is not None:
        return _login_form(request, ticket or Ticket.new(), username=restarted.username,
                           return_to=restarted.return_to, notice=restarted.notice)
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
        result = await request[ROOT_APP][SIGN_IN].start(
            username, form.get("password", ""), return_to, context, previous=ticket
        )
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _login_form(request, ticket, username=username.strip()[:128],
                           return_to=return_to, error=error)
    return await _finish(request, result)


@routes.post("/login/cancel")
async def cancel(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    _require_csrf(request, form, ticket)
    await request[ROOT_APP][SIGN_IN].cancel(ticket)
    response = _see_other("/login")
    outcome.end_flow(request, response)
    return response


# --- challenge steps --------------------------------------------------------------------------

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
    prompt = pending.prompt
    settings = request[ROOT_APP][SETTINGS]
    kept = {f.name: typed[f.name].strip()[: f.max_length] for f in prompt.fields
            if typed and f.kind in _KEPT_KINDS and f.name in typed}
    labels = {f.name: t(f"attribute.{f.name}") if t.has(f"attribute.{f.name}") else f.name
              for f in prompt.fields}
    message = error_message(t, error, labels) if error else None
    outage = isinstance(error, errors.Outage)
    field = (error.field or prompt.fields[0].name) if error and not outage else None
    context: dict[str, Any] = {
        "prompt": prompt,
        "challenge": prompt.challenge.value,
        "csrf": request[ROOT_APP][SIGNING].csrf_token(pending.ticket),
        "username": pending.journey.username,
        "public": dict(prompt.public),
        **enrolment(prompt, pending.journey.username, settings.branding.name),
    }
    response = page(
        request,
        prompt.template,
        status=error.status if error else 200,
        labels=labels,
        error_code=error.code if error else None,
        error_summary=message,
        error_detail=error_detail(t, error, settings.branding.password_policy) if error else None,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
        values=kept,
        **context,
    )
    return with_retry_after(response, error) if error else response


@routes.get(STEP_PATH)
async def step_page(request: web.Request) -> web.StreamResponse:
    pending = await request[ROOT_APP][SIGN_IN].current(read_ticket(request, Purpose.FLOW))
    if pending is None:
        return _see_other("/login")
    if pending.prompt.step != request.match_info["step"]:
        return _see_other(_step_url(pending))
    return _step_page(request, pending)


@routes.post(STEP_PATH)
async def step_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    _require_csrf(request, form, ticket)
    sign_in = request[ROOT_APP][SIGN_IN]
    try:
        context = request_context(request, form.get("encoded_data"))
        result = await sign_in.answer(
            ticket, form.get("challenge", ""), form, context, step=request.match_info["step"]
        )
    except errors.GatewayError as error:
        log_refusal(request, error)
        if error.restart:
            return _see_other("/login?notice=flow_expired"
                              if isinstance(error, errors.FlowExpired) else "/login")
        # The runner says where the flow stands; only a refusal from before it read the flow
        # (another request holds the step) needs the flow read here.
        pending = error.step if isinstance(error.step, Pending) else await sign_in.current(ticket)
        if pending is None:
            return _see_other("/login")
        if isinstance(error, errors.ChallengeMismatch):
            return _see_other(_step_url(pending))
        return _step_page(request, pending, error, typed=form)
    return await _finish(request, result)


# --- signed in --------------------------------------------------------------------------------


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        return _see_other("/login")
    user = current.session.user
    return page(
        request,
        "signed-in.html",
        user=user,
        display_name=user.get("name") or user.get("email") or user.get("username") or "",
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
    )


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.SESSION)
    response = _see_other("/login?notice=signed_out")
    if ticket is None:
        # Already signed out: a double click, or a second tab's button after the first one
        # worked. They see the usual "signed out" notice, and nothing is cleared: a post
        # without the cookie may equally be another site's form, and its token binds to nothing.
        return response
    _require_csrf(request, form, ticket)
    await outcome.signed_out(request, response, ticket, everywhere=form.get("everywhere") == "1")
    return response
