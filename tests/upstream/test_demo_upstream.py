"""The demo upstream against real tokens from the emulator: it accepts what Cognito issued,
refuses what it did not (or no longer vouches for), streams both ways, and records every
request that reached it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from demo_upstream import pseudo_random_chunks
from demo_upstream.appkeys import JWKS
from tests.demo import CLIENT, PASSWORD_USER, POOL
from tests.servers import ROOT, EmulatorProcess, free_port
from tests.upstream.support import emulator_hook, issuer, jwks_url, running_upstream, sign_in

MB = 1024 * 1024


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tokens(emulator: EmulatorProcess) -> dict[str, Any]:
    return sign_in(emulator.url)


@pytest.fixture(scope="module")
def expired_tokens(emulator: EmulatorProcess) -> dict[str, Any]:
    """Tokens issued two hours ago by the emulator's clock: expired by the upstream's (the
    upstream checks exp against real time). The clock is put back at once, so tokens signed
    in later in the session are current."""
    emulator_hook(emulator.url, "/_emulator/clock", {"offset_seconds": -7200})
    try:
        return sign_in(emulator.url)
    finally:
        emulator_hook(emulator.url, "/_emulator/reset")


@pytest.fixture(scope="module")
def forger() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def upstream(emulator: EmulatorProcess) -> AsyncIterator[TestServer]:
    async with running_upstream(emulator.url) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def forge(token: str, key: rsa.RSAPrivateKey, **changes: Any) -> str:
    """``token``'s claims, changed and signed with ``key`` under the real kid (unless
    ``kid`` is among the changes)."""
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    kid = claims.pop("kid", jwt.get_unverified_header(token)["kid"])
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def get_json(http: aiohttp.ClientSession, url: Any, **kwargs: Any
                   ) -> tuple[int, Any]:
    async with http.get(url, **kwargs) as reply:
        return reply.status, await reply.json()


# --- accepted tokens --------------------------------------------------------------------------

async def test_access_token_is_accepted_and_its_claims_echoed(
        upstream: TestServer, http: aiohttp.ClientSession, tokens: dict[str, Any]) -> None:
    body = b"hello upstream"
    headers = {**bearer(tokens["AccessToken"]), "X-Forwarded-For": "203.0.113.7",
               "X-Request-Id": "req-1", "Cookie": "leak=1"}
    async with http.post(upstream.make_url("/echo/a%2Fb/c?x=1&y=%20z"), data=body,
                         headers=headers) as reply:
        assert reply.status == 200
        echo = await reply.json()
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo/a%2Fb/c"  # raw: the %2F is not decoded
    assert echo["query_string"] == "x=1&y=%20z"
    assert echo["query"] == [["x", "1"], ["y", " z"]]
    assert echo["headers"]["x-forwarded-for"] == "203.0.113.7"
    assert echo["headers"]["x-request-id"] == "req-1"
    assert echo["headers"]["cookie"] == "leak=1"  # the echo shows one if a relay forwards it
    assert all(name == name.lower() for name in echo["headers"])
    assert echo["body"] == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    identity = echo["identity"]
    assert identity["token_use"] == "access"
    assert identity["username"] == PASSWORD_USER
    assert identity["client_id"] == CLIENT
    assert identity["sub"] == echo["claims"]["sub"]
    assert identity["exp"] > time.time()
    assert echo["claims"]["iss"].endswith(f"/{POOL}")


def upstream_emulator_url(tokens: dict[str, Any]) -> str:
    iss = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})["iss"]
    return str(iss).rsplit("/", 1)[0]


async def test_id_token_is_accepted(upstream: TestServer, http: aiohttp.ClientSession,
                                    tokens: dict[str, Any]) -> None:
    status, echo = await get_json(http, upstream.make_url("/echo/"),
                                  headers=bearer(tokens["IdToken"]))
    assert status == 200
    assert echo["identity"]["token_use"] == "id"
    assert echo["identity"]["username"] == PASSWORD_USER  # from cognito:username
    assert echo["identity"]["client_id"] == CLIENT  # from aud
    assert echo["body"] == {"bytes": 0, "sha256": hashlib.sha256(b"").hexdigest()}


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_echo_answers_every_method(upstream: TestServer, http: aiohttp.ClientSession,
                                         tokens: dict[str, Any], method: str) -> None:
    async with http.request(method, upstream.make_url("/echo/x"),
                            headers=bearer(tokens["AccessToken"])) as reply:
        assert reply.status == 200
        assert (await reply.json())["method"] == method


# --- refused tokens ---------------------------------------------------------------------------

async def refusal(http: aiohttp.ClientSession, url: Any, headers: dict[str, str]) -> str:
    async with http.get(url, headers=headers) as reply:
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
        return str((await reply.json())["error"])


async def test_missing_and_malformed_tokens_are_refused(
        upstream: TestServer, http: aiohttp.ClientSession, tokens: dict[str, Any]) -> None:
    url = upstream.make_url("/echo/x")
    assert await refusal(http, url, {}) == "missing bearer token"
    assert "malformed Authorization" in await refusal(
        http, url, {"Authorization": f"Basic {tokens['AccessToken']}"})
    assert "malformed token" in await refusal(http, url, bearer("not.a.jwt"))


async def test_expired_token_is_refused(upstream: TestServer, http: aiohttp.ClientSession,
                                        expired_tokens: dict[str, Any]) -> None:
    url = upstream.make_url("/echo/x")
    assert await refusal(http, url, bearer(expired_tokens["AccessToken"])) == "token expired"
    assert await refusal(http, url, bearer(expired_tokens["IdToken"])) == "token expired"


async def test_forged_tokens_are_refused(
        upstream: TestServer, http: aiohttp.ClientSession, tokens: dict[str, Any],
        forger: rsa.RSAPrivateKey) -> None:
    url = upstream.make_url("/echo/x")
    access = tokens["AccessToken"]
    assert await refusal(http, url, bearer(forge(access, forger))) == "bad signature"
    # The real signature over edited claims.
    head, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admins"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert await refusal(http, url, bearer(f"{head}.{edited}.{signature}")) == "bad signature"
    # Unsigned, and symmetric with the public key as the secret (the classic confusion).
    unsigned = jwt.encode(claims, "", algorithm="none")
    assert "unexpected algorithm" in await refusal(http, url, bearer(unsigned))
    hs256 = jwt.encode(claims, "a-shared-secret-of-at-least-32-bytes", algorithm="HS256",
                       headers={"kid": jwt.get_unverified_header(access)["kid"]})
    assert "unexpected algorithm" in await refusal(http, url, bearer(hs256))


async def test_wrong_issuer_is_refused(emulator: EmulatorProcess, http: aiohttp.ClientSession,
                                       tokens: dict[str, Any]) -> None:
    async with running_upstream(emulator.url, issuer=f"{emulator.url}/us-east-1_Other") as other:
        assert await refusal(http, other.make_url("/echo/x"),
                             bearer(tokens["AccessToken"])) == "wrong issuer"


async def test_other_app_clients_can_be_refused(
        emulator: EmulatorProcess, http: aiohttp.ClientSession, tokens: dict[str, Any]) -> None:
    async with running_upstream(emulator.url, client_ids=["someone-else"]) as other:
        assert "another app client" in await refusal(http, other.make_url("/echo/x"),
                                                     bearer(tokens["AccessToken"]))
    async with running_upstream(emulator.url, client_ids=[CLIENT]) as mine:
        status, _ = await get_json(http, mine.make_url("/echo/x"),
                                   headers=bearer(tokens["IdToken"]))
        assert status == 200


async def test_unknown_kid_refetches_the_jwks_at_most_once_per_interval(
        emulator: EmulatorProcess, http: aiohttp.ClientSession, tokens: dict[str, Any],
        forger: rsa.RSAPrivateKey) -> None:
    stranger = forge(tokens["AccessToken"], forger, kid="rotated-or-forged")
    async with running_upstream(emulator.url) as upstream:
        url, keys = upstream.make_url("/echo/x"), upstream.app[JWKS]
        assert (await get_json(http, url, headers=bearer(tokens["AccessToken"])))[0] == 200
        assert keys.fetches == 1
        for _ in range(3):
            assert "unknown signing key" in await refusal(http, url, bearer(stranger))
        assert keys.fetches == 1  # within the interval: no re-fetch
    async with running_upstream(emulator.url, refetch_interval=0) as eager:
        url, keys = eager.make_url("/echo/x"), eager.app[JWKS]
        assert "unknown signing key" in await refusal(http, url, bearer(stranger))
        assert "unknown signing key" in await refusal(http, url, bearer(stranger))
        assert keys.fetches == 2
        assert (await get_json(http, url, headers=bearer(tokens["AccessToken"])))[0] == 200
        assert keys.fetches == 2  # a known kid never fetches


async def test_unreachable_jwks_is_a_503_not_a_401(http: aiohttp.ClientSession,
                                                   tokens: dict[str, Any]) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with running_upstream(nowhere, issuer=upstream_emulator_url(tokens)) as upstream, \
            http.get(upstream.make_url("/echo/x"), headers=bearer(tokens["AccessToken"])) as reply:
        assert reply.status == 503
        assert (await reply.json())["error"] == "signing keys unavailable"


# --- streaming --------------------------------------------------------------------------------

async def test_chunked_upload_of_20_mb_is_streamed(
        upstream: TestServer, http: aiohttp.ClientSession, tokens: dict[str, Any]) -> None:
    expected = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for chunk in pseudo_random_chunks(20 * MB, seed=7, chunk_size=256 * 1024):
            expected.update(chunk)
            yield chunk

    async with http.post(upstream.make_url("/upload"), data=body(),
                         headers=bearer(tokens["AccessToken"])) as reply:
        assert reply.status == 200
        result = await reply.json()
    assert result["transfer_encoding"] == "chunked"
    assert result["content_length"] is None
    assert result["bytes"] == 20 * MB
    assert result["sha256"] == expected.hexdigest()


async def test_content_length_upload(upstream: TestServer, http: aiohttp.ClientSession,
                                     tokens: dict[str, Any]) -> None:
    data = b"".join(pseudo_random_chunks(MB + 3, seed=1))
    async with http.post(upstream.make_url("/upload"), data=io.BytesIO(data),
                         headers={**bearer(tokens["AccessToken"]),
                                  "Content-Length": str(len(data))}) as reply:
        result = await reply.json()
    assert result["content_length"] == MB + 3
    assert result["transfer_encoding"] is None
    assert (result["bytes"], result["sha256"]) == (MB + 3, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("size", [0, 1, 65536, 65537, 5 * MB + 11])
@pytest.mark.parametrize("chunked", [False, True])
async def test_download_sizes(upstream: TestServer, http: aiohttp.ClientSession,
                              tokens: dict[str, Any], size: int, chunked: bool) -> None:
    query = f"bytes={size}&seed=3" + ("&chunked=1" if chunked else "")
    digest, received = hashlib.sha256(), 0
    async with http.get(upstream.make_url(f"/download?{query}"),
                        headers=bearer(tokens["AccessToken"])) as reply:
        assert reply.status == 200
        if chunked:
            assert "Content-Length" not in reply.headers
            assert reply.headers["Transfer-Encoding"] == "chunked"
        else:
            assert reply.headers["Content-Length"] == str(size)
        async for chunk in reply.content.iter_chunked(64 * 1024):
            digest.update(chunk)
            received += len(chunk)
    assert received == size
    assert digest.hexdigest() == hashlib.sha256(
        b"".join(pseudo_random_chunks(size, seed=3))).hexdigest()


async def test_download_rejects_nonsense(upstream: TestServer, http: aiohttp.ClientSession,
                                         tokens: dict[str, Any]) -> None:
    for query in ("", "bytes=-1", "bytes=1.5", "bytes=nan", "bytes=x"):
        async with http.get(upstream.make_url(f"/download?{query}"),
                            headers=bearer(tokens["AccessToken"])) as reply:
            assert reply.status == 400
            assert "error" in await reply.json()


# --- the other routes -------------------------------------------------------------------------

async def test_public_hello_needs_no_token(upstream: TestServer, http: aiohttp.ClientSession,
                                           tokens: dict[str, Any]) -> None:
    url = upstream.make_url("/public/hello")
    assert await get_json(http, url) == (200, {"hello": "world",
                                               "authorization_received": False})
    status, body = await get_json(http, url, headers=bearer(tokens["AccessToken"]))
    assert (status, body["authorization_received"]) == (200, True)


async def test_path_tricks_do_not_escape_the_token_check(
        upstream: TestServer, http: aiohttp.ClientSession) -> None:
    for path in ("/public/..%2Fecho/x", "/public/%2e%2e/echo/x", "/public/../echo/x",
                 "/public/hello/../../echo/x", "/PUBLIC/hello", "/public/hello/"):
        async with http.get(upstream.make_url("/") .with_path(path, encoded=True)) as reply:
            assert reply.status in (401, 404), path


async def test_status_slow_and_set_cookie(upstream: TestServer, http: aiohttp.ClientSession,
                                          tokens: dict[str, Any]) -> None:
    headers = bearer(tokens["AccessToken"])
    for code in (200, 404, 418, 500, 503):
        status, body = await get_json(http, upstream.make_url(f"/status/{code}"),
                                      headers=headers)
        assert (status, body["status"]) == (code, code)
    async with http.get(upstream.make_url("/status/204"), headers=headers) as reply:
        assert (reply.status, await reply.read()) == (204, b"")
    assert (await get_json(http, upstream.make_url("/status/99"), headers=headers))[0] == 400
    assert await get_json(http, upstream.make_url("/slow?seconds=0.05"), headers=headers) == (
        200, {"slept": 0.05})
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(upstream.make_url("/slow?seconds=5"), headers=headers,
                            timeout=aiohttp.ClientTimeout(total=0.1)) as reply:
            await reply.read()
    async with http.get(upstream.make_url("/set-cookie"), headers=headers) as reply:
        assert reply.status == 200
        cookies = reply.headers.getall("Set-Cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("upstream_session=")
    assert (await get_json(http, upstream.make_url("/status/404")))[0] == 401  # token first


# --- websocket --------------------------------------------------------------------------------

async def test_websocket_echoes_with_the_sub(upstream: TestServer, http: aiohttp.ClientSession,
                                             tokens: dict[str, Any]) -> None:
    sub = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})["sub"]
    async with http.ws_connect(upstream.make_url("/ws"),
                               headers=bearer(tokens["AccessToken"])) as socket:
        assert await socket.receive_json(timeout=5) == {"hello": sub}
        for text in ("hello", "second message"):
            await socket.send_str(text)
            assert await socket.receive_str(timeout=5) == f"{sub}: {text}"
        await socket.send_bytes(b"\x00\x01")
        assert await socket.receive_bytes(timeout=5) == b"\x00\x01"


async def test_websocket_upgrade_needs_a_token(upstream: TestServer,
                                               http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(upstream.make_url("/ws"))
    assert refused.value.status == 401


# --- the request log --------------------------------------------------------------------------

async def test_request_log_records_what_reached_the_upstream(
        emulator: EmulatorProcess, http: aiohttp.ClientSession, tokens: dict[str, Any],
        tmp_path: Path) -> None:
    log_file = tmp_path / "requests.jsonl"
    async with running_upstream(emulator.url, log_path=log_file) as upstream:
        await http.get(upstream.make_url("/echo/a%2Fb?q=1"),
                       headers={**bearer(tokens["AccessToken"]), "X-Request-Id": "r-1"})
        await http.get(upstream.make_url("/echo/nope"))
        await http.get(upstream.make_url("/public/hello"))
        status, log = await get_json(http, upstream.make_url("/_upstream/requests"))
        assert status == 200
        records = log["requests"]
        summary = [(r["method"], r["path"], r["status"], r["token_sent"], r["token_valid"])
                   for r in records]
        assert summary == [
            ("GET", "/echo/a%2Fb?q=1", 200, True, True),
            ("GET", "/echo/nope", 401, False, False),
            ("GET", "/public/hello", 200, False, None),
        ]
        assert records[0]["request_id"] == "r-1"
        assert records[0]["sub"] == jwt.decode(
            tokens["AccessToken"], options={"verify_signature": False})["sub"]
        assert records[1]["error"] == "missing bearer token"
        async with http.post(upstream.make_url("/_upstream/reset")) as reply:
            assert reply.status == 200
        status, log = await get_json(http, upstream.make_url("/_upstream/requests"))
        # Each record is written when its request ends: the reset's own record survives it.
        assert [r["path"] for r in log["requests"]] == ["/_upstream/reset"]
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [line["path"] for line in lines[:3]] == [r["path"] for r in records]
    assert len(lines) == 6  # the file keeps what reset cleared from memory


# --- the command line -------------------------------------------------------------------------

async def test_command_line(emulator: EmulatorProcess, http: aiohttp.ClientSession,
                            tokens: dict[str, Any], tmp_path: Path) -> None:
    port, log_file = free_port(), tmp_path / "cli.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "demo_upstream", "--host", "127.0.0.1", "--port", str(port),
        "--jwks-url", jwks_url(emulator.url), "--issuer", issuer(emulator.url),
        "--log", str(log_file),
        cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                async with http.get(f"{base}/public/hello") as reply:
                    assert reply.status == 200
                    break
            except aiohttp.ClientConnectionError:
                assert time.monotonic() < deadline, "demo_upstream did not start"
                await asyncio.sleep(0.05)
        status, echo = await get_json(http, f"{base}/echo/cli",
                                      headers=bearer(tokens["AccessToken"]))
        assert (status, echo["identity"]["username"]) == (200, PASSWORD_USER)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    paths = [json.loads(line)["path"] for line in log_file.read_text().splitlines()]
    assert paths[-1] == "/echo/cli"
