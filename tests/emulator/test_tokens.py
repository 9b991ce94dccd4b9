"""Tokens: RS256 JWTs with Cognito's claims, verifiable against the pool's JWKS; refresh,
RevokeToken and GlobalSignOut."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import jwt

from tests.emulator.helpers import (
    ALIAS_USER,
    GATEWAY,
    GATEWAY_SECRET,
    POOL,
    PUBLIC,
    advance_clock,
    emulator_now,
    hook,
    password_auth,
    refused,
    respond,
    secret_hash,
)


def _fetch(address: str) -> Any:
    with urllib.request.urlopen(address, timeout=10) as reply:  # noqa: S310 - loopback
        return json.loads(reply.read())


def _tokens(idp: Any, username: str = "alias@example.com") -> dict[str, Any]:
    return dict(password_auth(idp, username)["AuthenticationResult"])


def test_tokens_verify_against_the_pools_jwks_and_carry_cognitos_claims(idp: Any,
                                                                        url: str) -> None:
    tokens = _tokens(idp)
    issuer = f"{url}/{POOL}"
    discovery = _fetch(f"{issuer}/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer
    keys = jwt.PyJWKSet.from_dict(_fetch(discovery["jwks_uri"]))

    def verify(token: str, **options: Any) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(key for key in keys.keys if key.key_id == kid)
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["RS256"],
                                            issuer=issuer, leeway=60, **options)
        return claims

    access = verify(tokens["AccessToken"])
    identity = verify(tokens["IdToken"], audience=GATEWAY)
    assert access["token_use"] == "access"
    assert access["client_id"] == GATEWAY
    assert access["username"] == ALIAS_USER
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert access["exp"] - access["iat"] == tokens["ExpiresIn"] == 3600
    assert identity["token_use"] == "id"
    assert identity["cognito:username"] == ALIAS_USER
    assert identity["email"] == "alias@example.com"
    assert identity["email_verified"] is True
    assert identity["sub"] == access["sub"]
    for claims in (access, identity):
        for name in ("jti", "origin_jti", "event_id", "auth_time"):
            assert name in claims
    assert access["origin_jti"] == identity["origin_jti"]
    assert abs(access["iat"] - emulator_now(url)) < 5
    assert tokens["TokenType"] == "Bearer"


def test_jwks_of_an_unknown_pool_is_not_found(url: str) -> None:
    status, _ = hook(url, "GET", "/us-east-1_NoSuchPool/.well-known/jwks.json")
    assert status == 404


def test_refresh_gives_new_tokens_of_the_same_sign_in(idp: Any) -> None:
    tokens = _tokens(idp)
    refreshed = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY, AuthParameters={
        "REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": secret_hash(ALIAS_USER),
    })["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    old = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    new = jwt.decode(refreshed["AccessToken"], options={"verify_signature": False})
    assert new["origin_jti"] == old["origin_jti"]
    assert new["jti"] != old["jti"]
    assert idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == ALIAS_USER


def test_revoke_token_ends_the_refresh_token_and_its_access_tokens(idp: Any) -> None:
    tokens = _tokens(idp)
    assert refused(idp.revoke_token, Token=tokens["RefreshToken"], ClientId=GATEWAY)[0] == (
        "UnauthorizedException")
    assert refused(idp.revoke_token, Token=tokens["AccessToken"], ClientId=GATEWAY,
                  ClientSecret=GATEWAY_SECRET)[0] == "UnsupportedTokenTypeException"
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=GATEWAY, ClientSecret=GATEWAY_SECRET)
    assert refused(idp.get_user, AccessToken=tokens["AccessToken"]) == (
        "NotAuthorizedException", "Access Token has been revoked")
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                                  "SECRET_HASH": secret_hash(ALIAS_USER)}) == (
        "NotAuthorizedException", "Refresh Token has been revoked")
    # Another sign-in of the same user is a different family and still works.
    assert idp.get_user(AccessToken=_tokens(idp)["AccessToken"])["Username"] == ALIAS_USER


def test_global_sign_out_invalidates_every_token_of_the_user(idp: Any) -> None:
    first, second = _tokens(idp), _tokens(idp)
    other = _tokens(idp, "password-user")
    idp.global_sign_out(AccessToken=first["AccessToken"])
    for tokens in (first, second):
        assert refused(idp.get_user, AccessToken=tokens["AccessToken"]) == (
            "NotAuthorizedException", "Access Token has been revoked")
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=GATEWAY,
                  AuthParameters={"REFRESH_TOKEN": second["RefreshToken"],
                                  "SECRET_HASH": secret_hash(ALIAS_USER)})[1] == (
        "Refresh Token has been revoked")
    assert idp.get_user(AccessToken=other["AccessToken"])["Username"] == "password-user"


def test_expired_and_forged_access_tokens_are_refused(idp: Any, url: str) -> None:
    tokens = _tokens(idp)
    assert refused(idp.get_user, AccessToken="not.a.token") == (
        "NotAuthorizedException", "Invalid Access Token")
    assert refused(idp.get_user, AccessToken=tokens["IdToken"]) == (
        "NotAuthorizedException", "Invalid Access Token")
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    header = jwt.get_unverified_header(tokens["AccessToken"])
    forged = jwt.encode({**claims, "username": "password-user"}, "k" * 32, algorithm="HS256",
                        headers={"kid": header["kid"]})
    assert refused(idp.get_user, AccessToken=forged)[1] == "Invalid Access Token"
    advance_clock(url, 3601)
    assert refused(idp.get_user, AccessToken=tokens["AccessToken"]) == (
        "NotAuthorizedException", "Access Token has expired")


def test_refresh_from_another_client_is_refused(idp: Any) -> None:
    tokens = _tokens(idp)
    assert refused(idp.initiate_auth, AuthFlow="REFRESH_TOKEN_AUTH", ClientId=PUBLIC,
                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}) == (
        "NotAuthorizedException", "Invalid Refresh Token")


def test_get_user_returns_the_users_attributes_and_mfa(idp: Any, url: str) -> None:
    challenge = password_auth(idp, "sms-user")
    code = hook(url, "GET", "/_emulator/outbox?username=sms-user")[1]["messages"][-1]["code"]
    tokens = respond(idp, challenge, {"SMS_MFA_CODE": code})["AuthenticationResult"]
    me = idp.get_user(AccessToken=tokens["AccessToken"])
    assert me["Username"] == "sms-user"
    attributes = {item["Name"]: item["Value"] for item in me["UserAttributes"]}
    assert attributes["phone_number"] == "+15555550100"
    assert "sub" in attributes
    assert me["UserMFASettingList"] == ["SMS_MFA"]
    assert me["PreferredMfaSetting"] == "SMS_MFA"
