"""The JSON API as a developer meets it: refusals whose sentences point the right way (a
missing header, a code sent as a number, a username too long, an answer with no sign-in in
progress), and ``POST /auth/cancel``, the API's "start over".

Every call goes over HTTP to a gateway talking to the emulator process and a real redis-server.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.signin.runner import MAX_USERNAME
from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import jar_value

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
FLOW_COOKIE = "__Host-gw-flow"
SESSION_COOKIE = "__Host-gw-session"


async def call(
    gateway: TestClient, method: str, path: str, body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    response = await gateway.request(method, path, json=body,
                                     headers=API_HEADERS if headers is None else headers)
    payload = await response.json() if response.content_type == "application/json" else {}
    return response.status, payload


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = body["error"]
    return error


async def test_a_missing_or_wrong_csrf_header_is_named(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    for headers in ({}, {"X-CSRF": "true"}, {"X-CSRF": "0"}):
        for method, path, body in (("POST", "/auth/login",
                                    {"username": "totp-user", "password": PASSWORD}),
                                   ("GET", "/auth/session", None),
                                   ("POST", "/auth/cancel", None)):
            status, answer = await call(gateway, method, path, body, headers=headers)
            error = refusal(answer)
            assert (status, error["code"]) == (403, "csrf_failed"), (headers, path)
            assert "X-CSRF: 1" in error["message"], error
            assert "form" not in error["message"]
    _, answer = await call(gateway, "GET", "/auth/session", headers=GERMAN)
    assert "X-CSRF: 1" in refusal(answer)["message"]
    assert "Header" in refusal(answer)["message"]
    assert await hooks.calls() == []  # refused before anything was asked


async def test_a_code_sent_as_a_number_is_told_to_send_a_string(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "totp-user", "password": PASSWORD})
    assert (status, body["challenge"]["name"]) == (200, "SOFTWARE_TOKEN_MFA")
    code = await hooks.totp("totp-user")
    status, body = await call(gateway, "POST", "/auth/challenge",
                              {"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": int(code)}})
    error = refusal(body)
    assert (status, error["code"], error["field"]) == (400, "invalid_request", "code")
    assert "as a string" in error["message"], error
    assert "restart" not in error
    # Any other member sent as a number is named, too.
    status, body = await call(gateway, "POST", "/auth/challenge",
                              {"challenge": 7, "answers": {"code": code}})
    error = refusal(body)
    assert (status, error["field"]) == (400, "challenge")
    assert error["message"] == "Send “challenge” as a string, in quotes."
    # The flow is still there: the same code, quoted, signs in.
    status, body = await call(gateway, "POST", "/auth/challenge",
                              {"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": code}})
    assert (status, body["status"]) == (200, "authenticated")


async def test_a_username_over_the_limit_is_said_to_be_too_long(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    for username in ("a" * (MAX_USERNAME + 1), "a" * 5000):
        for headers in (API_HEADERS, {**API_HEADERS, **GERMAN}):
            status, body = await call(gateway, "POST", "/auth/login",
                                      {"username": username, "password": PASSWORD},
                                      headers=headers)
            error = refusal(body)
            assert (status, error["code"], error["field"]) == (400, "invalid_request",
                                                               "username")
            assert "too long" in error["message"] or "zu lang" in error["message"], error
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "", "password": PASSWORD})
    assert refusal(body)["message"] == "Enter your email or username."  # missing, not long
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "totp-user", "password": "p" * 257})
    assert refusal(body)["message"] == "That password is too long."
    assert await hooks.calls() == []


async def test_an_answer_after_signing_out_mid_flow_says_no_sign_in_is_in_progress(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    # Signed in, then a second sign-in begins (another account, say) and the person signs out
    # half-way: the sign-out ends the session and the sign-in in progress with it.
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "password-user", "password": PASSWORD})
    assert (status, body["status"]) == (200, "authenticated")
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "totp-user", "password": PASSWORD})
    assert (status, body["challenge"]["step"]) == (200, "authenticator-code")
    assert jar_value(gateway, FLOW_COOKIE) is not None
    status, _ = await call(gateway, "POST", "/auth/logout")
    assert status == 204
    assert jar_value(gateway, FLOW_COOKIE) is None

    status, body = await call(gateway, "POST", "/auth/challenge", {
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": await hooks.totp("totp-user")}})
    error = refusal(body)
    assert (status, error["code"], error["restart"]) == (410, "flow_expired", True)
    assert error["message"].startswith("There is no sign-in in progress"), error
    assert "too long" not in error["message"]


async def test_cancel_ends_the_sign_in_in_progress(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "totp-user", "password": PASSWORD})
    assert (status, body["challenge"]["name"]) == (200, "SOFTWARE_TOKEN_MFA")
    cancelled = await gateway.post("/auth/cancel", headers=API_HEADERS)
    assert cancelled.status == 204
    assert jar_value(gateway, FLOW_COOKIE) is None
    assert "Clear-Site-Data" not in cancelled.headers
    status, body = await call(gateway, "POST", "/auth/challenge", {
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": await hooks.totp("totp-user")}})
    assert (status, refusal(body)["code"]) == (410, "flow_expired")
    # Nothing in progress: still a 204, and a JSON body is allowed (and ignored).
    status, _ = await call(gateway, "POST", "/auth/cancel", {})
    assert status == 204


async def test_cancel_keeps_the_session_and_the_journey_is_gone_for_a_replayed_cookie(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "password-user", "password": PASSWORD})
    assert body["status"] == "authenticated"
    status, body = await call(gateway, "POST", "/auth/login",
                              {"username": "totp-user", "password": PASSWORD})
    assert body["status"] == "challenge"
    flow = jar_value(gateway, FLOW_COOKIE)
    assert flow is not None
    assert (await gateway.post("/auth/cancel", headers=API_HEADERS)).status == 204
    status, body = await call(gateway, "GET", "/auth/session")
    assert (status, body["user"]["username"]) == (200, "password-user")
    # The journey itself is deleted: the old flow cookie, sent again, names nothing.
    gateway.session.cookie_jar.update_cookies({FLOW_COOKIE: flow})
    status, body = await call(gateway, "POST", "/auth/challenge", {
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": await hooks.totp("totp-user")}})
    assert (status, refusal(body)["code"]) == (410, "flow_expired")
    # (The cookie did arrive: its journey was looked for and not found.)
    assert refusal(body)["message"] == "That took too long, please sign in again."
    assert jar_value(gateway, SESSION_COOKIE) is not None
