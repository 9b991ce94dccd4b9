"""The /_emulator/ test hooks: outbox, call log, faults, clock, reset, TOTP and the HTML page."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import jwt
import pyotp
import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import (
    POOL,
    advance_clock,
    calls,
    emulator_now,
    hook,
    last_code,
    outbox,
    password_auth,
    respond,
    totp,
)

TOTP_SECRET = "MRSW23ZNORXXI4BNOVZWK4RNONSWG4TF"  # totp-user in the demo seed


def test_health(url: str) -> None:
    assert hook(url, "GET", "/_emulator/health") == (200, {"status": "ok"})


def test_outbox_finds_messages_by_username_or_alias_oldest_first(idp: Any, url: str) -> None:
    password_auth(idp, "sms-user")
    password_auth(idp, "email-user")
    password_auth(idp, "sms-user")
    by_name = outbox(url, "sms-user")
    assert len(by_name) == 2
    assert by_name[0]["sent_at"] <= by_name[1]["sent_at"]
    assert set(by_name[0]) == {"pool_id", "username", "medium", "destination", "code",
                               "purpose", "sent_at"}
    assert outbox(url, "+15555550100") == by_name
    assert outbox(url, "sms-user@example.com") == by_name
    assert outbox(url, "sms-user", pool="us-east-1_DemoPool02") == []
    assert len(hook(url, "GET", "/_emulator/outbox")[1]["messages"]) == 3
    assert hook(url, "DELETE", "/_emulator/outbox")[0] == 200
    assert outbox(url, "sms-user") == []


def test_call_log_is_oldest_first_and_filters_by_operation(idp: Any, url: str) -> None:
    password_auth(idp, "password-user")
    with pytest.raises(ClientError):
        password_auth(idp, "password-user", "Wrong-Passw0rd!")
    idp.describe_user_pool(UserPoolId=POOL)
    records = calls(url, "InitiateAuth")
    assert [record["error"] for record in records] == [None, "NotAuthorizedException"]
    assert records[0]["at"] <= records[1]["at"]
    everything = hook(url, "GET", "/_emulator/calls")[1]["calls"]
    assert [record["operation"] for record in everything] == [
        "InitiateAuth", "InitiateAuth", "DescribeUserPool"]


def test_injected_errors_hit_the_next_n_calls_of_one_operation(idp: Any, url: str) -> None:
    status, _ = hook(url, "POST", "/_emulator/faults", {
        "operation": "InitiateAuth", "error": "InternalErrorException", "message": "boom",
        "count": 2})
    assert status == 201
    idp.describe_user_pool(UserPoolId=POOL)  # other operations are untouched
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            password_auth(idp, "password-user")
        assert excinfo.value.response["Error"] == {"Code": "InternalErrorException",
                                                   "Message": "boom"}
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "AuthenticationResult" in password_auth(idp, "password-user")

    hook(url, "POST", "/_emulator/faults", {"operation": "InitiateAuth",
                                            "error": "TooManyRequestsException", "count": 1})
    with pytest.raises(ClientError) as excinfo:
        password_auth(idp, "password-user")
    assert excinfo.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert calls(url, "InitiateAuth")[-1]["error"] == "TooManyRequestsException"


def test_injected_latency_and_clearing_faults(idp: Any, url: str) -> None:
    hook(url, "POST", "/_emulator/faults", {"operation": "DescribeUserPool", "latency_ms": 400,
                                            "count": 1})
    started = time.monotonic()
    idp.describe_user_pool(UserPoolId=POOL)
    assert time.monotonic() - started >= 0.4
    hook(url, "POST", "/_emulator/faults", {"operation": "DescribeUserPool",
                                            "error": "InternalErrorException", "count": 5})
    assert hook(url, "DELETE", "/_emulator/faults")[0] == 200
    idp.describe_user_pool(UserPoolId=POOL)


@pytest.mark.parametrize("body", [
    {"operation": "NoSuchOperation", "error": "InternalErrorException"},
    {"operation": "InitiateAuth"},
    {"operation": "InitiateAuth", "latency_ms": -5},
    {"operation": "InitiateAuth", "error": "InternalErrorException", "count": 0},
])
def test_bad_fault_requests_are_refused(url: str, body: dict[str, Any]) -> None:
    assert hook(url, "POST", "/_emulator/faults", body)[0] == 400


def test_clock_offsets_add_up_or_are_set(url: str) -> None:
    assert hook(url, "POST", "/_emulator/clock", {"advance_seconds": 100})[1][
        "offset_seconds"] == 100
    assert hook(url, "POST", "/_emulator/clock", {"advance_seconds": 20})[1][
        "offset_seconds"] == 120
    status, clock = hook(url, "POST", "/_emulator/clock", {"offset_seconds": -30})
    assert status == 200 and clock["offset_seconds"] == -30
    assert abs(clock["now"] - (time.time() - 30)) < 5
    assert hook(url, "GET", "/_emulator/clock")[1]["offset_seconds"] == -30
    assert hook(url, "POST", "/_emulator/clock", {"advance": 1})[0] == 400


def test_clock_drives_token_times(idp: Any, url: str) -> None:
    advance_clock(url, 7200)
    access = password_auth(idp, "password-user")["AuthenticationResult"]["AccessToken"]
    issued = jwt.decode(access, options={"verify_signature": False})["iat"]
    assert abs(issued - (time.time() + 7200)) < 5


def test_reset_returns_to_the_seed(idp: Any, url: str) -> None:
    code = pyotp.TOTP(TOTP_SECRET).at(int(emulator_now(url)))
    respond(idp, password_auth(idp, "totp-user"), {"SOFTWARE_TOKEN_MFA_CODE": code})
    idp.admin_create_user(UserPoolId=POOL, Username="ephemeral", MessageAction="SUPPRESS")
    idp.admin_disable_user(UserPoolId=POOL, Username="password-user")
    password_auth(idp, "sms-user")
    advance_clock(url, 5)
    hook(url, "POST", "/_emulator/faults", {"operation": "GetUser", "latency_ms": 1})

    assert hook(url, "POST", "/_emulator/reset")[0] == 200
    assert hook(url, "GET", "/_emulator/clock")[1]["offset_seconds"] == 0
    assert hook(url, "GET", "/_emulator/faults")[1]["faults"] == []
    assert hook(url, "GET", "/_emulator/outbox")[1]["messages"] == []
    assert hook(url, "GET", "/_emulator/calls")[1]["calls"] == []
    with pytest.raises(ClientError):
        idp.admin_get_user(UserPoolId=POOL, Username="ephemeral")
    assert "AuthenticationResult" in password_auth(idp, "password-user")
    # TOTP replay memory is part of the state that resets.
    result = respond(idp, password_auth(idp, "totp-user"), {"SOFTWARE_TOKEN_MFA_CODE": code})
    assert "AuthenticationResult" in result


def test_totp_hook_gives_the_code_at_emulator_time(url: str) -> None:
    current = totp(url, "totp-user")
    assert current["secret"] == TOTP_SECRET
    assert current["code"] == pyotp.TOTP(TOTP_SECRET).at(int(emulator_now(url)))
    assert 1 <= current["seconds_left"] <= 30
    advance_clock(url, 90)
    later = totp(url, "totp-user@example.com", pool=POOL)
    assert later["code"] == pyotp.TOTP(TOTP_SECRET).at(int(emulator_now(url)))
    assert hook(url, "GET", "/_emulator/totp?username=password-user")[0] == 404


def test_html_page_lists_codes_and_escapes_what_it_shows(idp: Any, url: str) -> None:
    hostile = "<img/src=x/onerror=alert(1)>"
    idp.admin_create_user(UserPoolId=POOL, Username=hostile, DesiredDeliveryMediums=["EMAIL"],
                          UserAttributes=[{"Name": "email", "Value": "hostile@example.com"}])
    password_auth(idp, "sms-user")
    before = totp(url, "totp-user")["code"]
    status, page = hook(url, "GET", "/_emulator/")
    after = totp(url, "totp-user")["code"]
    assert status == 200
    # The step may roll over between the calls; the page shows one of the two codes.
    assert before in page or after in page
    assert last_code(url, "sms-user") in page
    assert hostile not in page
    assert "&lt;img/src=x/onerror=alert(1)&gt;" in page
    assert hook(url, "GET", "/_emulator")[0] == 200  # redirected to the page


def test_authenticators_hook_lists_every_code_at_emulator_time(idp: Any, url: str) -> None:
    """What the page's script polls: every user with a software token, one being set up too."""
    token = password_auth(idp, "password-user")["AuthenticationResult"]["AccessToken"]
    pending = idp.associate_software_token(AccessToken=token)["SecretCode"]
    advance_clock(url, 3600)
    status, body = hook(url, "GET", "/_emulator/authenticators")
    assert status == 200
    assert body["step_seconds"] == 30
    assert abs(body["now"] - emulator_now(url)) < 5
    by_user = {(item["pool_id"], item["username"]): item for item in body["authenticators"]}
    demo_pool = {username for pool, username in by_user if pool == POOL}
    assert demo_pool == {"totp-user", "choice-user", "password-user"}
    assert by_user[(POOL, "totp-user")]["code"] == pyotp.TOTP(TOTP_SECRET).at(int(body["now"]))
    assert by_user[(POOL, "totp-user")]["verified"] is True
    assert by_user[(POOL, "password-user")]["secret"] == pending
    assert by_user[(POOL, "password-user")]["verified"] is False


def test_html_page_runs_only_its_own_script(url: str) -> None:
    """The page loads /_emulator/page.js from its own origin; no inline script may run."""
    with urllib.request.urlopen(f"{url}/_emulator/", timeout=10) as reply:  # noqa: S310
        policy = reply.headers["Content-Security-Policy"]
        page = reply.read().decode()
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert '<script src="/_emulator/page.js"' in page
    with urllib.request.urlopen(f"{url}/_emulator/page.js", timeout=10) as reply:  # noqa: S310
        assert reply.headers["Content-Type"].startswith("text/javascript")
        assert "/_emulator/authenticators" in reply.read().decode()
