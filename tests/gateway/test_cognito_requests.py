"""What the gateway sends to Cognito: the auth flow, USERNAME and SECRET_HASH at each step,
UserContextData, ClientMetadata and AnalyticsMetadata.

The requests are observed on the gateway's own aiobotocore client through botocore's event
system (nothing is replaced), and the emulator's call log shows what arrived.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from cognito_srp import secret_hash
from gateway.keys import COGNITO_CLIENT
from tests.demo import ALIAS_ID, CLIENT, PASSWORD, PUBLIC_CLIENT, SECRET
from tests.gateway.drivers import GatewayFactory, JsonDriver
from tests.gateway.hooks import EmulatorHooks


def observe(gateway: TestClient) -> list[tuple[str, dict[str, Any]]]:
    """Every Cognito request the gateway makes from now on: (operation, parameters)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        seen.append((model.name, params))

    client = gateway.app[COGNITO_CLIENT]
    client.meta.events.register("provide-client-params.cognito-idp", record)
    return seen


async def test_srp_then_internal_username_with_matching_secret_hashes(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    seen = observe(gateway)
    step = await JsonDriver(gateway).login("alias@example.com", PASSWORD)
    assert step.signed_in
    (initiate_op, initiate), (respond_op, respond) = seen
    assert (initiate_op, initiate["AuthFlow"]) == ("InitiateAuth", "USER_SRP_AUTH")
    parameters = initiate["AuthParameters"]
    assert parameters["USERNAME"] == "alias@example.com"
    assert parameters["SECRET_HASH"] == secret_hash("alias@example.com", CLIENT, SECRET)
    assert "PASSWORD" not in parameters  # SRP: the password never leaves the gateway
    assert respond_op == "RespondToAuthChallenge"
    assert respond["ChallengeName"] == "PASSWORD_VERIFIER"
    answers = respond["ChallengeResponses"]
    assert answers["USERNAME"] == ALIAS_ID
    assert answers["SECRET_HASH"] == secret_hash(ALIAS_ID, CLIENT, SECRET)
    assert PASSWORD not in str(seen)


async def test_user_password_auth_when_configured(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(auth_flow="USER_PASSWORD_AUTH")
    seen = observe(gateway)
    driver = JsonDriver(gateway)
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    assert [op for op, _ in seen] == ["InitiateAuth"]
    assert seen[0][1]["AuthFlow"] == "USER_PASSWORD_AUTH"
    step = await driver.answer(step, {"code": await hooks.totp("totp-user")})
    assert step.signed_in
    assert seen[-1][1]["ChallengeResponses"]["USERNAME"] == "totp-user"


async def test_a_client_without_a_secret_sends_no_hash(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(client_id=PUBLIC_CLIENT, client_secret="")
    seen = observe(gateway)
    step = await JsonDriver(gateway).login("password-user", PASSWORD)
    assert step.signed_in
    assert all("SECRET_HASH" not in str(params) for _, params in seen)
    # Cognito ignores IpAddress from a client without a secret; the emulator says so.
    calls = await hooks.calls("InitiateAuth")
    assert calls[-1]["ip_honoured"] is False


async def test_context_and_metadata_reach_cognito_on_every_step(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(
        client_metadata='{"tenant": "acme", "channel": "web"}',
        analytics_endpoint_id="pinpoint-endpoint-1",
    )
    seen = observe(gateway)
    driver = JsonDriver(gateway)
    step = await driver.login("sms-user", PASSWORD, encoded_data="fingerprint-from-the-page")
    step = await driver.answer(step, {"code": await hooks.latest_code("sms-user")},
                               encoded_data="fingerprint-second-page")
    assert step.signed_in
    auth_calls = [(op, p) for op, p in seen
                  if op in {"InitiateAuth", "RespondToAuthChallenge"}]
    assert len(auth_calls) == 3  # InitiateAuth, PASSWORD_VERIFIER, SMS_MFA
    for _, params in auth_calls:
        assert params["ClientMetadata"] == {"tenant": "acme", "channel": "web"}
        assert params["AnalyticsMetadata"] == {"AnalyticsEndpointId": "pinpoint-endpoint-1"}
        assert params["UserContextData"]["IpAddress"] == "127.0.0.1"

    arrived = await hooks.calls()
    encoded = [(c["operation"], (c["user_context_data"] or {}).get("EncodedData"))
               for c in arrived if c["operation"] in {"InitiateAuth", "RespondToAuthChallenge"}]
    assert encoded == [
        ("InitiateAuth", "fingerprint-from-the-page"),
        ("RespondToAuthChallenge", "fingerprint-from-the-page"),
        ("RespondToAuthChallenge", "fingerprint-second-page"),
    ]


async def test_without_metadata_configured_none_is_sent(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    seen = observe(gateway)
    assert (await JsonDriver(gateway).login("password-user", PASSWORD)).signed_in
    for _, params in seen:
        assert "ClientMetadata" not in params and "AnalyticsMetadata" not in params
        assert "EncodedData" not in params["UserContextData"]
