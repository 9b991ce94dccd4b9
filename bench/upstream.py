"""The relay benchmark's upstream: ``python -m bench.upstream --port P`` (``--help``).

A minimal aiohttp API that checks nothing (unlike ``demo_upstream``, which verifies every
token with pyjwt), so that what the benchmark measures is the relay in front of it, not the
upstream. The gateway and the pass-through baseline both call this same process.

- ``GET /echo/{anything}``: a small JSON answer: the path, whether a bearer token came, and a
  short hash of the Authorization header (which token it was, without echoing it);
- ``GET /blob?bytes=N``: N bytes (zeros), streamed in 64 KiB chunks with a Content-Length;
- ``POST|PUT /upload``: reads the body as it comes, keeps nothing, answers ``{"bytes": n}``;
- ``GET /healthz``: 200, for readiness.

No access log: a line per request would cost the upstream more than its answers do.
"""

from __future__ import annotations

import argparse
import hashlib

from aiohttp import web

CHUNK = 64 * 1024
_ZEROS = bytes(CHUNK)


async def echo(request: web.Request) -> web.Response:
    authorization = request.headers.get("Authorization", "")
    return web.json_response({
        "path": request.path,
        "bearer": authorization.startswith("Bearer "),
        "token": hashlib.sha256(authorization.encode()).hexdigest()[:12],
    })


async def blob(request: web.Request) -> web.StreamResponse:
    try:
        remaining = int(request.query.get("bytes", "0"))
    except ValueError:
        raise web.HTTPBadRequest(text="bytes must be a number") from None
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = remaining
    await response.prepare(request)
    view = memoryview(_ZEROS)
    while remaining > 0:
        size = min(remaining, CHUNK)
        await response.write(view[:size])
        remaining -= size
    await response.write_eof()
    return response


async def upload(request: web.Request) -> web.Response:
    count = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        count += len(chunk)
    return web.json_response({"bytes": count})


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def make_app() -> web.Application:
    app = web.Application(client_max_size=1024**4)
    app.router.add_get("/echo/{tail:.*}", echo)
    app.router.add_get("/blob", blob)
    app.router.add_route("POST", "/upload", upload)
    app.router.add_route("PUT", "/upload", upload)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.upstream", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args(argv)
    web.run_app(make_app(), host=args.host, port=args.port, access_log=None,
                print=lambda *_: None)


if __name__ == "__main__":
    main()
