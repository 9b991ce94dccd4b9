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
from gateway.signin.model import ChallengeName
from gateway.signin.runner import Finished, Outcome, Pending
from gateway.signin.steps import forms
from gateway.web import outcome
from gateway.web.cookies import read_device, read_known, read_ticket
from gateway.web.enrolment import enrolment
from gateway.web.middleware import log_refusal
from gateway.web.password_rules import broken_rules
from gateway.web.render import error_detail, error_message, page, with_retry_after
from gateway.web.requests import read_form, request_context
from gateway.web.session_layer import current_session

routes = web.RouteTableDef()
# The step pages: one URL per form in the step registry (not a catch-all under /login/, so
# other pages such as /login/cancel, and later /login/forgot-password, sit beside them).
STEP_PATH = "/login/{step:" + "|".join(re.escape(form) for form in steps.FORMS) + "}"

# Notices a redirect may ask the login page to show when no flow record carries one.
_URL_NOTICES = frozenset({"signed_out", "signed_out_everywhere", "flow_expired",
                          "account_deleted"})


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


def _csrf_ok(request: web.Request, form: dict[str, str], ticket: Ticket | None) -> bool:
    return request[ROOT_APP][SIGNING].check_csrf(form.get("csrf"), ticket)


def _signed_in_path(request: web.Request) -> str:
    """Where a person who is already signed in is sent: the gateway's signed-in page, or the
    app's default path when the gateway has none."""
    settings = request[ROOT_APP][SETTINGS]
    return settings.home_path or settings.default_return_path


async def _stale_form(
    request: web.Request, form: dict[str, str], ticket: Ticket | None, *, username: str = "",
    gone: str = "/login?notice=flow_expired",
) -> web.StreamResponse:
    """Where a form lands whose token is ours but bound to another flow than this browser's
    cookie now names: a second tab, left open while the first one started or finished a
    sign-in. It is refused exactly like a forged one (nothing reaches Cognito, nothing is
    written; login CSRF stays shut), and only where the person lands differs: the signed-in
    page when the other tab signed in, the flow's current step, or the login form with the
    username kept. A token that is missing or not ours is a 403, as before.
    """
    if not request[ROOT_APP][SIGNING].csrf_issued(form.get("csrf")):
        raise errors.CsrfFailed("form token missing or not bound to this cookie")
    log_refusal(request, errors.CsrfFailed("stale form: its token is bound to an older flow"))
    if await current_session(request) is not None:
        given = form.get("return_to")
        return _see_other(_return_to(request, given) if given else _signed_in_path(request))
    sign_in = request[ROOT_APP][SIGN_IN]
    pending = await sign_in.current(ticket)
    # The flow of another account than the one typed here is not this form's to continue.
    if pending is not None and (not username
                                or username.casefold() == pending.journey.username.casefold()):
        return _see_other(_step_url(pending))
    if pending is None and await sign_in.notice(ticket) is not None:
        return _see_other("/login")  # sent back to the start: that page says why, name kept
    if not username:
        # A step's form, and the flow it belonged to is over: ``gone`` says so.
        return _see_other(gone)
    return _login_form(request, ticket or Ticket.new(), username=username,
                       return_to=_return_to(request, form.get("return_to")),
                       notice="form_expired", status=403)


async def _finish(request: web.Request, result: Outcome) -> web.StreamResponse:
    if isinstance(result, Pending):
        location = _step_url(result)
    elif isinstance(result, Finished):
        location = "/login"  # says why, with the name kept
    else:
        location = result.return_to
    response = _see_other(location)
    await outcome.write(request, response, result)
    return response


def _field_in_error(error: errors.GatewayError | None, answered: str) -> str | None:
    """The field a refusal marks: the one it names, or, for a wrong answer, the field that
    was answered (the password on the login form: a wrong password is never the username's
    fault). A refusal that is not about what was typed (too many attempts, a busy service)
    marks none."""
    if error is None:
        return None
    if error.field:
        return error.field
    return answered if isinstance(error, errors.WrongAnswer) else None


# --- the login form ---------------------------------------------------------------------------


