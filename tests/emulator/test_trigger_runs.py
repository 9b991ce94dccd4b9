"""What the emulator shows of Lambda trigger runs and confirmed devices: ``/_emulator/triggers``,
``/_emulator/devices`` and the HTML page, which never show an event (no password, no private
challenge parameter) and escape what callers chose."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.custom_triggers import MIGRATION_PASSWORD, SECRET
from tests.emulator.helpers import DEVICE_POOL, TEST_PASSWORD, hook, password_auth, refused
from tests.emulator.test_devices import _confirmed

ECHO_CLIENT = "11testecho000000000000011"  # custom auth whose private parameter is SECRET
ECHO_POOL = "us-east-1_TestPool07"
MIGRATION_CLIENT = "19testmigration000000019"
RAISING = "21testmigrationraising21"
RAISING_POOL = "us-east-1_TestPool16"
HOSTILE = "<img/src=x/onerror=alert(1)>"


def _custom_auth_round(idp: Any) -> None:
    challenge = idp.initiate_auth(AuthFlow="CUSTOM_AUTH", ClientId=ECHO_CLIENT,
                                  AuthParameters={"USERNAME": "custom-user"})
    idp.respond_to_auth_challenge(
        ClientId=ECHO_CLIENT, ChallengeName="CUSTOM_CHALLENGE", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "custom-user", "ANSWER": SECRET})


def test_trigger_runs_name_each_run_and_its_outcome_never_its_event(idp: Any, url: str) -> None:
    _custom_auth_round(idp)
    password_auth(idp, "migrated-user", MIGRATION_PASSWORD, client_id=MIGRATION_CLIENT)
    refused(password_auth, idp, "someone", TEST_PASSWORD, client_id=RAISING)
    status, body = hook(url, "GET", "/_emulator/triggers")
    assert status == 200
    runs = body["runs"]
    assert [(run["trigger"], run["trigger_source"], run["outcome"]) for run in runs] == [
        ("DefineAuthChallenge", "DefineAuthChallenge_Authentication", "ok"),
        ("CreateAuthChallenge", "CreateAuthChallenge_Authentication", "ok"),
        ("VerifyAuthChallengeResponse", "VerifyAuthChallengeResponse_Authentication", "ok"),
        ("DefineAuthChallenge", "DefineAuthChallenge_Authentication", "ok"),
        ("UserMigration", "UserMigration_Authentication", "ok"),
        ("UserMigration", "UserMigration_Authentication", "failed"),
    ]
    assert set(runs[0]) == {"at", "pool_id", "trigger", "trigger_source", "function_name",
                            "username", "outcome", "error"}
    assert runs[0]["function_name"] == "test-define-three-tries"
    assert runs[0]["pool_id"] == ECHO_POOL and runs[0]["username"] == "custom-user"
    assert runs[-1]["error"] == "UserLambdaValidationException"
    assert runs[0]["at"] <= runs[-1]["at"]
    text = json.dumps(body)
    assert SECRET not in text and MIGRATION_PASSWORD not in text and TEST_PASSWORD not in text

    only = hook(url, "GET", f"/_emulator/triggers?pool={RAISING_POOL}")[1]["runs"]
    assert [run["username"] for run in only] == ["someone"]
    hook(url, "POST", "/_emulator/reset")
    assert hook(url, "GET", "/_emulator/triggers")[1] == {"runs": []}


def test_devices_hook_lists_confirmed_devices(idp: Any, url: str) -> None:
    assert hook(url, "GET", "/_emulator/devices")[1] == {"devices": []}
    _tokens, metadata, _password = _confirmed(idp, url)
    status, body = hook(url, "GET", f"/_emulator/devices?pool={DEVICE_POOL}")
    assert status == 200
    (device,) = body["devices"]
    assert device["device_key"] == metadata["DeviceKey"]
    assert (device["pool_id"], device["username"], device["device_name"],
            device["remembered_status"]) == (DEVICE_POOL, "device-user", "laptop", "remembered")
    assert device["last_authenticated"] >= device["created"]
    assert "verifier" not in json.dumps(body).lower()


def test_page_lists_devices_and_trigger_runs_escaped(idp: Any, url: str) -> None:
    _tokens, metadata, _password = _confirmed(idp, url)
    _custom_auth_round(idp)
    password_auth(idp, "migrated-user", MIGRATION_PASSWORD, client_id=MIGRATION_CLIENT)
    refused(password_auth, idp, HOSTILE, TEST_PASSWORD, client_id=RAISING)
    status, page = hook(url, "GET", "/_emulator/")
    assert status == 200
    devices = page[page.index('<table id="devices"'):page.index('<p id="no-devices"')]
    assert metadata["DeviceKey"] in devices and "laptop" in devices
    assert "remembered" in devices and DEVICE_POOL in devices
    runs = page[page.index('<table id="runs"'):page.index('<p id="no-runs"')]
    assert "UserMigration_Authentication" in runs and "test-migrate" in runs
    assert "DefineAuthChallenge_Authentication" in runs
    assert "failed: UserLambdaValidationException" in runs
    # Newest first: the failed migration comes before the successful one.
    assert runs.index("failed: UserLambdaValidationException") < runs.index(">ok<")
    assert HOSTILE not in page
    assert "&lt;img/src=x/onerror=alert(1)&gt;" in runs
    assert SECRET not in page and MIGRATION_PASSWORD not in page


def test_page_says_when_there_are_no_devices_or_runs(url: str) -> None:
    page = hook(url, "GET", "/_emulator/")[1]
    assert '<table id="devices" aria-labelledby="devices-heading" hidden>' in page
    assert '<p id="no-devices">' in page
    assert '<p id="no-runs">' in page
