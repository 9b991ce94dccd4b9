"""Running the demo upstream against the session's emulator, for these tests and for the
gateway's relay tests: real tokens from a real sign-in, the upstream served in-process.

    async with running_upstream(emulator.url) as upstream:   # an aiohttp TestServer
        url = upstream.make_url("/echo/x")
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import boto3
from aiohttp.test_utils import TestServer
from botocore.config import Config

import cognito_srp
from demo_upstream import create_app
from tests.demo import CLIENT, PASSWORD, PASSWORD_USER, POOL, SECRET


def issuer(emulator_url: str, pool: str = POOL) -> str:
    """The ``iss`` of the emulator's tokens when it was reached at ``emulator_url``."""
    return f"{emulator_url}/{pool}"


def jwks_url(emulator_url: str, pool: str = POOL) -> str:
    return f"{issuer(emulator_url, pool)}/.well-known/jwks.json"


def sign_in(emulator_url: str, username: str = PASSWORD_USER, password: str = PASSWORD
            ) -> dict[str, Any]:
    """USER_PASSWORD_AUTH through boto3: the AuthenticationResult (AccessToken, IdToken...)."""
    idp = boto3.client(
        "cognito-idp", endpoint_url=emulator_url, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    try:
        reply = idp.initiate_auth(
            ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password,
                            "SECRET_HASH": cognito_srp.secret_hash(username, CLIENT, SECRET)},
        )
    finally:
        idp.close()
    return dict(reply["AuthenticationResult"])


def emulator_hook(emulator_url: str, path: str, body: Any = None) -> Any:
    """POST to an emulator test hook (``/_emulator/clock``, ``/_emulator/reset``)."""
    request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
        f"{emulator_url}{path}", data=json.dumps(body or {}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback
        return json.loads(reply.read())


@asynccontextmanager
async def running_upstream(emulator_url: str, pool: str = POOL, **options: Any
                           ) -> AsyncIterator[TestServer]:
    """The upstream on a free loopback port, trusting ``pool``'s tokens; ``options`` go to
    ``create_app`` (client_ids, log_path, refetch_interval, or another ``issuer``)."""
    issuer_url = options.pop("issuer", issuer(emulator_url, pool))
    server = TestServer(create_app(jwks_url(emulator_url, pool), issuer_url, **options),
                        host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
