"""What the security tests look at, read the way an attacker or an auditor would: Set-Cookie
headers, the gateway's own traffic to Cognito, what Redis holds, and text that may hide a secret.

Nothing here replaces a part of the gateway. Cognito traffic is observed through botocore's
event hooks on the gateway's own aiobotocore client, so the requests still go over HTTP to the
emulator exactly as in production.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import redis.asyncio as aioredis
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from gateway.keys import COGNITO_CLIENT
from gateway.security.sealing import unseal
from gateway.security.signing import Ticket
from gateway.store import Store

# botocore names events after the service id, not the endpoint prefix (cognito-idp).
_SERVICE_EVENT = "cognito-identity-provider"


# --- cookies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetCookie:
    name: str
    value: str
    attributes: dict[str, str]  # attribute names lower-cased; flags (Secure...) map to ""

    @property
    def clears(self) -> bool:
        """The browser must drop the cookie: Max-Age 0 or an Expires date in the past."""
        if self.attributes.get("max-age") == "0":
            return True
        expires = self.attributes.get("expires")
        return expires is not None and parsedate_to_datetime(expires).year < 2000


def parse_set_cookie(header: str) -> SetCookie:
    pair, *attributes = header.split(";")
    name, _, value = pair.strip().partition("=")
    parsed: dict[str, str] = {}
    for attribute in attributes:
        key, _, attribute_value = attribute.strip().partition("=")
        parsed[key.lower()] = attribute_value
    return SetCookie(name, value.strip('"'), parsed)


def set_cookies(response: ClientResponse) -> list[SetCookie]:
    return [parse_set_cookie(header) for header in response.headers.getall("Set-Cookie", [])]


def cookie_ticket_id(value: str) -> str:
    """The record id inside a signed ticket cookie: ``{id}.{key}.{timestamp}.{signature}``."""
    return value.split(".")[0]


def cookie_ticket(value: str) -> Ticket:
    """The ticket a cookie carries (id and record key), to open its Redis record in a test."""
    ticket_id, key = value.split(".")[:2]
    return Ticket(ticket_id, base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)))


def jar_value(client: TestClient, name: str) -> str | None:
    for cookie in client.session.cookie_jar:
        if cookie.key == name:
            return cookie.value
    return None


# --- the gateway's traffic to Cognito ---------------------------------------------------------


class CognitoTraffic:
    """Every request the gateway sends to Cognito and every reply it gets, as botocore sees
    them on the gateway's own client."""

    def __init__(self, gateway: TestClient) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: list[tuple[str, dict[str, Any]]] = []
        events = gateway.server.app[COGNITO_CLIENT].meta.events
        events.register(f"before-parameter-build.{_SERVICE_EVENT}", self._request)
        events.register(f"after-call.{_SERVICE_EVENT}", self._reply)

    def _request(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests.append((model.name, json.loads(json.dumps(params))))

    def _reply(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.replies.append((model.name, json.loads(json.dumps(parsed, default=str))))

    def operations(self) -> list[str]:
        return [name for name, _ in self.requests]

    def sessions(self) -> set[str]:
        """Every Cognito Session the gateway sent or received."""
        found = {body["Session"] for _, body in self.requests + self.replies
                 if body.get("Session")}
        return found

    def tokens(self) -> set[str]:
        """Every ID, access and refresh token Cognito handed the gateway."""
        found: set[str] = set()
        for _, reply in self.replies:
            result = reply.get("AuthenticationResult") or {}
            found |= {result[k] for k in ("AccessToken", "IdToken", "RefreshToken") if k in result}
        return found

    def sent_secrets(self) -> set[str]:
        """Secret values the gateway put in its requests: SECRET_HASH, SRP values, passwords,
        codes, client secret, tokens being revoked."""
        secret_keys = {"SECRET_HASH", "SRP_A", "PASSWORD_CLAIM_SIGNATURE", "PASSWORD",
                       "NEW_PASSWORD", "SMS_MFA_CODE", "EMAIL_OTP_CODE", "SOFTWARE_TOKEN_MFA_CODE",
                       "PASSWORD_CLAIM_SECRET_BLOCK"}
        found: set[str] = set()
        for _, body in self.requests:
            for section in ("AuthParameters", "ChallengeResponses"):
                found |= {v for k, v in (body.get(section) or {}).items() if k in secret_keys}
            found |= {body[k] for k in ("UserCode", "Token", "ClientSecret", "AccessToken")
                      if body.get(k)}
        return found

    def received_secrets(self) -> set[str]:
        """Secret values in Cognito's replies: tokens, Sessions, TOTP secrets, SRP values."""
        found = self.tokens()
        for _, reply in self.replies:
            if reply.get("SecretCode"):
                found.add(reply["SecretCode"])
            parameters = reply.get("ChallengeParameters") or {}
            found |= {parameters[k] for k in ("SRP_B", "SECRET_BLOCK", "SALT") if k in parameters}
        return found | self.sessions()


# --- looking for secrets in text -------------------------------------------------------------

_JWT_START = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")
_CHUNK = 24


def jwts_in(text: str) -> list[str]:
    """JWT headers in ``text``: a base64url run starting ``eyJ`` that decodes to a JSON object
    naming an algorithm. Random base64 that merely starts with ``eyJ`` does not count."""
    found = []
    for match in _JWT_START.finditer(text):
        segment = match.group(0)
        try:
            header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (binascii.Error, ValueError):
            continue
        if isinstance(header, dict) and "alg" in header:
            found.append(segment)
    return found


def leaked(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets that appear in ``text``, whole or in part.

    Long secrets (tokens, Sessions) are cut into 24-character pieces: any leak of 48 or more
    consecutive characters contains one of them, so a truncated token is caught too. Short ones
    (six-digit codes) must stand alone, so a request id that happens to contain the same six
    digits is not taken for a leak.
    """
    hits = []
    for secret in secrets:
        if not secret:
            continue
        if len(secret) < 12:
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text):
                hits.append(secret)
            continue
        if len(secret) < 2 * _CHUNK:
            if secret in text:
                hits.append(secret)
            continue
        pieces = (secret[i : i + _CHUNK] for i in range(0, len(secret) - _CHUNK + 1, _CHUNK))
        if any(piece in text for piece in pieces):
            hits.append(secret[:12] + "…")
    return hits


# --- Redis ------------------------------------------------------------------------------------


class RedisView:
    """Read-only looks into the gateway's Redis, as an operator with redis-cli would have."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.Redis.from_url(url)

    async def __aenter__(self) -> RedisView:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.redis.aclose()

    async def exists(self, kind: str, record_id: str) -> bool:
        return bool(await self.redis.exists(Store.key(kind, record_id)))

    async def ttl_ms(self, kind: str, record_id: str) -> int:
        return int(await self.redis.pttl(Store.key(kind, record_id)))

    async def keys(self, pattern: str = "*") -> list[str]:
        return sorted(key.decode() for key in await self.redis.keys(pattern))

    async def dump(self) -> dict[str, bytes]:
        """Every string value in Redis, by key."""
        values = {}
        for key in await self.keys():
            if await self.redis.type(key) == b"string":
                values[key] = await self.redis.get(key)
        return values

    async def open(self, kind: str, cookie_value: str) -> dict[str, Any] | None:
        """The sealed record a cookie names, opened with the key that cookie carries."""
        ticket = cookie_ticket(cookie_value)
        name = Store.key(kind, ticket.id)
        blob = await self.redis.get(name)
        return None if blob is None else unseal(ticket.key, name, blob)


# --- Cognito, as anyone holding a leaked token would use it -----------------------------------


_BOTOCORE = get_session()  # one session: the service model is loaded once, not per test


@asynccontextmanager
async def cognito_client(endpoint: str) -> AsyncIterator[Any]:
    """A plain aiobotocore client of the test's own, pointed at the emulator."""
    async with _BOTOCORE.create_client(
        "cognito-idp", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",  # admin calls accept any
        config=AioConfig(retries={"total_max_attempts": 1}),
    ) as client:
        yield client
