"""Per-pool OpenID discovery and JWKS, at the paths Cognito serves them under its issuer."""

from __future__ import annotations

from aiohttp import web

from cognito_emulator.app_keys import EMULATOR, ISSUER_OVERRIDE


def issuer_base(request: web.Request) -> str:
    """The base URL of every ``iss``: the configured one, else the emulator as the caller
    reached it, so the JWKS URL derived from ``iss`` works from wherever the tokens came from."""
    override = request.app[ISSUER_OVERRIDE]
    if override:
        return override.rstrip("/")
    return f"{request.scheme}://{request.host}"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/{pool_id}/.well-known/jwks.json", jwks)
    app.router.add_get("/{pool_id}/.well-known/openid-configuration", discovery)


def _pool_id(request: web.Request) -> str:
    pool_id = request.match_info["pool_id"]
    if pool_id not in request.app[EMULATOR].store.pools:
        raise web.HTTPNotFound(text='{"message": "User pool does not exist."}',
                               content_type="application/json")
    return pool_id


async def jwks(request: web.Request) -> web.Response:
    pool_id = _pool_id(request)
    return web.json_response(request.app[EMULATOR].tokens.jwks(pool_id))


async def discovery(request: web.Request) -> web.Response:
    pool_id = _pool_id(request)
    issuer = f"{issuer_base(request)}/{pool_id}"
    # No hosted UI: the OAuth endpoints are absent, only what token verification needs.
    return web.json_response({
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })
