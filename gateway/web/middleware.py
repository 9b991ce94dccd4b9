"""Middlewares, outermost first: request context and security headers, then errors, then the
API's CSRF header rule. Each one has a single job."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

from gateway import errors
from gateway.keys import (
    CATALOGS,
    CLIENT_IP,
    CSP_NONCE,
    REQUEST_ID,
    SETTINGS,
    STALE_COOKIES,
    TRANSLATOR,
)
from gateway.web.render import API_PREFIX, render_error
from gateway.web.requests import clear_cookies, client_address

log = logging.getLogger("gateway.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes under /auth/ that a browser may fetch without the X-CSRF header: documentation only.
CSRF_HEADER_EXEMPT = frozenset({"/auth/openapi.json"})


def _csp(request: web.Request) -> str:
    nonce = request[CSP_NONCE]
    settings = request.app[SETTINGS]
    scripts = f"'nonce-{nonce}'"
    if settings.advanced_security_script_url:
        scripts += f" {settings.advanced_security_script_url}"
    images = "'self' data:"
    if settings.brand_logo_url and URL(settings.brand_logo_url).is_absolute():
        images += f" {URL(settings.brand_logo_url).origin()}"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'nonce-{nonce}'; "
        f"img-src {images}; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["X-Request-Id"] = request[REQUEST_ID]
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Content-Security-Policy"] = _csp(request)
    if request.app[SETTINGS].cookie_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"


async def cache_control(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook rather than middleware: a static file's status (200 or
    404) is only known once aiohttp opens it, after the middlewares have run."""
    if request.path.startswith("/static/") and response.status in {200, 304}:
        # Static URLs carry a content hash (pages.static), so a file may be cached for good.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        # Pages, API answers and errors are per person or per moment: no cache may keep them.
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_ID] = secrets.token_hex(8)
    request[CSP_NONCE] = secrets.token_urlsafe(16)
    request[STALE_COOKIES] = set()
    request[CLIENT_IP] = client_address(request)
    catalogs = request.app[CATALOGS]
    request[TRANSLATOR] = catalogs.translator(
        catalogs.negotiate(request.headers.get("Accept-Language"))
    )
    started = time.perf_counter()
    response = await handler(request)
    stale: set[str] = request[STALE_COOKIES]
    if stale:
        clear_cookies(request, response, stale)
    _secure_headers(request, response)
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


_HTTP_ERRORS: dict[int, type[errors.GatewayError]] = {
    400: errors.InvalidRequest,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.GatewayError as error:
        level = logging.WARNING if error.status >= 500 else logging.INFO
        log.log(level, "refused: %s", error,
                extra={"request_id": request[REQUEST_ID], "code": error.code})
        return render_error(request, error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        mapped = _HTTP_ERRORS.get(exc.status, errors.InvalidRequest)
        return render_error(request, mapped(f"HTTP {exc.status}"))
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception:
        log.exception("unhandled error", extra={"request_id": request[REQUEST_ID]})
        return render_error(request, errors.GatewayError("unhandled error"))


@web.middleware
async def api_csrf_header(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every API call must carry ``X-CSRF: 1``. A cross-site page cannot add a custom header
    without a CORS preflight, which we never grant, so this alone stops cross-site calls."""
    needs_header = request.path.startswith(API_PREFIX) and request.path not in CSRF_HEADER_EXEMPT
    if needs_header and request.headers.get("X-CSRF") != "1":
        raise errors.CsrfFailed("missing X-CSRF header")
    return await handler(request)
