"""The published OpenAPI document is valid, covers every /auth/ route, and describes what the
API really answers (real responses from a sign-in validated against it): every error code the
gateway has, with its status and members, and one example per step, each compared with what
the gateway answers at that step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from gateway import errors
from gateway.signin import steps
from gateway.signin.steps.mfa_setup import ENROLLABLE
from gateway.signin.steps.select_mfa import CHOOSABLE
from gateway.web.api import OPENAPI
from tests.demo import (
    CHOICE_CLIENT,
    CHOICE_EMAIL_USER,
    CHOICE_POOL,
    CHOICE_SECRET,
    CODE_CLIENT,
    CODE_POOL,
    CODE_SECRET,
    CODE_USER,
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
    PASSKEY_USER,
    PASSWORD,
    TEMPORARY_PASSWORD,
)
from tests.emulator.soft_authenticator import SoftAuthenticator
from tests.gateway.drivers import API_HEADERS, GatewayFactory
from tests.gateway.hooks import EmulatorHooks

ENGLISH = json.loads(
    (Path(__file__).parents[2] / "gateway" / "web" / "locales" / "en.json").read_text()
)
# Values that differ at every sign-in: an example shows one, a real answer has its own.
VOLATILE = {"secret_code", "otpauth_uri", "qr_svg", "sub", "auth_time",
            "credential_request_options"}


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
    if "error" in body:
        documented_members(spec, body["error"])


def error_codes(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The documented error codes: code -> its entry (``x-status``, ``x-restart``, ...)."""
    code = spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    return {entry["const"]: entry for entry in code["oneOf"]}


def documented_members(spec: dict[str, Any], error: dict[str, Any]) -> None:
    """An error carries ``restart``, ``retry_after`` and ``field`` only as its code's entry
    says (and ``restart`` always when it says so)."""
    entry = error_codes(spec)[error["code"]]
    assert ("restart" in error) == bool(entry.get("x-restart")), error
    if "retry_after" in error:
        assert entry.get("x-retry-after"), error
    if "field" in error:
        assert entry.get("x-field"), error


def statuses(entry: dict[str, Any]) -> set[int]:
    status = entry["x-status"]
    return set(status) if isinstance(status, list) else {status}


# The family's branches: never raised themselves (they inherit internal_error), only their leaves.
BRANCHES = {errors.Refused, errors.WrongAnswer, errors.WrongCode, errors.Restart,
            errors.OutOfStep, errors.Outage}


def all_error_classes() -> list[type[errors.GatewayError]]:
    """Every error the gateway can raise: the whole family (subclasses of subclasses too, from
    any module), less the branches."""
    found: list[type[errors.GatewayError]] = [errors.GatewayError]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return [cls for cls in found if cls not in BRANCHES]


