"""The relay benchmark's baseline: ``python -m bench.passthrough --port P --upstream URL``.

An unauthenticated aiohttp pass-through relay, in one process: every request to ``/X`` is
sent to ``URL/X`` (query included) through one ``aiohttp.ClientSession`` with a keep-alive
pool, and the answer streamed back, bodies both ways in 64 KiB chunks, never read whole. No
session, no token, no cookie, no CSRF rule, no log line: what any aiohttp relay costs, so that
the gateway's figures can be read as that plus what the gateway adds. Its client is set up as
the gateway's relay sets up its own (pool of 256, no cookie jar, no decoding, no automatic
headers), and so is its answer (a StreamResponse with the upstream's Content-Length).

``GET /_passthrough/ready`` answers 200 itself, for readiness.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from yarl import URL

CHUNK = 64 * 1024
CLIENT: web.AppKey[aiohttp.ClientSession] = web.AppKey("client", aiohttp.ClientSession)
TARGET: web.AppKey[URL] = web.AppKey("target", URL)
# RFC 9110 section 7.6.1's hop-by-hop fields, plus those the client library sets itself.
_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                  "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                  "host", "content-length"})


async def relay(request: web.Request) -> web.StreamResponse:
    client = request.app[CLIENT]
    url = request.app[TARGET].join(URL(request.raw_path, encoded=True))
    headers = {name: value for name, value in request.headers.items()
               if name.lower() not in _HOP}
    if request.content_length is not None:
        headers["Content-Length"] = str(request.content_length)
    body = request.content if request.body_exists else None
    try:
        upstream = await client.request(request.method, url, headers=headers, data=body,
                                        allow_redirects=False, compress=False)
    except aiohttp.ClientError as error:
        raise web.HTTPBadGateway(text=type(error).__name__) from None
    try:
        response = web.StreamResponse(
            status=upstream.status, reason=upstream.reason,
            headers={name: value for name, value in upstream.headers.items()
                     if name.lower() not in _HOP})
        length = upstream.headers.get("Content-Length")
        if length is not None and length.isdigit():
            response.content_length = int(length)
        await response.prepare(request)
        async for chunk in upstream.content.iter_chunked(CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        upstream.release()


async def ready(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def make_app(upstream: str) -> web.Application:
    app = web.Application(client_max_size=1024**4)
    app[TARGET] = URL(upstream)

    async def client_context(app: web.Application) -> AsyncIterator[None]:
        app[CLIENT] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30),
        )
        yield
        await app[CLIENT].close()

    app.cleanup_ctx.append(client_context)
    app.router.add_get("/_passthrough/ready", ready)
    app.router.add_route("*", "/{tail:.*}", relay)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.passthrough", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--upstream", required=True, help="base URL, e.g. http://127.0.0.1:9100/")
    args = parser.parse_args(argv)
    web.run_app(make_app(args.upstream), host=args.host, port=args.port, access_log=None,
                print=lambda *_: None)


if __name__ == "__main__":
    main()
