"""The demo seed the gateway's tests and the local stack rely on, and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.helpers import (
    ALIAS_USER,
    GATEWAY,
    PASSWORD,
    PUBLIC,
    SETUP_CLIENT,
    TEMPORARY_PASSWORD,
    password_auth,
)
from tests.servers import ROOT, free_port


@pytest.mark.parametrize(
    ("login", "password", "client_id", "first_step"),
    [
        ("password-user", PASSWORD, GATEWAY, "tokens"),
        ("totp-user", PASSWORD, GATEWAY, "SOFTWARE_TOKEN_MFA"),
        ("sms-user", PASSWORD, GATEWAY, "SMS_MFA"),
        ("email-user", PASSWORD, GATEWAY, "EMAIL_OTP"),
        ("choice-user", PASSWORD, GATEWAY, "SELECT_MFA_TYPE"),
        ("new-password-user", TEMPORARY_PASSWORD, GATEWAY, "NEW_PASSWORD_REQUIRED"),
        ("alias@example.com", PASSWORD, GATEWAY, "tokens"),
        ("alias@example.com", PASSWORD, PUBLIC, "tokens"),
        ("setup-user", PASSWORD, SETUP_CLIENT, "MFA_SETUP"),
    ],
)
def test_each_demo_user_meets_its_scenario(idp: Any, login: str, password: str,
                                           client_id: str, first_step: str) -> None:
    response = password_auth(idp, login, password, client_id=client_id)
    if first_step == "tokens":
        assert "AuthenticationResult" in response
    else:
        assert response["ChallengeName"] == first_step


def test_alias_user_has_a_uuid_like_internal_name(idp: Any) -> None:
    tokens = password_auth(idp, "alias@example.com")["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == ALIAS_USER


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cognito_emulator", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_command_line_announces_where_it_listens() -> None:
    port = free_port()
    process = _run("--host", "127.0.0.1", "--port", str(port), "--seed", "demo")
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == (
            f"cognito-emulator listening on http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipes


@pytest.mark.parametrize(
    ("seed", "complaint"),
    [
        ("pools:\n  - Id: us-east-1_Bad1\n    PoolName: bad\n    MfaConfiguration: MAYBE\n",
         "mfaConfiguration"),
        ("pools:\n  - Id: us-east-1_Bad2\n    PoolName: bad\n    Users:\n"
         "      - {Username: u, Password: Aa-1aaaaaa, Attributes: {shoe_size: '9'}}\n",
         "shoe_size"),
        ("pools:\n  - PoolName: no-id\n", "fixed Id"),
        ("pools:\n  - Id: us-east-1_Bad3\n    PoolName: bad\n    Users:\n"
         "      - {Username: u, Password: Aa-1aaaaaa, Groups: [ghosts]}\n", "ghosts"),
        ("pools:\n  - Id: us-east-1_Bad4\n    PoolName: bad\n    Groups:\n"
         "      - {GroupName: g, Precedence: -1}\n", "precedence"),
        ("pools:\n  - Id: us-east-1_Bad5\n    PoolName: bad\n    Clients:\n"
         "      - {ClientId: c1, ClientName: c, AccessTokenValidity: 2,\n"
         "         TokenValidityUnits: {AccessToken: minutes}}\n",
         "Invalid range for token validity."),
    ],
)
def test_a_bad_seed_stops_the_start_with_a_reason(tmp_path: Path, seed: str,
                                                  complaint: str) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(seed)
    process = _run("--port", str(free_port()), "--seed", str(path))
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 2
    assert complaint in errors
