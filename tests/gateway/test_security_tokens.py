"""Tokens stay server-side (ASVS 10.1.1; OAuth 2.0 for Browser-Based Applications, BFF): no JWT
and no Cognito Session ever reaches the browser, in any header or body of any flow, and what
Redis holds is sealed, so a dump of it reveals neither."""

from __future__ import annotations

import pytest

from tests.gateway.drivers import GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.journeys import every_demo_flow
from tests.gateway.observe import RedisView, jwts_in, leaked
from tests.servers import RedisServer


@pytest.mark.parametrize("face", ["html", "json"])
async def test_no_token_or_cognito_session_reaches_the_browser_or_sits_in_redis_in_clear(
    face: str, make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    run = await every_demo_flow(face, make_gateway, hooks, pending=True)
    tokens = {t for traffic in run.traffic for t in traffic.tokens()}
    sessions = {s for traffic in run.traffic for s in traffic.sessions()}
    # The TOTP secret being enrolled is meant for the person's eyes; everything else Cognito
    # and the gateway exchanged (SRP values, SECRET_HASH, tokens, Sessions) is not.
    server_only = run.cognito_secrets() - run.totp_secrets - run.typed
    assert len(tokens) >= 3 * 10 and len(sessions) >= 10
    assert tokens | sessions <= server_only

    for response in run.responses:
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        text = headers + "\n" + (await response.read()).decode("utf-8", "replace")
        assert jwts_in(text) == [], (response.method, response.url)
        assert leaked(text, server_only) == [], (response.method, response.url)

    # Signed-in sessions and a sign-in waiting at a code step are in Redis right now.
    async with RedisView(redis_server.url) as redis:
        keys = await redis.keys()
        dump = await redis.dump()
    assert sum(k.startswith("gw:session:") for k in keys) >= 10
    assert any(k.startswith("gw:flow:") for k in keys)
    stored = "\n".join(f"{k} {v.decode('latin-1')}" for k, v in dump.items())
    assert leaked(stored, tokens | sessions | run.totp_secrets) == []
    assert jwts_in(stored) == []
    for field in ("access_token", "refresh_token", "session", "challenge"):
        assert f'"{field}"' not in stored  # not even the shape of a record in clear