def test_every_error_code_is_documented_with_its_status_and_restart() -> None:
    documented = error_codes(OPENAPI)
    by_code: dict[str, set[int]] = {}
    restarts: dict[str, set[bool]] = {}
    for cls in all_error_classes():
        by_code.setdefault(cls.code, set()).add(cls.status)
        restarts.setdefault(cls.code, set()).add(cls.restart)
    assert set(documented) == set(by_code), "documented codes differ from gateway/errors.py"
    for code, entry in documented.items():
        assert statuses(entry) == by_code[code], code
        assert restarts[code] == {bool(entry.get("x-restart"))}, code
        assert entry.get("description"), code
    # Every status a code can have is one some path documents.
    answered = {int(status) for item in OPENAPI["paths"].values() for op in item.values()
                for status in op["responses"]}
    assert set().union(*by_code.values()) - {404, 405, 500} <= answered
    # The served enum is the list.
    code = OPENAPI["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert code["enum"] == list(documented)


def test_each_mfa_method_has_the_label_the_pages_show() -> None:
    methods = OPENAPI["components"]["schemas"]["MfaMethod"]["oneOf"]
    assert {m["const"] for m in methods} == {m.value for m in (*CHOOSABLE, *ENROLLABLE)}
    for method in methods:
        assert method["title"] == ENGLISH[f"mfa.{method['const']}"]
        assert method["description"] == ENGLISH[f"mfa.{method['const']}.hint"]


def test_request_examples_fit_their_schemas() -> None:
    for item in OPENAPI["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                examples = [e["value"] for e in media.get("examples", {}).values()]
                examples += [media["example"]] if "example" in media else []
                for example in examples:
                    jsonschema.Draft202012Validator(
                        {**OPENAPI, **media["schema"]}).validate(example)


def same_apart_from_volatile(example: Any, real: Any, where: str = "") -> None:
    if isinstance(example, dict) and isinstance(real, dict):
        assert set(example) == set(real), (where, sorted(example), sorted(real))
        for key in example:
            if key in VOLATILE:
                assert type(example[key]) is type(real[key]), (where, key)
            else:
                same_apart_from_volatile(example[key], real[key], f"{where}.{key}")
    else:
        assert example == real, (where, example, real)


async def test_one_example_per_step_and_each_is_what_the_gateway_answers(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    step = OPENAPI["components"]["responses"]["Step"]["content"]["application/json"]
    examples = {name: e["value"] for name, e in step["examples"].items()}
    assert set(examples) == {*steps.FORMS, "authenticated"}
    for name, example in examples.items():
        if name != "authenticated":
            assert example["challenge"]["step"] == name
        jsonschema.Draft202012Validator({**OPENAPI, **step["schema"]}).validate(example)

    demo = await make_gateway()
    mfa = await make_gateway(user_pool_id=MFA_POOL, client_id=MFA_CLIENT,
                             client_secret=MFA_SECRET)
    custom = await make_gateway(user_pool_id=CODE_POOL, client_id=CODE_CLIENT,
                                client_secret=CODE_SECRET, auth_flow="CUSTOM_AUTH")
    choice = await make_gateway(user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT,
                                client_secret=CHOICE_SECRET, auth_flow="USER_AUTH",
                                public_origin="http://localhost:8000")

    async def first(gateway: TestClient, username: str, password: str = PASSWORD) -> Any:
        gateway.session.cookie_jar.clear()
        return await answer(gateway, "/auth/login", {"username": username,
                                                      "password": password})

    async def answer(gateway: TestClient, path: str, body: dict[str, Any]) -> Any:
        response = await gateway.post(path, json=body, headers=API_HEADERS)
        assert response.status == 200, await response.text()
        return await response.json()

    real = {
        "authenticator-code": await first(demo, "totp-user"),
        "sms-code": await first(demo, "sms-user"),
        "email-code": await first(demo, "email-user"),
        "choose-mfa": await first(demo, "choice-user"),
        "new-password": await first(demo, "new-password-user", TEMPORARY_PASSWORD),
        "setup-mfa": await first(mfa, "setup-user"),
        "custom": await answer(custom, "/auth/login", {"username": CODE_USER}),
        "choose-method": await answer(choice, "/auth/login", {"username": CHOICE_EMAIL_USER}),
    }
    # A passkey step needs a passkey: registered as a signed-in person does.
    signed_in = await answer(choice, "/auth/login", {
        "username": PASSKEY_USER, "preferred": "PASSWORD_SRP", "password": PASSWORD})
    assert signed_in["status"] == "authenticated"
    options = (await answer(choice, "/auth/passkeys/options", {}))["options"]
    credential = SoftAuthenticator().create(options, "http://localhost:8000")
    registered = await choice.post("/auth/passkeys", json={"credential": credential},
                                   headers=API_HEADERS)
    assert registered.status == 201
    real["passkey"] = await answer(choice, "/auth/login",
                                   {"username": PASSKEY_USER, "preferred": "WEB_AUTHN"})
    real["reset-password"] = await answer(demo, "/auth/password/forgot",
                                          {"username": "password@example.com"})
    signing_up = await make_gateway(
        user_pool_id="us-east-1_DemoSignUp1", client_id="10demosignupclient00000010",
        client_secret="10demosignupclientsecret000000000000000000000000010", sign_up="true")
    real["confirm-sign-up"] = await answer(signing_up, "/auth/signup", {
        "username": "ada@elsewhere.example", "password": "Brand-New-Passw0rd!",
        "attributes": {"email": "ada@elsewhere.example"}})
    real["setup-email"] = await answer(mfa, "/auth/challenge", {
        "challenge": "MFA_SETUP", "answers": {"mfa_type": "EMAIL_OTP"}})
    await first(mfa, "setup-user")
    real["setup-authenticator"] = await answer(mfa, "/auth/challenge", {
        "challenge": "MFA_SETUP", "answers": {"mfa_type": "SOFTWARE_TOKEN_MFA"}})
    real["authenticated"] = await answer(mfa, "/auth/challenge", {
        "challenge": "MFA_SETUP", "step": "setup-authenticator",
        "answers": {"code": await hooks.totp("setup-user")}})
    for name, example in examples.items():
        same_apart_from_volatile(example, real[name], name)


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
    status, _ = await call("POST", "/auth/challenge",
                           {"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": "123456"}})
    assert status == 410  # no sign-in in progress: flow_expired, with restart
    status, _ = await call("POST", "/auth/login", {"username": "x" * 129, "password": "p"})
    assert status == 400
    response = await gateway.get("/auth/session")  # no X-CSRF
    check(spec, "/auth/session", "get", response.status, await response.json())
    assert response.status == 403
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
    status, body = await call("POST", "/auth/login", {"username": "sms-user",
                                                      "password": PASSWORD})
    assert (status, body["challenge"]["step"]) == (200, "sms-code")
    status, _ = await call("POST", "/auth/cancel")
    assert status == 204
    assert "204" in spec["paths"]["/auth/cancel"]["post"]["responses"]
    status, _ = await call("POST", "/auth/logout")
    assert status == 204


async def test_a_rate_limited_answer_matches_the_document(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(ip_failure_limit="1")
    spec = await fetch_spec(gateway)
    seen = []
    for _ in range(2):
        response = await gateway.post("/auth/login", headers=API_HEADERS,
                                      json={"username": "totp-user", "password": "nope"})
        body = await response.json()
        check(spec, "/auth/login", "post", response.status, body)
        seen.append(body["error"]["code"])
    assert seen == ["invalid_credentials", "rate_limited"]
    assert body["error"]["retry_after"] > 0
