"""Secrets in logs (ASVS 7.1.1): every demo flow runs, through both faces, with everything the
gateway logs captured at DEBUG; then every captured line is searched for every secret that the
flows handled: what people typed, what Cognito issued (read off the gateway's own aiobotocore
client as it received it), what the emulator sent out, and the cookies the browser held."""

from __future__ import annotations

import logging

import pytest

from cognito_srp import secret_hash
from tests.demo import CLIENT, MFA_CLIENT, MFA_SECRET, SECRET
from tests.gateway.drivers import GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.journeys import SECOND_SETUP_USER, every_demo_flow
from tests.gateway.observe import jwts_in, leaked

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def everything_in(record: logging.LogRecord) -> str:
    """A log record as any handler could render it: message, every extra field, traceback."""
    parts = [record.name, record.getMessage()]
    parts += [f"{key}={value!r}" for key, value in record.__dict__.items()
              if key not in _STANDARD]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return " ".join(parts)


@pytest.mark.parametrize("face", ["html", "json"])
async def test_no_secret_appears_in_any_log_line(
    face: str, make_gateway: GatewayFactory, hooks: EmulatorHooks,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every logger the gateway could use
    run = await every_demo_flow(face, make_gateway, hooks)

    codes = set()
    for user in run.usernames | {SECOND_SETUP_USER}:
        codes |= {message["code"] for message in await hooks.messages(user)}
    hashes = {secret_hash(user, client, secret) for user in run.usernames | {SECOND_SETUP_USER}
              for client, secret in ((CLIENT, SECRET), (MFA_CLIENT, MFA_SECRET))}
    secrets = (run.typed | codes | run.totp_secrets | hashes | {SECRET, MFA_SECRET}
               | run.cognito_secrets() | run.cookie_values())
    # The flows handled what we think they did, so the search below can find something.
    assert len(codes) >= 5 and len(run.totp_secrets) >= 3
    assert len({t for traffic in run.traffic for t in traffic.tokens()}) >= 3 * 10
    assert sum(len(traffic.sessions()) for traffic in run.traffic) >= 10

    records = caplog.records
    assert any(r.levelno == logging.DEBUG and r.name == "gateway.cognito" for r in records)
    assert sum(r.getMessage() == "request" for r in records) >= len(run.responses)
    text = "\n".join(everything_in(record) for record in records)
    assert leaked(text, secrets) == []
    assert jwts_in(text) == []
