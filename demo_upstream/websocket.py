"""``/ws``: proves the gateway relays WebSocket upgrades with the token and frames both ways.

The token is checked on the upgrade request by the guard middleware; every text frame comes
back prefixed with the token's ``sub``, so a test sees whose token the upstream received.
"""

from __future__ import annotations

from aiohttp import WSMsgType, web

from demo_upstream.appkeys import IDENTITY


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ws", websocket)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    sub = request[IDENTITY].sub
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    await socket.send_json({"hello": sub})
    async for message in socket:
        if message.type == WSMsgType.TEXT:
            await socket.send_str(f"{sub}: {message.data}")
        elif message.type == WSMsgType.BINARY:
            await socket.send_bytes(message.data)
    return socket