def _login_form(
    request: web.Request,
    ticket: Ticket,
    *,
    username: str = "",
    return_to: str,
    notice: str | None = None,
    error: errors.GatewayError | None = None,
    status: int = 200,
) -> web.StreamResponse:
    t = request[TRANSLATOR]
    message = error_message(t, error) if error else None
    code = error.code if error else None
    notice_text = None
    if notice and t.has(f"notice.{notice}"):
        notice_text = t(f"notice.{notice}")  # information: signed out, a new code on its way
    elif notice and error is None and t.has(f"error.{notice}"):
        # Why a sign-in was sent back here (too many wrong codes, an expired code, too slow):
        # an error, shown and announced as one rather than as information.
        message, code = t(f"error.{notice}"), notice
    # A failure behind the gateway is not about what the person typed: no field is marked
    # invalid for it, and the page carries a reference they can quote to support.
    outage = isinstance(error, errors.Outage)
    field = _field_in_error(error, "password") if error and not outage else None
    response = page(
        request,
        "login.html",
        status=error.status if error else status,
        csrf=request[ROOT_APP][SIGNING].csrf_token(ticket),
        username=username,
        return_to=return_to,
        notice=notice_text,
        error_code=code,
        error_summary=message,
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
        # Passkey autofill, for a browser that signed in here before (its known-person cookie).
        autofill=read_known(request) is not None,
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
    current = await current_session(request)
    if current is not None:
        if request.query.get("prompt") != "login":
            return _see_other(return_to)
        # A fresh sign-in asked for (a sensitive change wants one): the form again, for the
        # same person; the new session replaces this one once it completes.
        return _login_form(request, ticket or Ticket.new(), return_to=return_to,
                           username=str(current.session.user.get("username") or ""),
                           notice="reauthenticate")
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
    username = form.get("username", "")
    if ticket is None or not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket, username=username.strip()[:128])
    return_to = _return_to(request, form.get("return_to"))
    try:
        context = request_context(request, form.get("encoded_data"))
        result = await request[ROOT_APP][SIGN_IN].start(
            username, form.get("password", ""), return_to, context, previous=ticket,
            device=read_device(request),
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
    if not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket, gone="/login")
    await request[ROOT_APP][SIGN_IN].cancel(ticket)
    response = _see_other("/login")
    outcome.end_flow(request, response)
    return response


@routes.post("/login/autofill")
async def autofill(request: web.Request) -> web.StreamResponse:
    """Passkey autofill (passkey-autofill.js on the login form): a passkey sign-in begun for
    the person this browser last signed in as (its known-person cookie), whose options the page
    hands the browser with ``mediation: "conditional"``, so the username field offers their
    passkeys. 204 when there is nobody to offer (no cookie, or that person has no passkey)."""
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None or not _csrf_ok(request, form, ticket):
        raise errors.CsrfFailed("autofill without the login form's token")
    known = read_known(request)
    nothing = web.Response(status=204)
    if known is None:
        return nothing
    sign_in = request[ROOT_APP][SIGN_IN]
    try:
        result = await sign_in.start(
            known, "", _return_to(request, form.get("return_to")),
            request_context(request, form.get("encoded_data")), previous=ticket,
            preferred="WEB_AUTHN")
    except errors.GatewayError as error:
        log_refusal(request, error)  # autofill is a convenience: the form still works
        return nothing
    if not isinstance(result, Pending) or result.prompt.challenge is not ChallengeName.WEB_AUTHN:
        if isinstance(result, Pending):
            await sign_in.cancel(result.ticket)  # no passkey: nothing to offer, nothing kept
        return nothing
    response = web.json_response({
        "options": result.prompt.public["credential_request_options"],
        "csrf": request[ROOT_APP][SIGNING].csrf_token(result.ticket),
    })
    await outcome.write(request, response, result)
    return response


@routes.post("/login/other-way")
async def other_way(request: web.Request) -> web.StreamResponse:
    """"Try another way" (the passkey step): the choices again, for the same person. A new
    InitiateAuth, with no preference: a passkey step's Session cannot go back to the choice."""
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None or not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket)
    sign_in = request[ROOT_APP][SIGN_IN]
    pending = await sign_in.current(ticket)
    if pending is None:
        return _see_other("/login")
    try:
        result = await sign_in.start(
            pending.journey.username, "", pending.journey.return_to,
            request_context(request, form.get("encoded_data")), previous=ticket, preferred="")
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _login_form(request, ticket, username=pending.journey.username,
                           return_to=pending.journey.return_to, error=error)
    return await _finish(request, result)


