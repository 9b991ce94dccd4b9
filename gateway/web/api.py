"""The JSON API for single-page apps: the same sign-in flow as the pages, rendered as JSON.

A sub-application mounted at ``/auth``: its own middlewares make every answer under it JSON
(errors included, even a 404) and require ``X-CSRF: 1`` on every route that does not opt out
(:func:`csrf_header_exempt`). It takes JSON bodies and answers JSON, never a redirect.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from aiohttp.typedefs import Middleware

from gateway import errors
from gateway.keys import ROOT_APP, SESSIONS, SETTINGS, SIGN_IN, STORE
from gateway.security.redirects import safe_return_path
from gateway.security.signing import Purpose
from gateway.signin import steps
from gateway.signin.runner import Finished, Outcome, Pending, SignedIn
from gateway.web import outcome, passkeys
from gateway.web.cookies import read_device, read_ticket
from gateway.web.csrf_header import csrf_header, csrf_header_exempt
from gateway.web.enrolment import enrolment
from gateway.web.middleware import json_errors
from gateway.web.requests import read_json, request_context, text_field
from gateway.web.session_layer import current_session, session_ended

PREFIX = "/auth"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
routes = web.RouteTableDef()


def _document() -> dict[str, Any]:
    """The OpenAPI document (YAML for people, served as JSON for tools), with the challenge and
    step enums taken from the step registry, so they cannot drift from what the API answers."""
    spec: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text())
    challenge = spec["components"]["schemas"]["ChallengeStep"]["properties"]["challenge"]
    challenge["properties"]["name"]["enum"] = [name.value for name in steps.ANSWERABLE]
    challenge["properties"]["step"]["enum"] = list(steps.FORMS)
    # The error codes are written once, each with its status and members; tools want an enum.
    code = spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    code["enum"] = [entry["const"] for entry in code["oneOf"]]
    return spec


OPENAPI = _document()
_OPENAPI_JSON = json.dumps(OPENAPI)


def _challenge(request: web.Request, pending: Pending) -> dict[str, Any]:
    prompt = pending.prompt
    parameters: dict[str, Any] = {k: v for k, v in prompt.public.items() if v is not None}
    shown = enrolment(prompt, pending.journey.username,
                      request[ROOT_APP][SETTINGS].branding.name)
    parameters.update({k: v for k, v in shown.items() if k in {"otpauth_uri", "qr_svg"}})
    return {
        "name": prompt.challenge.value,
        "step": prompt.step,
        "fields": [
            {"name": f.name, "type": f.kind, **({"options": list(f.options)} if f.options else {})}
            for f in prompt.fields
        ],
        "parameters": parameters,
        # What the person should know about their last answer (a custom challenge asked
        # again: answer_not_accepted); absent when there is nothing to say.
        **({"notice": prompt.notice} if prompt.notice else {}),
    }


async def _respond(request: web.Request, result: Outcome) -> web.StreamResponse:
    body: dict[str, Any]
    match result:
        case Pending():
            body = {"status": "challenge", "challenge": _challenge(request, result)}
        case SignedIn(_, session, return_to):
            body = {"status": "authenticated", "user": session.user, "return_to": return_to}
        case Finished(_, journey):
            # Over without a session (a password changed, an account to sign in to): sign in.
            body = {"status": "finished", "notice": journey.notice, "username": journey.username}
    response = web.json_response(body)
    await outcome.write(request, response, result)
    return response


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    username = text_field(body, "username") or ""
    # Plain CUSTOM_AUTH and USER_AUTH take the username alone (USER_AUTH also a password with
    # a password "preferred"); any other flow needs the password too.
    password = text_field(body, "password", required=False) or ""
    context = request_context(request, text_field(body, "encoded_data", required=False))
    return_to = safe_return_path(
        text_field(body, "return_to", required=False),
        request[ROOT_APP][SETTINGS].default_return_path,
    )
    result = await request[ROOT_APP][SIGN_IN].start(
        username, password, return_to, context, previous=read_ticket(request, Purpose.FLOW),
        device=read_device(request),
        preferred=text_field(body, "preferred", required=False),
    )
    return await _respond(request, result)


@routes.post("/challenge")
async def challenge(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    name = text_field(body, "challenge") or ""
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise errors.InvalidRequest("answers must be an object", field="answers")
    # A checkbox (remember_device) may come as a JSON boolean.
    answers = {str(k): ("true" if v else "false") if isinstance(v, bool) else v
               for k, v in answers.items()}
    answers = {str(k): text_field(answers, str(k)) or "" for k in answers}
    context = request_context(request, text_field(body, "encoded_data", required=False))
    # The step is optional for clients, but when sent it pins the answer to one form of a
    # challenge that has several (MFA_SETUP), so a stale tab gets challenge_mismatch.
    step = text_field(body, "step", required=False)
    result = await request[ROOT_APP][SIGN_IN].answer(
        read_ticket(request, Purpose.FLOW), name, answers, context, step=step
    )
    return await _respond(request, result)


@routes.post("/password/forgot")
async def forgot_password(request: web.Request) -> web.StreamResponse:
    """A forgotten password: Cognito sends a code, and the next step (CONFIRM_FORGOT_PASSWORD)
    takes it with the new password. The same answer for every name."""
    body = await read_json(request)
    context = request_context(request, text_field(body, "encoded_data", required=False))
    return_to = safe_return_path(text_field(body, "return_to", required=False),
                                 request[ROOT_APP][SETTINGS].default_return_path)
    result = await request[ROOT_APP][SIGN_IN].forgot_password(
        text_field(body, "username") or "", return_to, context,
        previous=read_ticket(request, Purpose.FLOW))
    return await _respond(request, result)


@routes.post("/signup")
async def sign_up(request: web.Request) -> web.StreamResponse:
    """A new account (GATEWAY_SIGN_UP=true); the next step (CONFIRM_SIGN_UP) takes the code."""
    settings = request[ROOT_APP][SETTINGS]
    body = await read_json(request)  # a body that is not JSON is refused first, as everywhere
    if not settings.accounts.sign_up:
        raise errors.NotFound("sign-up is off")
    given = body.get("attributes") or {}
    if not isinstance(given, dict):
        raise errors.InvalidRequest("attributes must be an object", field="attributes")
    attributes = {name: text_field(given, name) or "" for name in
                  settings.accounts.sign_up_attributes}
    context = request_context(request, text_field(body, "encoded_data", required=False))
    return_to = safe_return_path(text_field(body, "return_to", required=False),
                                 settings.default_return_path)
    result = await request[ROOT_APP][SIGN_IN].sign_up(
        text_field(body, "username") or "", text_field(body, "password") or "", attributes,
        return_to, context, previous=read_ticket(request, Purpose.FLOW))
    return await _respond(request, result)


@routes.post("/resend")
async def resend(request: web.Request) -> web.StreamResponse:
    """"Send a new code" on a sign-up or password-reset step: sent again, the step kept. A
    sign-in's codes come only with a new sign-in: 409 challenge_mismatch there."""
    if request.body_exists:
        await read_json(request)
    body_context = request_context(request, None)
    result = await request[ROOT_APP][SIGN_IN].resend(read_ticket(request, Purpose.FLOW),
                                                     body_context)
    if result is None:
        raise errors.ChallengeMismatch("no sign-up or reset step to send a code for")
    return await _respond(request, result)


