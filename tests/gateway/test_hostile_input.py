"""Hostile input (ASVS 13.1, 5.1): bodies that are compressed, slow, malformed or not text, sent
to the gateway over HTTP with the real emulator and Redis behind it. Each is refused with its
face's usual error (JSON under /auth, a page elsewhere), before Cognito is called, and logged
as one refusal at INFO without a traceback."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import zlib
from functools import cache
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS, GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import error_code
from tests.gateway.raw import RawResponse, read_response, request_head

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@cache
def gzip_bomb(mebibytes: int = 64) -> bytes:
    """Zeros, gzipped: about a thousandth of their size on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join([*(compressor.compress(zeros) for _ in range(mebibytes)),
                     compressor.flush()])


async def refusal(response: ClientResponse | RawResponse) -> tuple[int, str | None]:
    """(status, error code) of an answer, read the way its face writes it."""
    if isinstance(response, RawResponse):
        content_type, text = response.headers.get("content-type", ""), response.text
    else:
        content_type, text = response.headers.get("Content-Type", ""), await response.text()
    if content_type.startswith(JSON):
        return response.status, json.loads(text)["error"]["code"]
    assert content_type.startswith("text/html"), content_type
    return response.status, error_code(text)


def assert_quiet_refusal(caplog: pytest.LogCaptureFixture, code: str) -> None:
    """One refusal line at INFO with the code, and nothing at ERROR or with a traceback."""
    records = caplog.records
    loud = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    assert any(r.getMessage().startswith("refused:") and r.levelno == logging.INFO
               and getattr(r, "code", None) == code for r in records)


# --- compressed bodies ----------------------------------------------------------------------------

# Every kind of route: a page form, the API, a route that takes no body at all.
ROUTES = [
    ("POST", "/login", FORM, "text/html"),
    ("POST", "/login/cancel", FORM, "text/html"),
    ("POST", "/auth/login", JSON, JSON),
    ("POST", "/auth/logout", JSON, JSON),
    ("GET", "/healthz", JSON, "text/html"),
]


@pytest.mark.parametrize(("method", "path", "content_type", "answered_as"), ROUTES)
@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd", "x-gzip", "identity, gzip"])
async def test_a_compressed_body_is_refused_unread_on_every_route(
    gateway: TestClient, hooks: EmulatorHooks, caplog: pytest.LogCaptureFixture,
    method: str, path: str, content_type: str, answered_as: str, coding: str,
) -> None:
    caplog.set_level(logging.INFO)
    # 64 MiB inflated, 64 KiB sent. Whether the server inflated any of it shows in its
    # liveness (test_hostile_server.py): a middleware refusing it is not enough on its own.
    response = await gateway.request(
        method, path, data=gzip_bomb(),
        headers={**API_HEADERS, "Content-Type": content_type, "Content-Encoding": coding},
    )
    assert response.headers["Content-Type"].startswith(answered_as)
    assert await refusal(response) == (415, "unsupported_media_type")
    assert await hooks.calls() == []
    assert_quiet_refusal(caplog, "unsupported_media_type")


@pytest.mark.parametrize(("path", "content_type"), [("/login", FORM), ("/auth/login", JSON)])
async def test_a_broken_gzip_body_is_refused_like_any_compressed_one(
    gateway: TestClient, caplog: pytest.LogCaptureFixture, path: str, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    broken = gzip.compress(b'{"username": "a"}')[:-12] + b"\x00" * 12
    response = await gateway.post(path, data=broken, headers={
        **API_HEADERS, "Content-Type": content_type, "Content-Encoding": "gzip"})
    assert await refusal(response) == (415, "unsupported_media_type")
    assert_quiet_refusal(caplog, "unsupported_media_type")


async def test_an_identity_coded_body_is_read_as_usual(gateway: TestClient) -> None:
    response = await gateway.post(
        "/auth/login", data=json.dumps({"username": "password-user", "password": PASSWORD}),
        headers={**API_HEADERS, "Content-Type": JSON, "Content-Encoding": "identity"},
    )
    assert response.status == 200
    assert (await response.json())["status"] == "authenticated"


# --- text that cannot be encoded ------------------------------------------------------------------


async def api_login(gateway: TestClient, username: str, password: str) -> ClientResponse:
    # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile client would.
    return await gateway.post("/auth/login", headers={**API_HEADERS, "Content-Type": JSON},
                              data=json.dumps({"username": username, "password": password}))


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "error": {k: v for k, v in body["error"].items() if k != "request_id"}}


@pytest.mark.parametrize(("field", "hostile"), [
    ("password", "\ud800"),
    ("password", PASSWORD + "\udfff"),
    ("username", "\ud800"),
])
async def test_text_that_is_not_utf8_is_refused_alike_for_every_username_before_cognito(
    gateway: TestClient, hooks: EmulatorHooks, field: str, hostile: str
) -> None:
    answers = []
    for username in ("password-user", "nobody-has-this-name"):
        fields = {"username": username, "password": PASSWORD, field: hostile}
        response = await api_login(gateway, fields["username"], fields["password"])
        answers.append((response.status, without_request_id(await response.json())))
    known, unknown = answers
    assert known == unknown
    status, body = known
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_request", field)
    assert await hooks.calls() == []


