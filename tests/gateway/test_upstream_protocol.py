"""A Cognito that answers what the protocol does not allow: the gateway says 502 with a log
line naming what was wrong, never a 500 or a traceback. The hostile Cognito is a small HTTP
server speaking AWS JSON 1.1 to the gateway's own aiobotocore client."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.demo import CLIENT, PASSWORD, PASSWORD_USER, POOL
from tests.gateway.drivers import API_HEADERS, GatewayFactory

Reply = Callable[[dict[str, Any]], dict[str, Any]]

_VERIFIER = {
    "ChallengeName": "PASSWORD_VERIFIER",
    "ChallengeParameters": {"USER_ID_FOR_SRP": "u-1", "SALT": "ab12", "SRP_B": "7f" * 64,
                            "SECRET_BLOCK": "this is not base64!", "USERNAME": "u-1"},
}

REPLIES: dict[str, Reply] = {
    "secret block that is not base64": lambda request: _VERIFIER,
    "an unknown challenge": lambda request: {"ChallengeName": "EMAIL_MFA", "Session": "s" * 64},
    "tokens without their tokens": lambda request: {"AuthenticationResult": {"ExpiresIn": 60}},
    "SRP_B that is zero": lambda request: {
        **_VERIFIER,
        "ChallengeParameters": {**_VERIFIER["ChallengeParameters"], "SRP_B": "0",
                                "SECRET_BLOCK": "AAAA"},
    },
}


async def hostile_cognito(reply: Reply) -> TestServer:
    async def answer(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        return web.Response(text=json.dumps(reply(body)),
                            content_type="application/x-amz-json-1.1")

    app = web.Application()
    app.router.add_post("/", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def servers() -> AsyncIterator[list[TestServer]]:
    started: list[TestServer] = []
    yield started
    for server in started:
        await server.close()


@pytest.mark.parametrize("case", REPLIES)
@pytest.mark.parametrize("face", ["html", "json"])
async def test_an_unusable_cognito_reply_is_a_502(
    case: str, face: str, make_gateway: GatewayFactory, servers: list[TestServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cognito = await hostile_cognito(REPLIES[case])
    servers.append(cognito)
    gateway = await make_gateway(cognito_endpoint=str(cognito.make_url("/")).rstrip("/"))
    caplog.set_level(logging.INFO)
    if face == "json":
        response = await gateway.post("/auth/login", headers=API_HEADERS,
                                      json={"username": PASSWORD_USER, "password": PASSWORD})
        assert response.status == 502
        assert (await response.json())["error"]["code"] == "upstream_unavailable"
    else:
        form = await gateway.get("/login")
        page = await form.text()
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        response = await gateway.post("/login", data={"csrf": csrf, "username": PASSWORD_USER,
                                                      "password": PASSWORD},
                                      allow_redirects=False)
        assert response.status == 502
        assert 'data-error-code="upstream_unavailable"' in await response.text()
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused:")]
    assert refusals and refusals[-1].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


HOSTILE_TEXT = '<script>alert(1)</script><img src=x onerror=alert(2)>'


async def test_custom_challenge_parameters_are_shown_as_text_never_as_markup(
    make_gateway: GatewayFactory, servers: list[TestServer]
) -> None:
    """A trigger's public parameters are whatever its code put there: a question with markup
    in it, a template name that tries to leave its folder. The page shows the text, escaped,
    with the default form; the API hands the strings back as they came."""
    challenge = {"ChallengeName": "CUSTOM_CHALLENGE", "Session": "s" * 64,
                 "ChallengeParameters": {"USERNAME": "internal-1", "question": HOSTILE_TEXT,
                                         "hint": HOSTILE_TEXT, "template": "../../error"}}
    cognito = await hostile_cognito(lambda request: challenge)
    servers.append(cognito)
    gateway = await make_gateway(cognito_endpoint=str(cognito.make_url("/")).rstrip("/"),
                                 auth_flow="CUSTOM_AUTH")
    reply = await gateway.post("/auth/login", json={"username": PASSWORD_USER},
                               headers=API_HEADERS)
    body = await reply.json()
    assert reply.status == 200, body
    assert body["challenge"]["parameters"] == {"question": HOSTILE_TEXT, "hint": HOSTILE_TEXT,
                                               "template": "../../error"}
    page = await gateway.get("/login/custom")
    html = await page.text()
    assert page.status == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the label, as text
    assert html.count("&lt;img src=x onerror=alert(2)&gt;") == 2  # the label and the hint
    assert "internal-1" not in html  # the internal username is never shown


# --- tokens that do not verify ----------------------------------------------------------------


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def _token(key: rsa.RSAPrivateKey, kid: str, issuer: str, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"iss": issuer, "exp": now + 3600, "iat": now, "sub": "s-1",
                       "cognito:username": PASSWORD_USER, **claims},
                      key, algorithm="RS256", headers={"kid": kid})


TOKEN_CASES = {
    "signed by a key the pool does not publish": {"signer": "other"},
    "an ID token for another app client": {"aud": "someone-else"},
    "an access token presented as the ID token": {"id_use": "access"},
    "an expired ID token": {"exp": -3600},
    "another issuer": {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Else"},
}


@pytest.mark.parametrize("case", TOKEN_CASES)
async def test_tokens_that_do_not_verify_are_never_kept(
    case: str, make_gateway: GatewayFactory, servers: list[TestServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Cognito (or whatever answers in its place) handing out tokens that do not check out
    against the pool's published keys: the sign-in is a 502, and no session exists."""
    spec = TOKEN_CASES[case]
    published, other = _rsa_key(), _rsa_key()
    app = web.Application()
    issuer_box: dict[str, str] = {}

    async def answer(request: web.Request) -> web.Response:
        issuer = issuer_box["issuer"]
        signer = other if spec.get("signer") else published
        now = int(time.time())
        exp = now + int(spec.get("exp", 3600))
        iss = str(spec.get("iss", issuer))
        access = _token(signer, "k1", iss, token_use="access", client_id=CLIENT, exp=exp)
        identity = _token(signer, "k1", iss, token_use=str(spec.get("id_use", "id")),
                          aud=str(spec.get("aud", CLIENT)), exp=exp)
        return web.Response(text=json.dumps({"AuthenticationResult": {
            "AccessToken": access, "IdToken": identity, "RefreshToken": "r", "ExpiresIn": 3600,
        }}), content_type="application/x-amz-json-1.1")

    async def keys(request: web.Request) -> web.Response:
        return web.json_response(_jwks(published, "k1"))

    app.router.add_post("/", answer)
    app.router.add_get(f"/{POOL}/.well-known/jwks.json", keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    servers.append(server)
    endpoint = str(server.make_url("/")).rstrip("/")
    issuer_box["issuer"] = f"{endpoint}/{POOL}"
    gateway = await make_gateway(cognito_endpoint=endpoint, auth_flow="USER_PASSWORD_AUTH")
    caplog.set_level(logging.INFO)
    response = await gateway.post("/auth/login", headers=API_HEADERS,
                                  json={"username": PASSWORD_USER, "password": PASSWORD})
    assert response.status == 502, (case, await response.text())
    assert (await response.json())["error"]["code"] == "upstream_unavailable"
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused:")]
    assert len(refusals) == 1 and "token" in refusals[0], refusals  # says what was wrong
    assert (await gateway.get("/auth/session", headers=API_HEADERS)).status == 401