@routes.post("/cancel")
async def cancel(request: web.Request) -> web.StreamResponse:
    """Abandon the sign-in in progress (the pages' "start over"): its journey is deleted and the
    flow cookie cleared. 204 whether or not one was in progress; a session is left alone."""
    if request.body_exists:
        await read_json(request)  # no members, but a body must still be JSON
    await request[ROOT_APP][SIGN_IN].cancel(read_ticket(request, Purpose.FLOW))
    response = web.Response(status=204)
    outcome.end_flow(request, response)
    return response


@routes.get("/session")
async def session(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        if session_ended(request):
            raise errors.SessionExpired("the session ended at its refresh")
        # With Redis down nobody can sign in either: say that (503), not "please sign in".
        await request[ROOT_APP][STORE].ping()
        raise errors.NotSignedIn("no session")
    # Never a token: the person's public claims, when the session ends, how to end it.
    idle_ends_at, ends_at = request[ROOT_APP][SESSIONS].ends(current.session, time.time())
    return web.json_response({
        "user": current.session.user,
        "session": {"idle_ends_at": int(idle_ends_at), "ends_at": int(ends_at)},
        "logout_url": f"{PREFIX}/logout",
    })


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    everywhere = False
    if request.body_exists:
        body = await read_json(request)
        everywhere = body.get("everywhere") is True
    response = web.Response(status=204)
    # Without a session cookie there is nothing to end, so nothing is cleared either, as on the
    # pages: a second sign-out (another tab) is simply another 204.
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is not None:
        await outcome.signed_out(request, response, ticket, everywhere=everywhere)
    return response


@routes.get("/openapi.json")
@csrf_header_exempt
async def openapi(request: web.Request) -> web.StreamResponse:
    return web.Response(text=_OPENAPI_JSON, content_type="application/json")


def api_app(*, guard: Middleware, bodies: Middleware) -> web.Application:
    """The JSON face, to mount at :data:`PREFIX`. ``guard`` (the composition root's
    cross-site rule) runs inside this face's JSON errors, before the X-CSRF rule; ``bodies``
    (the body rules) after it, so a request refused on its headers is not waited for."""
    app = web.Application(middlewares=[json_errors, guard, csrf_header, bodies])
    app.add_routes(routes)
    app.add_routes(passkeys.api_routes)
    from gateway.web import account  # here, not at the top: it imports the pages face

    app.add_routes(account.api_routes)
    from gateway.web import account_devices, account_mfa  # the same: they import the pages face

    app.add_routes([*account_devices.api_routes, *account_mfa.api_routes])
    return app


# Paths a browser may fetch without the X-CSRF header, read off the route metadata.
CSRF_HEADER_EXEMPT = frozenset(
    PREFIX + route.path for route in [*routes, *passkeys.api_routes]
    if isinstance(route, web.RouteDef) and getattr(route.handler, "csrf_header_exempt", False)
)