@routes.post("/login/new-code")
async def new_code(request: web.Request) -> web.StreamResponse:
    """"Send a new code": Cognito sends a sign-in code only when a sign-in starts, with the
    password, so the person goes back to the password, their username kept, and is told why."""
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None or not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket)
    sign_in = request[ROOT_APP][SIGN_IN]
    try:
        # A sign-up or a password reset sends its code again, and stays on its step.
        resent = await sign_in.resend(ticket, request_context(request, form.get("encoded_data")))
    except errors.GatewayError as error:
        log_refusal(request, error)
        pending = await sign_in.current(ticket)
        if pending is None or error.restart:
            return _see_other("/login")
        return _step_page(request, pending, error)
    if resent is not None:
        return await _finish(request, resent)
    asks_password = request[ROOT_APP][SETTINGS].cognito.asks_password
    await request[ROOT_APP][SIGN_IN].restart(
        ticket, "new_code" if asks_password else "new_code_username")
    return _see_other("/login")


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
    status: int | None = None,
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
    field = None if outage else _field_in_error(error, prompt.fields[0].name)
    policy = settings.branding.password_policy
    detail = error_detail(t, error, policy) if error else None
    # A refused new password: every rule it still breaks, not only the first one Cognito named.
    broken = (broken_rules(typed.get("new_password", ""), policy)
              if error and error.code == "invalid_password" and typed else [])
    if broken:
        detail = t("error.invalid_password.rules")
    if prompt.step == "setup-email" and "email" not in kept and (known := _known_email(pending)):
        kept["email"] = known
    context: dict[str, Any] = {
        "prompt": prompt,
        "challenge": prompt.challenge.value,
        "csrf": request[ROOT_APP][SIGNING].csrf_token(pending.ticket),
        "username": pending.journey.username,
        "journey_notice": pending.journey.notice,
        "public": dict(prompt.public),
        **enrolment(prompt, pending.journey.username, settings.branding.name),
    }
    response = page(
        request,
        prompt.templates,
        status=status or (error.status if error else 200),
        labels=labels,
        error_code=error.code if error else None,
        error_summary=message,
        error_detail=detail,
        error_items=[t("password.rule.length", count=policy.min_length) if rule == "length"
                     else t(f"password.rule.{rule}") for rule in broken],
        errors={field: message} if field and message else {},
        error_reference=request[REQUEST_ID] if outage else None,
        values=kept,
        **context,
    )
    return with_retry_after(response, error) if error else response


def _known_email(pending: Pending) -> str | None:
    """The person's email address, when the sign-in shows it: they signed in with it and
    Cognito found their account under another username (an email alias, which Cognito
    accepts only once the address is verified). Offered as the address for codes."""
    typed = pending.journey.username
    internal = pending.journey.challenge.username if pending.journey.challenge else typed
    if forms.EMAIL.match(typed) and typed.casefold() != internal.casefold():
        return typed
    return None


# The wrong answers a flow remembers (``journey.notice``) until the next one, to show them on
# the step's page after the redirect that follows them.
_REMEMBERED: dict[str, type[errors.GatewayError]] = {
    cls.code: cls for cls in (errors.InvalidCode, errors.CodeAlreadyUsed)
}


@routes.get(STEP_PATH)
async def step_page(request: web.Request) -> web.StreamResponse:
    pending = await request[ROOT_APP][SIGN_IN].current(read_ticket(request, Purpose.FLOW))
    if pending is None:
        return _see_other("/login")
    if pending.prompt.step != request.match_info["step"]:
        return _see_other(_step_url(pending))
    remembered = _REMEMBERED.get(pending.journey.notice or "")
    error = remembered("the last answer here was wrong", field="code") if remembered else None
    if pending.prompt.notice == errors.AnswerNotAccepted.code:
        # A custom challenge asked again: a new step (200, as the API answers it) that says,
        # as an error does, that the last answer was not accepted.
        error = errors.AnswerNotAccepted("asked again", field=pending.prompt.fields[0].name)
        return _step_page(request, pending, error, status=200)
    return _step_page(request, pending, error)


@routes.post(STEP_PATH)
async def step_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    if not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket)
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
        if isinstance(error, errors.ChallengeMismatch | errors.WrongCode):
            # A wrong code is shown by the step's own page (the flow remembers it), after a
            # redirect: reloading that page does not send the code again, nor count it twice.
            return _see_other(_step_url(pending))
        return _step_page(request, pending, error, typed=form)
    return await _finish(request, result)


# --- signed in --------------------------------------------------------------------------------


# An internal username that is no name at all: the sub (pools that sign in by email or phone
# number), or an id an administrator generated (a UUID). Nobody typed that; it is not shown.
_OPAQUE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def sign_in_name(user: dict[str, Any]) -> str | None:
    """The name a person signs in with, as the signed-in page shows it: their preferred
    username, or their username unless it is an opaque id (a sign-in by email alias then
    shows the email, in its own row, and no username at all)."""
    if user.get("preferred_username"):
        return str(user["preferred_username"])
    username = str(user.get("username") or "")
    if not username or username == user.get("sub") or _OPAQUE_ID.fullmatch(username):
        return None
    return username


