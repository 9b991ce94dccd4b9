"""The upstream's HTTP endpoints: each exists to let a relay test observe one thing the gateway
must do (forward faithfully, strip, stream, pass errors through, time out, drop Set-Cookie)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from http import HTTPStatus
from typing import Any

from aiohttp import web

from demo_upstream.appkeys import IDENTITY, REQUEST_LOG
from demo_upstream.bodies import digest_body
from demo_upstream.download import pseudo_random_chunks
from demo_upstream.guard import OPEN_ROUTE_PREFIX, error_response

ECHO_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_DOWNLOAD_BYTES = 1 << 34  # 16 GiB: large enough for any test, small enough to be a typo
MAX_SLOW_SECONDS = 300.0


def add_routes(app: web.Application) -> None:
    for method in ECHO_METHODS:
        app.router.add_route(method, "/echo/{tail:.*}", echo)
    app.router.add_post("/upload", upload)
    app.router.add_get("/download", download)
    app.router.add_get("/public/hello", public_hello, name=f"{OPEN_ROUTE_PREFIX}public-hello")
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/slow", slow)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_get("/cache", cache)
    app.router.add_get("/_upstream/requests", requests, name=f"{OPEN_ROUTE_PREFIX}requests")
    app.router.add_post("/_upstream/reset", reset, name=f"{OPEN_ROUTE_PREFIX}reset")


class BadQueryError(web.HTTPBadRequest):
    def __init__(self, message: str) -> None:
        super().__init__(text=json.dumps({"error": message}), content_type="application/json")


def _number(request: web.Request, name: str, default: str | None = None) -> float:
    raw = request.query.get(name, default)
    if raw is None:
        raise BadQueryError(f"{name} is required")
    try:
        value = float(raw)
    except ValueError:
        raise BadQueryError(f"{name} must be a number") from None
    if not math.isfinite(value) or value < 0:
        raise BadQueryError(f"{name} must be a finite number >= 0")
    return value


def _redacted(name: str, value: str) -> str:
    """An Authorization value as the echo reports it: the scheme, the token's length and its
    sha256, never the token. The echo's answer goes back to whoever called, a browser behind
    the gateway included, and a token must never reach a page; a test that knows the token
    can still tell exactly which one arrived."""
    if name != "authorization":
        return value
    scheme, _, credentials = value.strip().partition(" ")
    digest = hashlib.sha256(credentials.strip().encode("latin-1")).hexdigest()
    return f"{scheme} [redacted: {len(credentials.strip())} characters, sha256 {digest}]"


def _received_headers(request: web.Request) -> tuple[dict[str, str], list[list[str]]]:
    """The headers as they arrived: a name -> value map (repeats joined with ", ") and the
    ordered list of pairs, names lower-cased. Raw bytes, so nothing aiohttp folds is lost; only
    an Authorization value is redacted (``_redacted``)."""
    pairs = [[name, _redacted(name, value.decode("latin-1"))]
             for name, value in ((name.decode("latin-1").lower(), value)
                                 for name, value in request.raw_headers)]
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined, pairs


async def echo(request: web.Request) -> web.Response:
    identity = request[IDENTITY]
    size, sha256 = await digest_body(request.content)
    headers, header_list = _received_headers(request)
    path, _, query_string = request.raw_path.partition("?")
    body: dict[str, Any] = {
        "method": request.method,
        "path": path,  # raw, percent-encoding as received
        "raw_path": request.raw_path,
        "tail": request.match_info["tail"],  # decoded, as the router saw it
        "query_string": query_string,
        "query": [[key, value] for key, value in request.query.items()],
        "headers": headers,
        "header_list": header_list,
        "identity": identity.summary(),
        "claims": identity.claims,
        "body": {"bytes": size, "sha256": sha256},
    }
    return web.json_response(body)


async def upload(request: web.Request) -> web.Response:
    size, sha256 = await digest_body(request.content)
    return web.json_response({
        "bytes": size, "sha256": sha256,
        "content_length": request.content_length,
        "transfer_encoding": request.headers.get("Transfer-Encoding"),
    })


async def download(request: web.Request) -> web.StreamResponse:
    size = _number(request, "bytes")
    seed = _number(request, "seed", "0")
    if size != int(size) or size > MAX_DOWNLOAD_BYTES or seed != int(seed):
        raise BadQueryError(f"bytes and seed must be integers, bytes <= {MAX_DOWNLOAD_BYTES}")
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    if request.query.get("chunked", "") in ("1", "true", "yes"):
        response.enable_chunked_encoding()
    else:
        response.content_length = int(size)
    await response.prepare(request)
    for chunk in pseudo_random_chunks(int(size), int(seed)):
        await response.write(chunk)
    await response.write_eof()
    return response


async def public_hello(request: web.Request) -> web.Response:
    return web.json_response({
        "hello": "world",
        "authorization_received": "Authorization" in request.headers,
    })


async def status(request: web.Request) -> web.Response:
    raw = request.match_info["code"]
    if not raw.isdigit() or not 200 <= int(raw) <= 599:
        return error_response(400, "status must be a number from 200 to 599")
    code = int(raw)
    if code in (204, 304):  # these may carry no body
        return web.Response(status=code)
    try:
        reason = HTTPStatus(code).phrase
    except ValueError:
        reason = "Unknown"
    return web.json_response({"status": code, "reason": reason, "from": "demo-upstream"},
                             status=code)


async def slow(request: web.Request) -> web.Response:
    seconds = min(_number(request, "seconds"), MAX_SLOW_SECONDS)
    await asyncio.sleep(seconds)
    return web.json_response({"slept": seconds})


async def set_cookie(request: web.Request) -> web.Response:
    """Two Set-Cookie headers: the gateway must drop every one, not only the first."""
    response = web.json_response({"set_cookie": ["upstream_session", "upstream_tracking"]})
    response.set_cookie("upstream_session", "must-not-reach-the-browser", httponly=True,
                        path="/")
    response.set_cookie("upstream_tracking", "1", path="/")
    return response


async def cache(request: web.Request) -> web.Response:
    """An answer with the Cache-Control the caller names (``?control=public, max-age=60``): how
    the gateway passes an upstream's caching rules on."""
    return web.json_response({"cached": True},
                             headers={"Cache-Control": request.query.get("control", "")})


async def requests(request: web.Request) -> web.Response:
    return web.json_response({"requests": list(request.app[REQUEST_LOG].records)})


async def reset(request: web.Request) -> web.Response:
    request.app[REQUEST_LOG].clear()
    return web.json_response({"requests": []})
