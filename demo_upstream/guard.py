"""The middleware every request passes: token check, then a record in the request log.

Which routes need no token is decided by the route that matched (its name starts with
``open:``), never by a path prefix: a prefix test on the decoded path could disagree with the
router about where ``/public/..%2Fecho`` goes, and that disagreement is exactly the kind of path
trick the gateway's tests probe.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from demo_upstream.appkeys import IDENTITY, REQUEST_LOG, VERIFIER
from demo_upstream.auth import TokenRejectedError, bearer_token
from demo_upstream.keys import JwksUnavailableError

OPEN_ROUTE_PREFIX = "open:"


def is_open(request: web.Request) -> bool:
    name = request.match_info.route.name
    return name is not None and name.startswith(OPEN_ROUTE_PREFIX)


def error_response(status: int, message: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def _quotable(text: str) -> str:
    """``text`` made safe inside a quoted header parameter (pyjwt's messages are not ours)."""
    return "".join(c for c in text if c.isascii() and c.isprintable() and c not in '"\\')


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    status: int | None = None
    token_valid: bool | None = None
    error: str | None = None
    sub: str | None = None
    try:
        if not is_open(request):
            try:
                identity = await request.app[VERIFIER].verify(bearer_token(request))
            except TokenRejectedError as rejected:
                token_valid, error, status = False, rejected.reason, 401
                description = _quotable(rejected.reason)
                challenge = f'Bearer error="invalid_token", error_description="{description}"'
                return error_response(401, rejected.reason, {"WWW-Authenticate": challenge})
            except JwksUnavailableError as unavailable:
                # Not the caller's fault: the pool's keys could not be read.
                error, status = str(unavailable), 503
                return error_response(503, "signing keys unavailable")
            request[IDENTITY] = identity
            token_valid, sub = True, identity.sub
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as http_error:
        status = http_error.status
        raise
    except asyncio.CancelledError:
        error = "client went away"
        raise
    except Exception as crash:
        status, error = 500, repr(crash)
        raise
    finally:
        request.app[REQUEST_LOG].add(
            method=request.method, raw_path=request.raw_path, status=status,
            token_sent="Authorization" in request.headers, token_valid=token_valid,
            error=error, sub=sub, request_id=request.headers.get("X-Request-Id"))
