"""The API relay, end to end: a real gateway, Redis, the emulator and the demo upstream (which
verifies every token against the emulator's JWKS and logs every request it gets, so "never
reached the upstream" is the upstream's own word). What the upstream receives, what the
browser gets back, streaming both ways, the path tricks, routes' groups, methods and anonymous
calls, upstream failures, and sign-out stopping relayed calls on two instances at once."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from demo_upstream import pseudo_random_chunks
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import API_HEADERS, GatewayFactory, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.raw import RawResponse, read_response, request_head
from tests.servers import EmulatorProcess, free_port
from tests.upstream.support import running_upstream


@pytest.fixture
async def upstream(emulator: EmulatorProcess) -> AsyncIterator[TestServer]:
    async with running_upstream(emulator.url) as server:
        yield server


def routes(upstream: TestServer, **extra: dict[str, Any]) -> str:
    base = str(upstream.make_url("/"))
    return json.dumps({
        "/api/": {"url": base},
        "/id/": {"url": base, "token": "id"},
        "/ro/": {"url": base, "methods": ["GET"]},
        "/nobody/": {"url": base, "groups": ["nobody-is-in-this-group"]},
        "/open/": {"url": base + "public/", "anonymous": True},
        "/quick/": {"url": base, "timeout": 0.5},
        "/down/": {"url": f"http://127.0.0.1:{free_port()}/"},
        "/ws/": {"url": base, "websocket": True},
        **extra,
    })


async def relay_gateway(make_gateway: GatewayFactory, upstream: TestServer,
                        **overrides: str) -> TestClient:
    return await make_gateway(upstreams=routes(upstream), **overrides)


async def signed_in(gateway: TestClient, username: str = PASSWORD_USER) -> JsonDriver:
    driver = JsonDriver(gateway)
    assert (await driver.login(username, PASSWORD)).signed_in
    return driver


async def reached(upstream: TestServer) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(
            upstream.make_url("/_upstream/requests")) as reply:
        return [r for r in (await reply.json())["requests"]
                if not r["path"].startswith("/_upstream")]


async def test_without_a_session_a_call_is_401_json_and_reaches_nothing(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    reply = await gateway.get("/api/echo/x", headers=API_HEADERS, allow_redirects=False)
    assert reply.status == 401
    assert (await reply.json())["error"]["code"] == "not_signed_in"
    refused = await gateway.get("/api/echo/x", allow_redirects=False)  # no X-CSRF
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "csrf_failed"
    assert await reached(upstream) == []


async def test_what_the_upstream_receives(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    await signed_in(gateway)
    hostile = {
        **API_HEADERS, "Authorization": "Bearer forged", "X-Forwarded-For": "6.6.6.6",
        "X_Forwarded_For": "6.6.6.7", "Forwarded": "for=6.6.6.8", "X-Real-IP": "6.6.6.9",
        "X-Forwarded-Host": "evil.example", "Connection": "keep-alive, X-Hop",
        "X-Hop": "secret", "Proxy-Authorization": "Basic eA==", "X-Request-Id": "mine",
        "X-App": "kept",
    }
    reply = await gateway.get("/api/echo/a/b?q=1", headers=hostile)
    assert reply.status == 200, await reply.text()
    echo = await reply.json()
    assert (echo["method"], echo["raw_path"]) == ("GET", "/echo/a/b?q=1")
    # The path and query travel as the browser encoded them: an encoded "&" stays one value.
    exact = json.loads((await raw_get(gateway, "/api/echo/a%20b?q=x%26y=z&r=%2F")).body)
    assert exact["raw_path"] == "/echo/a%20b?q=x%26y=z&r=%2F"
    assert exact["query"] == [["q", "x&y=z"], ["r", "/"]]
    headers = echo["headers"]
    assert echo["identity"]["token_use"] == "access"  # verified against the emulator's JWKS
    assert echo["identity"]["username"] == PASSWORD_USER
    assert "cookie" not in headers and "x-csrf" not in headers
    assert not {"x-hop", "proxy-authorization", "forwarded", "x-real-ip",
                "x_forwarded_for"} & set(headers)
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == f"127.0.0.1:{gateway.port}"
    assert headers["x-request-id"] == reply.headers["X-Request-Id"] != "mine"
    assert headers["x-app"] == "kept"
    # The ID token where the route asks for it.
    echo = await (await gateway.get("/id/echo/x", headers=API_HEADERS)).json()
    assert echo["identity"]["token_use"] == "id"


async def test_what_the_browser_gets_back(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    await signed_in(gateway)
    reply = await gateway.get("/api/set-cookie", headers=API_HEADERS)
    assert reply.status == 200
    assert "Set-Cookie" not in reply.headers  # the upstream sent two
    for status in (404, 418, 500, 503):
        passed = await gateway.get(f"/api/status/{status}", headers=API_HEADERS)
        assert passed.status == status  # the upstream's own answer, passed through
    assert (await reached(upstream))[-1]["status"] == 503


async def test_bodies_stream_both_ways(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    await signed_in(gateway)
    size = 24 * 1024 * 1024  # far above the gateway's own body limit (192 KiB)

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in pseudo_random_chunks(size, 7):
            yield chunk

    expected = hashlib.sha256(b"".join(pseudo_random_chunks(size, 7))).hexdigest()
    chunked = await (await gateway.post("/api/upload", data=chunks(), headers=API_HEADERS)).json()
    assert (chunked["bytes"], chunked["sha256"]) == (size, expected)
    assert chunked["transfer_encoding"] == "chunked"
    body = b"".join(pseudo_random_chunks(1_000_000, 3))
    sized = await (await gateway.post("/api/upload", data=body, headers=API_HEADERS)).json()
    assert (sized["bytes"], sized["content_length"]) == (len(body), len(body))
    assert sized["sha256"] == hashlib.sha256(body).hexdigest()
    for query in ("", "&chunked=1"):
        download = await gateway.get(f"/api/download?bytes={size}&seed=7{query}",
                                     headers=API_HEADERS)
        digest, got = hashlib.sha256(), 0
        async for chunk in download.content.iter_chunked(1 << 16):
            digest.update(chunk)
            got += len(chunk)
        assert (got, digest.hexdigest()) == (size, expected)
        assert ("Content-Length" in download.headers) is (query == "")


PATH_TRICKS = [
    "/api/../api/echo/x", "/api/%2e%2e/echo", "/api/.%2E/echo", "/api/echo/%2F..%2Fadmin",
    "/api/echo%5c..%5cadmin", "/api//echo", "/api/echo/%252e%252e/x", "/api/echo/%00",
    "/api", "/api%2Fecho",
]


async def raw_get(gateway: TestClient, target: str) -> RawResponse:
    """GET ``target`` exactly as written (an HTTP client would normalise it first), with the
    browser's cookies and the API header."""
    cookies = "; ".join(f"{c.key}={c.value}" for c in gateway.session.cookie_jar)
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    writer.write(request_head("GET", target, "X-CSRF: 1", f"Cookie: {cookies}",
                              "Connection: close"))
    await writer.drain()
    try:
        return await read_response(reader)
    finally:
        writer.close()


