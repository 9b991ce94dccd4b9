"""Request bodies are taken in whole before any handler runs: uncompressed, no larger than the
application's limit (413), and within ``GATEWAY_BODY_TIMEOUT`` of the headers (408).

Compressed bodies are refused (415) unread. aiohttp would inflate one as it arrives, on the
event loop, and keep inflating while it drains the rest of a body it refused; the server is
therefore told never to decode any (``auto_decompress=False`` in :func:`gateway.app.create_app`),
and a body that says it is encoded is refused here, since no part of the gateway takes one.

The time limit covers the whole body, not the gap between two bytes: a client that announces a
body and dribbles it a byte every few seconds holds a connection no longer than one that sends
nothing. Handlers then read the body from memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import errors
from gateway.keys import ROOT_APP, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _encoded(request: web.Request) -> bool:
    codings = (
        coding.strip().lower()
        for header in request.headers.getall("Content-Encoding", [])
        for coding in header.split(",")
    )
    return any(coding not in {"", "identity"} for coding in codings)


@web.middleware
async def whole_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Registered on each face's application, like the cross-site rule: the gateway's own
    middlewares also wrap the sub-application's requests, and leave those to its copy, which
    sits inside that face's error rendering (JSON under ``/auth``)."""
    served_by_a_subapp = request.match_info.apps[-1] is not request.app
    if request.body_exists and not served_by_a_subapp:
        if _encoded(request):
            raise errors.UnsupportedMediaType("compressed body refused unread")
        timeout = request[ROOT_APP][SETTINGS].http.body_timeout
        try:
            async with asyncio.timeout(timeout):
                await request.read()
        except TimeoutError:
            raise errors.RequestTimeout(f"body not complete within {timeout:g} s") from None
        except ConnectionResetError:
            # The client left mid-body: nobody is there to answer, and nothing went wrong here.
            raise errors.InvalidRequest("client left before its body was complete") from None
    return await handler(request)
