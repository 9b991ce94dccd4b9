"""Bearer-token verification, as a resource server behind the gateway would do it.

The gateway attaches the user's Cognito access or ID token server-side; the upstream must not
trust it blindly, so every token is checked against the pool's JWKS: RS256 only, the expected
issuer, not expired. Each refusal names its reason so tests can tell a missing token from an
expired or forged one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from demo_upstream.keys import JwksCache

ALGORITHM = "RS256"
TOKEN_USES = frozenset({"access", "id"})


class TokenRejectedError(Exception):
    """The request's token is missing or invalid; ``reason`` is what the 401 body says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """Who a verified token speaks for, with the claims that differ between access and ID
    tokens folded together (``username`` vs ``cognito:username``, ``client_id`` vs ``aud``)."""

    claims: dict[str, Any]

    @property
    def sub(self) -> str:
        return str(self.claims["sub"])

    @property
    def token_use(self) -> str:
        return str(self.claims["token_use"])

    @property
    def client_id(self) -> str | None:
        value = self.claims.get("client_id", self.claims.get("aud"))
        return value if isinstance(value, str) else None

    def summary(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "username": self.claims.get("username", self.claims.get("cognito:username")),
            "token_use": self.token_use,
            "client_id": self.client_id,
            "groups": self.claims.get("cognito:groups", []),
            "exp": self.claims["exp"],
        }


def bearer_token(request: web.Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None when no Authorization came."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejectedError("malformed Authorization header (expected 'Bearer <token>')")
    return token.strip()


class Verifier:
    """Checks tokens of one user pool (one issuer, one JWKS)."""

    def __init__(self, keys: JwksCache, issuer: str,
                 client_ids: Collection[str] | None = None) -> None:
        self.keys = keys
        self.issuer = issuer.rstrip("/")
        self.client_ids = frozenset(client_ids) if client_ids else None

    async def verify(self, token: str | None) -> Identity:
        if token is None:
            raise TokenRejectedError("missing bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise TokenRejectedError(f"malformed token: {error}") from error
        if header.get("alg") != ALGORITHM:
            raise TokenRejectedError(f"unexpected algorithm {header.get('alg')!r}, need RS256")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenRejectedError("token has no kid")
        key = await self.keys.key(kid)
        if key is None:
            raise TokenRejectedError("unknown signing key (kid not in the pool's JWKS)")
        claims = _decode(token, key, self.issuer)
        if claims.get("token_use") not in TOKEN_USES:
            raise TokenRejectedError("token_use is neither 'access' nor 'id'")
        identity = Identity(claims)
        if self.client_ids is not None and identity.client_id not in self.client_ids:
            raise TokenRejectedError("token was issued to another app client")
        return identity


def _decode(token: str, key: Any, issuer: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=issuer,
            # Access tokens carry client_id, not aud; the app client is checked above instead.
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenRejectedError("token expired") from error
    except jwt.InvalidSignatureError as error:
        raise TokenRejectedError("bad signature") from error
    except jwt.InvalidIssuerError as error:
        raise TokenRejectedError("wrong issuer") from error
    except jwt.ImmatureSignatureError as error:
        raise TokenRejectedError("token not yet valid") from error
    except jwt.MissingRequiredClaimError as error:
        raise TokenRejectedError(f"missing claim {error.claim!r}") from error
    except jwt.InvalidTokenError as error:
        raise TokenRejectedError(f"invalid token: {error}") from error
