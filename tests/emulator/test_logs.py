"""The emulator's own log (stderr) never carries a secret it handled."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyotp

from tests.emulator.helpers import (
    GATEWAY,
    GATEWAY_SECRET,
    PASSWORD,
    POOL,
    SrpClient,
    auth_parameters,
    cognito,
    hook,
    last_code,
    password_auth,
    respond,
    secret_hash,
)
from tests.servers import ROOT, free_port


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "the emulator exited"
        try:
            with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the emulator did not start")


def test_no_secret_reaches_the_log(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "emulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cognito_emulator", "--port", str(port), "--seed", "demo"],
            cwd=ROOT, stdout=log, stderr=log,
        )
        try:
            _wait_until_healthy(url, process)
            idp = cognito(url)
            secrets = [PASSWORD, GATEWAY_SECRET]

            srp = SrpClient(POOL, PASSWORD)
            start = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=GATEWAY,
                                      AuthParameters=auth_parameters("sms-user", GATEWAY,
                                                                     SRP_A=srp.srp_a))
            claim = srp.claim(start["ChallengeParameters"])
            claim["SECRET_HASH"] = secret_hash("sms-user")
            challenge = idp.respond_to_auth_challenge(
                ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=claim)
            code = last_code(url, "sms-user")
            tokens = respond(idp, challenge, {"SMS_MFA_CODE": code})["AuthenticationResult"]
            totp_code = pyotp.TOTP("MRSW23ZNORXXI4BNOVZWK4RNONSWG4TF").now()
            respond(idp, password_auth(idp, "totp-user"), {"SOFTWARE_TOKEN_MFA_CODE": totp_code})
            hook(url, "POST", "/_emulator/faults",
                 {"operation": "GetUser", "error": "InternalErrorException"})
            with contextlib.suppress(idp.exceptions.InternalErrorException):
                idp.get_user(AccessToken=tokens["AccessToken"])
            secrets += [start["Session"], start["ChallengeParameters"]["SECRET_BLOCK"],
                        start["ChallengeParameters"]["SRP_B"], srp.srp_a,
                        claim["PASSWORD_CLAIM_SIGNATURE"], claim["SECRET_HASH"],
                        challenge["Session"], code, totp_code, tokens["AccessToken"],
                        tokens["IdToken"], tokens["RefreshToken"]]
        finally:
            process.terminate()
            process.wait(timeout=10)
    text = log_path.read_text()
    assert "RespondToAuthChallenge -> ok" in text  # the log did record the calls
    for secret in secrets:
        assert secret not in text
