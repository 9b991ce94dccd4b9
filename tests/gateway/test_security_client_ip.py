"""The client IP (Cognito adaptive authentication; oauth2-proxy's X-Forwarded-For advisories):
X-Forwarded-For is believed only when the TCP peer is a configured proxy, and is walked from the
right past every trusted hop. Whatever address comes out goes to Cognito (the emulator's call
log shows what it received and whether it honoured it), to the rate limits and to the log."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestClient

from tests.demo import BLOCKED_IP, PASSWORD, PUBLIC_CLIENT
from tests.gateway.drivers import API_HEADERS, GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import RedisView
from tests.servers import RedisServer

PEER = "127.0.0.1"  # the test client's address, as the gateway sees it

# (trusted proxies, X-Forwarded-For headers, the client IP Cognito must be told)
MATRIX = [
    ("", [], PEER),
    ("", ["198.51.100.7"], PEER),  # nobody vouches for the header: ignored
    ("", ["198.51.100.7, 10.0.0.2"], PEER),
    ("10.0.0.0/8", ["198.51.100.7"], PEER),  # a trusted network, but not the peer's
    ("127.0.0.1/32", [], PEER),
    ("127.0.0.1/32", ["198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1/32", ["203.0.113.9, 198.51.100.7"], "198.51.100.7"),  # rightmost untrusted
    ("127.0.0.1/32", ["203.0.113.9", "198.51.100.7"], "198.51.100.7"),  # two headers, one list
    ("127.0.0.1/32", ["198.51.100.7, 10.0.0.2"], "10.0.0.2"),  # 10/8 is not trusted here
    ("127.0.0.1/32,10.0.0.0/8", ["198.51.100.7, 10.0.0.2"], "198.51.100.7"),
    ("127.0.0.1/32,10.0.0.0/8", ["198.51.100.7, 10.0.0.3, 10.0.0.2"], "198.51.100.7"),
    ("127.0.0.1/32,10.0.0.0/8", ["10.0.0.3, 10.0.0.2"], "10.0.0.3"),  # all trusted: leftmost
    ("127.0.0.1/32", ["not-an-ip"], PEER),  # garbage stops the walk at the last vouched hop
    ("127.0.0.1/32", ["198.51.100.7, garbage"], PEER),
    ("127.0.0.1/32", ["garbage, 198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1/32", ["198.51.100.7:4711"], "198.51.100.7"),
    ("127.0.0.1/32", ["[2001:db8::7]:443"], "2001:db8::7"),
    ("127.0.0.1/32", ["2001:db8::7"], "2001:db8::7"),
    ("127.0.0.1/32", ["::ffff:198.51.100.7"], "198.51.100.7"),
    ("127.0.0.1/32", [" 198.51.100.7 "], "198.51.100.7"),
]


@pytest.mark.parametrize(("trusted", "forwarded", "expected"), MATRIX)
async def test_cognito_rate_limits_and_logs_see_the_same_client_ip(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture, trusted: str, forwarded: list[str], expected: str,
) -> None:
    gateway = await make_gateway(trusted_proxies=trusted)
    headers = [("X-CSRF", "1"), *(("X-Forwarded-For", value) for value in forwarded)]
    caplog.set_level(logging.INFO, logger="gateway")

    signed_in = await gateway.post("/auth/login", headers=headers,
                                   json={"username": "password-user", "password": PASSWORD})
    assert signed_in.status == 200
    refused = await gateway.post("/auth/login", headers=headers,
                                 json={"username": "password-user", "password": "Wrong-Pa55!"})
    assert refused.status == 401

    calls = [c for c in await hooks.calls()
             if c["operation"] in {"InitiateAuth", "RespondToAuthChallenge"}]
    assert len(calls) == 4
    for call in calls:
        assert call["user_context_data"]["IpAddress"] == expected
        assert call["ip_honoured"] is True  # a client with a secret and propagation enabled
        assert call["effective_ip"] == expected
    async with RedisView(redis_server.url) as redis:
        assert await redis.keys("gw:rl:ip:*") == [f"gw:rl:ip:{expected}"]
    logged = [getattr(r, "client_ip", None) for r in caplog.records if r.getMessage() == "request"]
    assert logged == [expected, expected]


async def test_an_address_on_cognitos_block_list_counts_only_through_a_trusted_proxy(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    async def sign_in(gateway: TestClient) -> int:
        response = await gateway.post(
            "/auth/login", json={"username": "password-user", "password": PASSWORD},
            headers={**API_HEADERS, "X-Forwarded-For": BLOCKED_IP})
        return response.status

    # Straight from the internet, the header is the client's own claim and means nothing.
    assert await sign_in(await make_gateway()) == 200
    # Through our proxy it is the client's address, and Cognito's risk rules refuse it.
    assert await sign_in(await make_gateway(trusted_proxies="127.0.0.1/32")) == 401
    blocked = (await hooks.calls("InitiateAuth"))[-1]
    assert (blocked["effective_ip"], blocked["error"]) == (BLOCKED_IP, "NotAuthorizedException")


async def test_a_public_client_sends_the_ip_but_cognito_does_not_honour_it(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(client_id=PUBLIC_CLIENT, client_secret="",
                                 trusted_proxies="127.0.0.1/32")
    response = await gateway.post(
        "/auth/login", json={"username": "password-user", "password": PASSWORD},
        headers={**API_HEADERS, "X-Forwarded-For": BLOCKED_IP})
    # Cognito judges by the gateway's own address instead, which is not blocked.
    assert response.status == 200
    for call in await hooks.calls("InitiateAuth"):
        assert call["user_context_data"]["IpAddress"] == BLOCKED_IP
        assert (call["ip_honoured"], call["effective_ip"]) == (False, PEER)
