"""The published OpenAPI document is valid, covers every /auth/ route, and describes what the
API really answers (real responses from a sign-in validated against it)."""

from __future__ import annotations

from typing import Any

import jsonschema
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS
from tests.gateway.hooks import EmulatorHooks


async def fetch_spec(gateway: TestClient) -> dict[str, Any]:
    response = await gateway.get("/auth/openapi.json")  # no X-CSRF needed for the document
    assert response.status == 200
    spec: dict[str, Any] = await response.json()
    return spec


def check(spec: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered undocumented {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # The spec is the root document, so its #/components/... references resolve.
    jsonschema.Draft202012Validator({**spec, **schema}).validate(body)


async def test_document_is_valid_and_covers_every_route(gateway: TestClient) -> None:
    spec = await fetch_spec(gateway)
    validate(spec)
    routes = {
        (route.resource.canonical, route.method.lower())
        for route in gateway.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/auth/")
        and route.method != "HEAD"
    }
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes, "no /auth/ routes found"
    assert routes == documented


async def test_real_answers_match_the_document(gateway: TestClient, hooks: EmulatorHooks) -> None:
    spec = await fetch_spec(gateway)

    async def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await gateway.request(method, path, json=body, headers=API_HEADERS)
        payload = await response.json() if response.content_type == "application/json" else None
        if payload is not None:
            check(spec, path, method.lower(), response.status, payload)
        return response.status, payload

    status, _ = await call("GET", "/auth/session")
    assert status == 401
    status, _ = await call("POST", "/auth/login", {"username": "totp-user", "password": "nope"})
    assert status == 401
    status, body = await call("POST", "/auth/login", {"username": "totp-user",
                                                      "password": PASSWORD})
    assert (status, body["challenge"]["name"]) == (200, "SOFTWARE_TOKEN_MFA")
    status, body = await call("POST", "/auth/challenge",
                              {"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": "12"}})
    assert (status, body["error"]["field"]) == (400, "code")
    code = await hooks.totp("totp-user")
    status, body = await call("POST", "/auth/challenge",
                              {"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": code}})
    assert (status, body["status"]) == (200, "authenticated")
    status, body = await call("GET", "/auth/session")
    assert (status, body["user"]["username"]) == (200, "totp-user")
    status, _ = await call("POST", "/auth/logout")
    assert status == 204
