"""Middlewares, outermost first: request context and security headers, then errors (as pages;
the API sub-application renders its own as JSON with :data:`json_errors`), then the session
layer. Each one has a single job."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from yarl import URL

from gateway import errors
from gateway.keys import (
    CATALOGS,
    CLIENT_IP,
    CSP_NONCE,
    RELAYED,
    REQUEST_ID,
    ROOT_APP,
    SETTINGS,
    STALE_COOKIES,
    TRANSLATOR,
)
from gateway.web.cookies import clear_cookies
from gateway.web.render import error_page, json_error
from gateway.web.requests import client_address

log = logging.getLogger("gateway.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What every response says in ``Server``: aiohttp's default names Python's and its own version,
# which tells an attacker which advisories apply.
SERVER_NAME = "cognito-gateway"


def _csp(request: web.Request) -> str:
    nonce = request[CSP_NONCE]
    settings = request[ROOT_APP][SETTINGS]
    scripts = f"'nonce-{nonce}'"
    if settings.cognito.advanced_security_script_url:
        scripts += f" {settings.cognito.advanced_security_script_url}"
    images = "'self' data:"
    logo = settings.branding.logo_url
    if logo and URL(logo).is_absolute():
        images += f" {URL(logo).origin()}"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'nonce-{nonce}'; "
        f"img-src {images}; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The gateway's security headers. On a relayed answer they are defaults: what the
    upstream set itself (its own Content-Security-Policy for a page it serves) stays."""
    headers = response.headers
    put = headers.setdefault if request.get(RELAYED) else headers.__setitem__
    headers["X-Request-Id"] = request[REQUEST_ID]
    put("X-Content-Type-Options", "nosniff")
    put("X-Frame-Options", "DENY")
    put("Referrer-Policy", "no-referrer")
    put("Cross-Origin-Opener-Policy", "same-origin")
    put("Cross-Origin-Resource-Policy", "same-origin")
    put("Content-Security-Policy", _csp(request))
    if request[ROOT_APP][SETTINGS].cookies.secure:
        put("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def clear_stale_cookies(request: web.Request, response: web.StreamResponse) -> None:
    """Clear the cookies that arrived but did not verify. Before the response is prepared: a
    streamed one (the relay's) calls this itself, since aiohttp writes the cookies before the
    prepare hooks run."""
    stale: set[str] = request[STALE_COOKIES]
    if stale and not response.prepared:
        clear_cookies(request, response, stale)


async def finish_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook: the security headers go on every response as its
    headers leave, a streamed one (the relay's, a WebSocket's) as much as one built whole."""
    if REQUEST_ID in request:  # else answered before the middlewares ran (server.py's own)
        secure_headers(request, response)


async def server_name(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook, so it holds for every response aiohttp sends for a
    request it routed, an HTTP exception raised past the middlewares included."""
    response.headers["Server"] = SERVER_NAME


async def cache_control(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook rather than middleware: a static file's status (200 or
    404) is only known once aiohttp opens it, after the middlewares have run."""
    relayed = request.get(RELAYED)
    if relayed and "Cache-Control" in response.headers:
        # An upstream's answer keeps its own caching rules, except that an answer to a call
        # carrying someone's token is theirs alone: no shared cache may keep it ("public"
        # becomes "private").
        if relayed == "personal":
            directives = [d.strip() for d in response.headers["Cache-Control"].split(",")]
            kept = [d for d in directives if d and d.lower() not in {"public", "private"}]
            if not any(d.lower() == "no-store" for d in kept):
                kept.insert(0, "private")
            response.headers["Cache-Control"] = ", ".join(kept)
        return
    if request.path.startswith("/static/") and response.status in {200, 304}:
        # Static URLs carry a content hash (pages.static), so a file may be cached for good.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        # Pages, API answers and errors are per person or per moment: no cache may keep them.
        response.headers["Cache-Control"] = "no-store"


def open_request(request: web.Request, app: web.Application) -> None:
    """What every request carries from its first moment: the gateway's app, its id, its CSP
    nonce, the client IP and the translator. Also used for the requests aiohttp answers itself
    (malformed HTTP, :mod:`gateway.web.server`), so they get the same page and headers."""
    request[ROOT_APP] = app
    request[REQUEST_ID] = secrets.token_hex(8)
    request[CSP_NONCE] = secrets.token_urlsafe(16)
    request[STALE_COOKIES] = set()
    request[CLIENT_IP] = client_address(request)
    catalogs = app[CATALOGS]
    request[TRANSLATOR] = catalogs.translator(
        catalogs.negotiate(request.headers.get("Accept-Language"))
    )


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    open_request(request, request.app)  # the outermost middleware runs as the gateway's own app
    started = time.perf_counter()
    response = await handler(request)
    clear_stale_cookies(request, response)
    log.info(
        "request",
        extra={
            "request_id": request[REQUEST_ID],
            "method": request.method,
            "path": request.path,  # never the query string: it is the person's business
            # The address Cognito and the rate limits were given, not the raw header.
            "client_ip": request[CLIENT_IP],
            "status": response.status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response


Renderer = Callable[[web.Request, errors.GatewayError], web.StreamResponse]


def log_refusal(request: web.Request, error: errors.GatewayError) -> None:
    """One line per refusal, wherever it is answered: a warning when something behind the
    gateway failed, information otherwise. The reason never carries a secret."""
    level = logging.WARNING if isinstance(error, errors.Outage) else logging.INFO
    log.log(level, "refused: %s", error,
            extra={"request_id": request[REQUEST_ID], "code": error.code})


def errors_as(render: Renderer) -> Any:
    """A middleware that answers every refusal below it with ``render``: a gateway error as
    itself, an HTTP error aiohttp raised (no route, body too large) as its gateway error, and
    anything unforeseen as a 500 whose traceback goes to the log only."""

    @web.middleware
    async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except errors.GatewayError as error:
            log_refusal(request, error)
            response = render(request, error)
            if error.closes_connection:
                response.force_close()
            return response
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return render(request, errors.for_http_status(exc.status))
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception:
            log.exception("unhandled error", extra={"request_id": request[REQUEST_ID]})
            return render(request, errors.GatewayError("unhandled error"))

    return refusals


error_pages = errors_as(error_page)
json_errors = errors_as(json_error)