async def test_a_challenge_answer_that_is_not_utf8_is_refused_naming_its_field(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    response = await gateway.post("/auth/challenge", headers=API_HEADERS, json={
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": "12\udc80"}})
    body = await response.json()
    assert (response.status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_request", "code")
    response = await gateway.post("/auth/challenge", headers=API_HEADERS, json={
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"\ud800": "123456"}})
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (400, "invalid_request")
    assert "field" not in body["error"]  # a name that cannot be written is not echoed
    assert await hooks.calls() == []


# --- malformed bodies -----------------------------------------------------------------------------

DEEP = b"[" * 90_000
MALFORMED = [
    # (path, content type, body, status, code)
    ("/auth/login", JSON, DEEP, 400, "invalid_request"),
    ("/auth/challenge", JSON, b'{"answers": ' + DEEP + b"]" * 90_000 + b"}", 400,
     "invalid_request"),
    ("/auth/login", JSON + "; charset=no-such-charset", b"{}", 415, "unsupported_media_type"),
    ("/auth/login", JSON + "; charset=utf-16", '{"username": "a"}'.encode("utf-16"), 415,
     "unsupported_media_type"),
    ("/auth/login", JSON, b'{"username": "\xff\xfe", "password": "x"}', 400, "invalid_request"),
    ("/login", FORM + "; charset=no-such-charset", b"username=a&password=b", 415,
     "unsupported_media_type"),
    ("/login", FORM + "; charset=utf-7", b"username=+AGEAYgBj-&password=b", 415,
     "unsupported_media_type"),
    ("/login", FORM, b"username=\xff\xfe\xfd&password=b", 400, "invalid_request"),
    ("/login", FORM, b"username=\xed\xa0\x80&password=b", 400, "invalid_request"),  # a surrogate
]


@pytest.mark.parametrize(("path", "content_type", "body", "status", "code"), MALFORMED,
                         ids=lambda value: value if isinstance(value, str) else None)
async def test_a_malformed_body_is_a_refusal_logged_at_info_without_a_traceback(
    gateway: TestClient, hooks: EmulatorHooks, caplog: pytest.LogCaptureFixture,
    path: str, content_type: str, body: bytes, status: int, code: str,
) -> None:
    caplog.set_level(logging.INFO)
    response = await gateway.post(path, data=body,
                                  headers={**API_HEADERS, "Content-Type": content_type})
    assert await refusal(response) == (status, code)
    assert await hooks.calls() == []
    assert_quiet_refusal(caplog, code)


# --- bodies that never arrive ---------------------------------------------------------------------

TIMEOUT = 1.0


@pytest.fixture
async def impatient(make_gateway: GatewayFactory) -> TestClient:
    return await make_gateway(body_timeout=str(TIMEOUT))


async def slow_request(client: TestClient, path: str, content_type: str, *,
                       drip_every: float | None) -> tuple[float, RawResponse]:
    """Announce a 64-byte body, then send none of it (or a byte every ``drip_every`` seconds,
    which would take a minute): how long until the answer, and the answer."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(request_head("POST", path, "X-CSRF: 1", f"Content-Type: {content_type}",
                              "Content-Length: 64"))

    async def drip(every: float) -> None:
        for _ in range(64):
            await asyncio.sleep(every)
            writer.write(b"x")

    started = loop.time()
    dripping = asyncio.create_task(drip(drip_every)) if drip_every else None
    try:
        response = await asyncio.wait_for(read_response(reader), 10 * TIMEOUT)
    finally:
        if dripping:
            dripping.cancel()
        writer.close()
    return loop.time() - started, response


@pytest.mark.parametrize("drip_every", [None, 0.2], ids=["nothing", "a-byte-at-a-time"])
@pytest.mark.parametrize(("path", "content_type"), [("/login", FORM), ("/auth/login", JSON)])
async def test_a_body_that_does_not_arrive_in_time_is_answered_408_and_the_connection_closed(
    impatient: TestClient, hooks: EmulatorHooks, caplog: pytest.LogCaptureFixture,
    path: str, content_type: str, drip_every: float | None,
) -> None:
    caplog.set_level(logging.INFO)
    waited, response = await slow_request(impatient, path, content_type, drip_every=drip_every)
    assert await refusal(response) == (408, "request_timeout")
    assert response.headers["connection"] == "close"
    # Answered at the timeout: not before it, and within a small multiple of it.
    assert 1 <= waited / TIMEOUT < 3
    assert await hooks.calls() == []
    assert_quiet_refusal(caplog, "request_timeout")


# --- what the server says about itself ------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/login"), ("GET", "/healthz"), ("GET", "/auth/session"), ("GET", "/nowhere"),
    ("GET", "/auth/openapi.json"), ("POST", "/auth/login"),
])
async def test_no_response_names_the_server_software_or_its_version(
    gateway: TestClient, method: str, path: str
) -> None:
    response = await gateway.request(method, path, headers=API_HEADERS)
    assert response.headers["Server"] == "cognito-gateway"


async def test_a_static_file_does_not_name_the_server_software_either(gateway: TestClient) -> None:
    page = await gateway.get("/login")
    stylesheet = next(part.split('"')[0] for part in (await page.text()).split('href="')[1:]
                      if part.startswith("/static/"))
    response = await gateway.get(stylesheet)
    assert response.status == 200
    assert response.headers["Server"] == "cognito-gateway"
