"""Cognito's tokens: RS256 ID and access JWTs with its claims, opaque refresh tokens, JWKS.

Each pool gets its own RSA key when it first signs something; keys survive a reset (a cached
JWKS in a running gateway stays valid). Refresh tokens are random strings that index a record,
which is what lets RevokeToken and GlobalSignOut invalidate them and the access tokens minted
from the same sign-in (same ``origin_jti``). With refresh-token rotation (refresh.py) a
refresh token is replaced by another of the same family. Lifetimes are the app client's
(pool_store.lifetime); a user's groups add ``cognito:groups`` (and roles to the ID token).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from cognito_emulator.clock import Clock
from cognito_emulator.entropy import Entropy
from cognito_emulator.errors import (
    ACCESS_TOKEN_EXPIRED,
    ACCESS_TOKEN_INVALID,
    ACCESS_TOKEN_REVOKED,
    NotAuthorized,
)
from cognito_emulator.models import Client, Pool, User
from cognito_emulator.pool_store import lifetime

ACCESS_SCOPE = "aws.cognito.signin.user.admin"
# Changes a PreTokenGeneration trigger makes to the (access, ID) claims before signing.
ClaimAdjuster = Callable[[dict[str, Any], dict[str, Any]], None]
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, str]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {"alg": "RS256", "e": public["e"], "kid": self.kid, "kty": "RSA",
                "n": public["n"], "use": "sig"}


class KeyRing:
    """One RSA key per pool id, created on first use and kept across resets."""

    def __init__(self) -> None:
        self._by_pool: dict[str, SigningKey] = {}
        self._pool_by_kid: dict[str, str] = {}

    def key(self, pool_id: str) -> SigningKey:
        key = self._by_pool.get(pool_id)
        if key is None:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            key = SigningKey(kid=str(uuid.uuid4()), private=private)
            self._by_pool[pool_id] = key
            self._pool_by_kid[key.kid] = pool_id
        return key

    def pool_for(self, kid: str) -> str | None:
        return self._pool_by_kid.get(kid)


@dataclass
class RefreshRecord:
    pool_id: str
    client_id: str
    username: str
    origin_jti: str
    auth_time: int
    expires_at: float
    # The device the sign-in was made with (or was handed in NewDeviceMetadata), if any.
    device_key: str | None = None
    # Refresh-token rotation: when GetTokensFromRefreshToken replaced this token (it then
    # works only within the client's RetryGracePeriodSeconds of that moment).
    rotated_at: float | None = None


class Tokens:
    def __init__(self, keys: KeyRing, clock: Clock, entropy: Entropy) -> None:
        self._keys = keys
        self._clock = clock
        self._entropy = entropy
        self.refresh_tokens: dict[str, RefreshRecord] = {}
        self.revoked_origins: set[str] = set()

    # -- issuing -------------------------------------------------------------------------
    def sign_in(self, pool: Pool, client: Client, user: User, issuer: str, *,
                device_key: str | None = None,
                adjust: ClaimAdjuster | None = None) -> dict[str, Any]:
        """AuthenticationResult for a completed sign-in: ID, access and refresh token."""
        now = int(self._clock.now())
        origin_jti = str(uuid.uuid4())
        refresh_token = self._new_refresh_token(RefreshRecord(
            pool_id=pool.id, client_id=client.client_id, username=user.username,
            origin_jti=origin_jti, auth_time=now,
            expires_at=now + lifetime(client, "RefreshToken"), device_key=device_key,
        ))
        result = self.mint(pool, client, user, issuer, origin_jti=origin_jti, auth_time=now,
                           adjust=adjust)
        result["RefreshToken"] = refresh_token
        return result

    def rotate(self, record: RefreshRecord) -> str:
        """A refresh token replacing ``record``'s (rotation): the same sign-in family, so
        RevokeToken and GlobalSignOut end both, valid for what remained of the old one. The
        old one is marked rotated out from now (a retry in the grace period keeps the first
        moment)."""
        if record.rotated_at is None:
            record.rotated_at = self._clock.now()
        return self._new_refresh_token(RefreshRecord(
            pool_id=record.pool_id, client_id=record.client_id, username=record.username,
            origin_jti=record.origin_jti, auth_time=record.auth_time,
            expires_at=record.expires_at, device_key=record.device_key,
        ))

    def _new_refresh_token(self, record: RefreshRecord) -> str:
        token = self._entropy.token(96)
        self.refresh_tokens[token] = record
        return token

    def mint(self, pool: Pool, client: Client, user: User, issuer: str, *, origin_jti: str,
             auth_time: int, adjust: ClaimAdjuster | None = None) -> dict[str, Any]:
        """ID and access tokens for one sign-in family (also used by REFRESH_TOKEN_AUTH)."""
        now = int(self._clock.now())
        event_id = str(uuid.uuid4())
        access_lifetime = lifetime(client, "AccessToken")
        id_lifetime = lifetime(client, "IdToken")
        common = {"sub": user.sub, "iss": f"{issuer}/{pool.id}", "origin_jti": origin_jti,
                  "event_id": event_id, "auth_time": auth_time, "iat": now}
        access = {**common, "client_id": client.client_id, "token_use": "access",
                  "scope": ACCESS_SCOPE, "exp": now + access_lifetime, "jti": str(uuid.uuid4()),
                  "username": user.username}
        identity = {**_attribute_claims(user), **common, "cognito:username": user.username,
                    "aud": client.client_id, "token_use": "id", "exp": now + id_lifetime,
                    "jti": str(uuid.uuid4())}
        groups = pool.group_claims(user)
        if groups.groups:
            # cognito:groups in both tokens, only for a user in a group (Cognito leaves the
            # claim out otherwise); the groups' IAM roles in the ID token.
            access["cognito:groups"] = list(groups.groups)
            identity["cognito:groups"] = list(groups.groups)
        if groups.roles:
            identity["cognito:roles"] = list(groups.roles)
        if groups.preferred_role:
            identity["cognito:preferred_role"] = groups.preferred_role
        if adjust is not None:
            adjust(access, identity)
        return {
            "AccessToken": self._sign(pool.id, access),
            "ExpiresIn": access_lifetime,
            "TokenType": "Bearer",
            "IdToken": self._sign(pool.id, identity),
        }

    def _sign(self, pool_id: str, claims: dict[str, Any]) -> str:
        key = self._keys.key(pool_id)
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})

    def jwks(self, pool_id: str) -> dict[str, Any]:
        return {"keys": [self._keys.key(pool_id).jwk()]}

    # -- checking ------------------------------------------------------------------------
    def access_claims(self, token: str) -> dict[str, Any]:
        """Claims of a valid access token, or NotAuthorizedException with Cognito's reason."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            pool_id = self._keys.pool_for(kid) if isinstance(kid, str) else None
            if pool_id is None:
                raise NotAuthorized(ACCESS_TOKEN_INVALID)
            claims: dict[str, Any] = jwt.decode(
                token,
                self._keys.key(pool_id).private.public_key(),
                algorithms=["RS256"],
                # Expiry is judged against the emulator's clock below, not the wall clock.
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise NotAuthorized(ACCESS_TOKEN_INVALID) from exc
        if claims.get("token_use") != "access" or not str(claims.get("iss", "")).endswith(
            f"/{pool_id}"
        ):
            raise NotAuthorized(ACCESS_TOKEN_INVALID)
        if claims.get("origin_jti") in self.revoked_origins:
            raise NotAuthorized(ACCESS_TOKEN_REVOKED)
        if int(claims.get("exp", 0)) <= self._clock.now():
            raise NotAuthorized(ACCESS_TOKEN_EXPIRED)
        claims["_pool_id"] = pool_id
        return claims

    def is_access_or_id_token(self, token: str) -> bool:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return False
        return isinstance(kid, str) and self._keys.pool_for(kid) is not None

    # -- revoking ------------------------------------------------------------------------
    def revoke(self, record: RefreshRecord) -> None:
        self.revoked_origins.add(record.origin_jti)

    def sign_out_everywhere(self, pool_id: str, username: str) -> None:
        for record in self.refresh_tokens.values():
            if record.pool_id == pool_id and record.username == username:
                self.revoked_origins.add(record.origin_jti)


def _attribute_claims(user: User) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for name, value in user.attributes.items():
        claims[name] = value == "true" if name in _BOOLEAN_CLAIMS else value
    return claims