async def home(request: web.Request) -> web.StreamResponse:
    """The gateway's own signed-in page, at ``GATEWAY_HOME_PATH`` (see :func:`page_routes`)."""
    current = await current_session(request)
    if current is None:
        return _see_other("/login")
    user = current.session.user
    username = sign_in_name(user)
    return page(
        request,
        "signed-in.html",
        user=user,
        username=username,
        display_name=user.get("name") or username or user.get("email")
        or user.get("phone_number") or "",
        csrf=request[ROOT_APP][SIGNING].csrf_token(current.ticket),
    )


def page_routes(home_path: str | None) -> list[web.AbstractRouteDef]:
    """The pages face's routes, with the signed-in page at ``home_path`` (none: no such page,
    and an app behind the same host owns every other path)."""
    found: list[web.AbstractRouteDef] = list(routes)
    if home_path is not None:
        found.append(web.get(home_path, home))
    return found


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
    everywhere = form.get("everywhere") == "1"
    if everywhere:  # a different confirmation: every device, not only this one
        response = _see_other("/login?notice=signed_out_everywhere")
    await outcome.signed_out(request, response, ticket, everywhere=everywhere)
    return response


# --- a forgotten password, a sign-up ------------------------------------------------------------


def _journey_form(request: web.Request, template: str, ticket: Ticket, *, username: str = "",
                  return_to: str, error: errors.GatewayError | None = None,
                  typed: dict[str, str] | None = None) -> web.StreamResponse:
    """The first form of an account journey (the name for a reset; the new account's details),
    with its CSRF token bound to this browser's flow ticket, like the login form's."""
    t = request[TRANSLATOR]
    message = error_message(t, error) if error else None
    field = _field_in_error(error, "username") if error and not isinstance(
        error, errors.Outage) else None
    settings = request[ROOT_APP][SETTINGS]
    kept = {k: v.strip()[:256] for k, v in (typed or {}).items()
            if k != "password" and k in {"username", *settings.accounts.sign_up_attributes}}
    response = page(
        request, template, status=error.status if error else 200,
        csrf=request[ROOT_APP][SIGNING].csrf_token(ticket), username=username,
        return_to=return_to, error_code=error.code if error else None, error_summary=message,
        errors={field: message} if field and message else {}, values=kept,
        attributes=settings.accounts.sign_up_attributes,
        error_reference=request[REQUEST_ID] if isinstance(error, errors.Outage) else None,
    )
    outcome.anchor_flow(request, response, ticket)
    return with_retry_after(response, error) if error else response


@routes.get("/login/forgot")
async def forgot_page(request: web.Request) -> web.StreamResponse:
    ticket = read_ticket(request, Purpose.FLOW) or Ticket.new()
    return _journey_form(request, "forgot.html", ticket,
                         username=request.query.get("username", "")[:128],
                         return_to=_return_to(request, request.query.get("return_to")))


@routes.post("/login/forgot")
async def forgot_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    username = form.get("username", "").strip()[:128]
    if ticket is None or not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket, username=username)
    return_to = _return_to(request, form.get("return_to"))
    try:
        result = await request[ROOT_APP][SIGN_IN].forgot_password(
            form.get("username", ""), return_to,
            request_context(request, form.get("encoded_data")), previous=ticket)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _journey_form(request, "forgot.html", ticket, username=username,
                             return_to=return_to, error=error)
    return await _finish(request, result)


async def signup_page(request: web.Request) -> web.StreamResponse:
    ticket = read_ticket(request, Purpose.FLOW) or Ticket.new()
    return _journey_form(request, "signup.html", ticket,
                         return_to=_return_to(request, request.query.get("return_to")))


async def signup_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    ticket = read_ticket(request, Purpose.FLOW)
    if ticket is None or not _csrf_ok(request, form, ticket):
        return await _stale_form(request, form, ticket, gone="/signup")
    return_to = _return_to(request, form.get("return_to"))
    attributes = {name: form.get(name, "").strip()
                  for name in request[ROOT_APP][SETTINGS].accounts.sign_up_attributes}
    try:
        result = await request[ROOT_APP][SIGN_IN].sign_up(
            form.get("username", ""), form.get("password", ""), attributes, return_to,
            request_context(request, form.get("encoded_data")), previous=ticket)
    except errors.GatewayError as error:
        log_refusal(request, error)
        return _journey_form(request, "signup.html", ticket, return_to=return_to, error=error,
                             typed=form)
    return await _finish(request, result)


def sign_up_routes() -> list[web.AbstractRouteDef]:
    """The sign-up pages, served only with GATEWAY_SIGN_UP=true."""
    return [web.get("/signup", signup_page), web.post("/signup", signup_submit)]
