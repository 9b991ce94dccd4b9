"""Account enumeration (ASVS 6.3.8): an unknown username, a wrong password and an account that
was never confirmed get the same answer, byte for byte, once the values that differ on every
response anyway (CSRF token, CSP nonce, request id, cookie values, date) are set aside.

The usernames all have the same length, so even Content-Length has nothing to tell."""

from __future__ import annotations

import re

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from cognito_srp import secret_hash
from gateway.web.i18n import Catalogs
from tests.demo import CLIENT, PASSWORD, SECRET
from tests.gateway.drivers import API_HEADERS, HtmlDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client

UNCONFIRMED = "unconfirmed-1"
ATTEMPTS = {
    "unknown user": ("nobody-here-1", "Any-Passw0rd!"),
    "wrong password": ("password-user", "Any-Passw0rd!"),
    "unconfirmed, right password": (UNCONFIRMED, PASSWORD),
    "unconfirmed, wrong password": (UNCONFIRMED, "Any-Passw0rd!"),
}
assert len({len(username) for username, _ in ATTEMPTS.values()}) == 1
WRONG_CREDENTIALS = Catalogs().translator("en")("error.invalid_credentials")

# Values that are fresh on every response, whoever asks.
_VOLATILE = [
    re.compile(r'name="csrf" value="[^"]+"'),
    re.compile(r"nonce-[A-Za-z0-9_-]+|nonce=\"[A-Za-z0-9_-]+\""),
    re.compile(r"[0-9a-f]{16}"),  # request ids
    re.compile(r"(__Host-gw-[a-z]+)=[^;]+"),
]


def normalise(text: str, username: str) -> str:
    text = text.replace(username, "<username>")
    for pattern in _VOLATILE:
        text = pattern.sub(lambda m: m.group(1) + "=…" if m.groups() else "…", text)
    return text


async def answer(response: ClientResponse, username: str) -> tuple[int, str, str]:
    headers = "\n".join(f"{k}: {v}" for k, v in sorted(response.headers.items())
                        if k not in {"Date"})
    return (response.status, normalise(headers, username),
            normalise(await response.text(), username))


async def sign_up_unconfirmed(hooks: EmulatorHooks) -> None:
    async with cognito_client(hooks.url) as cognito:
        await cognito.sign_up(
            ClientId=CLIENT, SecretHash=secret_hash(UNCONFIRMED, CLIENT, SECRET),
            Username=UNCONFIRMED, Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "unconfirmed@example.com"},
                            {"Name": "name", "Value": "Una Confirmed"}])


async def test_the_login_page_says_the_same_to_everyone(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    await sign_up_unconfirmed(hooks)
    answers = {}
    for label, (username, password) in ATTEMPTS.items():
        gateway.session.cookie_jar.clear()
        driver = HtmlDriver(gateway)
        page = await driver.get("/login")
        response = await driver.submit(page, "/login",
                                       {"username": username, "password": password})
        answers[label] = await answer(response, username)

    # Every attempt reached Cognito, and Cognito told them apart.
    errors = {call["error"] for call in await hooks.calls()}
    assert {"UserNotFoundException", "NotAuthorizedException",
            "UserNotConfirmedException"} <= errors
    reference = answers["wrong password"]
    assert reference[0] == 401 and WRONG_CREDENTIALS in reference[2]
    for label, seen in answers.items():
        assert seen == reference, label


async def test_the_api_says_the_same_to_everyone(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    await sign_up_unconfirmed(hooks)
    answers = {}
    for label, (username, password) in ATTEMPTS.items():
        gateway.session.cookie_jar.clear()
        response = await gateway.post("/auth/login", headers=API_HEADERS,
                                      json={"username": username, "password": password})
        answers[label] = await answer(response, username)

    reference = answers["wrong password"]
    assert reference[0] == 401 and '"code": "invalid_credentials"' in reference[2]
    for label, seen in answers.items():
        assert seen == reference, label
