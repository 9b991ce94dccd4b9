"""The JSON API for single-page apps: the same sign-in flow as the pages, rendered as JSON.

Every route is under ``/auth/``, requires ``X-CSRF: 1`` (see :mod:`gateway.middleware`), takes
JSON bodies and answers JSON, never a redirect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from gateway.errors import InvalidRequest, NotSignedIn
from gateway.keys import COGNITO, SESSIONS, SETTINGS, SIGN_IN, STORE
from gateway.security.redirects import safe_return_path
from gateway.security.signing import Purpose
from gateway.session.logout import sign_out
from gateway.signin.model import Prompt
from gateway.signin.runner import Outcome, Pending, SignedIn
from gateway.web.qr import qr_svg, totp_uri
from gateway.web.requests import (
    CLEAR_SITE_DATA,
    clear_ticket,
    current_session,
    end_replaced_session,
    read_json,
    read_ticket,
    request_context,
    set_ticket,
    text_field,
)

routes = web.RouteTableDef()
# Written as YAML for people, served as JSON for tools.
OPENAPI: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text())


def _challenge(request: web.Request, pending: Pending) -> dict[str, Any]:
    prompt: Prompt = pending.prompt
    parameters: dict[str, Any] = {k: v for k, v in prompt.public.items() if v is not None}
    secret = parameters.get("secret_code")
    if secret:
        uri = totp_uri(secret, pending.flow.username, request.app[SETTINGS].brand_name)
        parameters.update(otpauth_uri=uri, qr_svg=qr_svg(uri))
    return {
        "name": prompt.challenge.value,
        "step": prompt.view,
        "fields": [
            {"name": f.name, "type": f.kind, **({"options": list(f.options)} if f.options else {})}
            for f in prompt.fields
        ],
        "parameters": parameters,
    }


async def _respond(request: web.Request, outcome: Outcome) -> web.StreamResponse:
    match outcome:
        case Pending():
            response = web.json_response(
                {"status": "challenge", "challenge": _challenge(request, outcome)}
            )
            set_ticket(request, response, Purpose.FLOW, outcome.ticket)
        case SignedIn(ticket, session, return_to):
            await end_replaced_session(request)
            response = web.json_response(
                {"status": "authenticated", "user": session.user, "return_to": return_to}
            )
            set_ticket(request, response, Purpose.SESSION, ticket)
            clear_ticket(request, response, Purpose.FLOW)
    return response


@routes.post("/auth/login")
async def login(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    username = text_field(body, "username") or ""
    password = text_field(body, "password") or ""
    context = request_context(request, text_field(body, "encoded_data", required=False))
    return_to = safe_return_path(
        text_field(body, "return_to", required=False), request.app[SETTINGS].default_return_path
    )
    outcome = await request.app[SIGN_IN].start(
        username, password, return_to, context, previous=read_ticket(request, Purpose.FLOW)
    )
    return await _respond(request, outcome)


@routes.post("/auth/challenge")
async def challenge(request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    name = text_field(body, "challenge") or ""
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise InvalidRequest("answers must be an object", field="answers")
    answers = {str(k): text_field(answers, str(k)) or "" for k in answers}
    context = request_context(request, text_field(body, "encoded_data", required=False))
    # The step is optional for clients, but when sent it pins the answer to one form of a
    # challenge that has several (MFA_SETUP), so a stale tab gets challenge_mismatch.
    step = text_field(body, "step", required=False)
    outcome = await request.app[SIGN_IN].answer(
        read_ticket(request, Purpose.FLOW), name, answers, context, view=step
    )
    return await _respond(request, outcome)


@routes.get("/auth/session")
async def session(request: web.Request) -> web.StreamResponse:
    current = await current_session(request)
    if current is None:
        # With Redis down nobody can sign in either: say that (503), not "please sign in".
        await request.app[STORE].ping()
        raise NotSignedIn("no session")
    _, signed_in = current
    return web.json_response({"user": signed_in.user})


@routes.post("/auth/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    everywhere = False
    if request.body_exists:
        body = await read_json(request)
        everywhere = body.get("everywhere") is True
    ticket = read_ticket(request, Purpose.SESSION)
    if ticket is not None:
        await sign_out(request.app[SESSIONS], request.app[COGNITO], ticket, everywhere=everywhere)
    response = web.Response(status=204)
    clear_ticket(request, response, Purpose.SESSION)
    clear_ticket(request, response, Purpose.FLOW)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@routes.get("/auth/openapi.json")
async def openapi(request: web.Request) -> web.StreamResponse:
    return web.json_response(OPENAPI)