@pytest.mark.parametrize("path", PATH_TRICKS)
async def test_path_tricks_reach_no_upstream(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks, path: str
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    await signed_in(gateway)
    assert (await raw_get(gateway, "/api/echo/fine")).status == 200  # the way in works
    answer = await raw_get(gateway, path)
    assert answer.status in {400, 404}, (path, answer.status, answer.body[:200])
    assert [r["path"] for r in await reached(upstream)] == ["/echo/fine"]


async def test_an_absolute_form_target_reaches_no_upstream(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    await signed_in(gateway)
    answer = await raw_get(gateway, f"http://127.0.0.1:{upstream.port}/api/echo/x")
    assert answer.status != 200, answer.body[:200]
    assert await reached(upstream) == []


async def test_methods_groups_and_anonymous_routes(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    anonymous = await gateway.get("/open/hello", headers=API_HEADERS)
    assert anonymous.status == 200
    assert (await anonymous.json())["authorization_received"] is False
    await signed_in(gateway)
    assert (await gateway.get("/ro/echo/x", headers=API_HEADERS)).status == 200
    refused = await gateway.post("/ro/echo/x", headers=API_HEADERS, json={})
    assert refused.status == 405
    assert (await refused.json())["error"]["code"] == "method_not_allowed"
    outsider = await gateway.get("/nobody/echo/x", headers=API_HEADERS)
    assert outsider.status == 403 and (await outsider.json())["error"]["code"] == "forbidden"
    # Signed in, an anonymous route sends the token along.
    assert (await (await gateway.get("/open/hello", headers=API_HEADERS)).json())[
        "authorization_received"] is True
    assert [r["path"] for r in await reached(upstream)] == [
        "/public/hello", "/echo/x", "/public/hello"]


async def test_upstream_failures_are_json_and_keep_the_session(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    driver = await signed_in(gateway)
    down = await gateway.get("/down/x", headers=API_HEADERS)
    assert down.status == 502
    body = await down.json()
    assert body["error"]["code"] == "upstream_unavailable"
    assert body["error"]["request_id"] == down.headers["X-Request-Id"]
    slow = await gateway.get("/quick/slow?seconds=3", headers=API_HEADERS)
    assert slow.status == 504 and (await slow.json())["error"]["code"] == "upstream_timeout"
    assert await driver.session() is not None  # still signed in


async def test_sign_out_stops_relayed_calls_on_every_instance(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    first = await relay_gateway(make_gateway, upstream)
    second = await relay_gateway(make_gateway, upstream)
    driver = await signed_in(first)
    # The same browser (cookies) on another instance behind the same load balancer.
    second.session.cookie_jar.update_cookies(
        {c.key: c.value for c in first.session.cookie_jar}, second.make_url("/"))
    assert (await second.get("/api/echo/x", headers=API_HEADERS)).status == 200
    await driver.logout()
    first_after = await first.get("/api/echo/x", headers=API_HEADERS)
    second_after = await second.get("/api/echo/x", headers=API_HEADERS)
    assert (first_after.status, second_after.status) == (401, 401)
    assert len(await reached(upstream)) == 1


async def test_sign_out_everywhere_stops_every_session(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    laptop = await relay_gateway(make_gateway, upstream)
    phone = await relay_gateway(make_gateway, upstream)
    await signed_in(laptop)
    phone_driver = await signed_in(phone)
    status, _ = await phone_driver.call("POST", "/auth/logout", {"everywhere": True})
    assert status == 204
    assert (await laptop.get("/api/echo/x", headers=API_HEADERS)).status == 401


async def test_a_websocket_echoes_and_closes_at_sign_out(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    driver = await signed_in(gateway)
    origin = f"http://127.0.0.1:{gateway.port}"
    foreign = await gateway.session.get(gateway.make_url("/ws/ws"), headers={
        "Origin": "https://evil.example", "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"})
    assert foreign.status == 403  # cross-site WebSocket hijacking refused
    socket = await gateway.session.ws_connect(gateway.make_url("/ws/ws"),
                                              headers={"Origin": origin})
    hello = await socket.receive_json(timeout=5)
    sub = hello["hello"]
    await socket.send_str("hi")
    assert await socket.receive_str(timeout=5) == f"{sub}: hi"
    await driver.logout()
    closing = await socket.receive(timeout=10)
    assert closing.type in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}
    assert socket.close_code == 1008
    await socket.close()


async def test_a_websocket_route_still_needs_a_session(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await gateway.session.ws_connect(gateway.make_url("/ws/ws"))
    assert refused.value.status == 401
    assert (await reached(upstream)) == []


async def test_an_answer_to_a_personal_call_is_never_shared_by_a_cache(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await relay_gateway(make_gateway, upstream)
    anonymous = await gateway.get("/open/hello", headers=API_HEADERS)
    assert anonymous.headers["Cache-Control"] == "no-store"  # the upstream set none
    await signed_in(gateway)
    for sent, received in (("public, max-age=60", "private, max-age=60"),
                           ("max-age=60", "private, max-age=60"),
                           ("no-store", "no-store"), ("private, no-cache", "private, no-cache")):
        reply = await gateway.get(f"/api/cache?control={sent}", headers=API_HEADERS)
        assert reply.status == 200, await reply.text()
        assert reply.headers["Cache-Control"] == received, sent


async def test_a_public_route_serves_pages_without_the_header_and_nothing_else_does(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    base = str(upstream.make_url("/"))
    routes = json.dumps({"/pub/": {"url": base + "public/", "anonymous": True, "token": "none"},
                         "/anon/": {"url": base + "public/", "anonymous": True}})
    gateway = await make_gateway(upstreams=routes)
    await signed_in(gateway)
    page = await gateway.get("/pub/hello")  # as a browser loads a page: no X-CSRF
    assert page.status == 200
    assert (await page.json())["authorization_received"] is False  # nobody's token
    posted = await gateway.post("/pub/hello", data=b"x")
    assert posted.status == 403  # writes still need the header
    # An anonymous route that sends a signed-in person's token is not public.
    assert (await gateway.get("/anon/hello")).status == 403
