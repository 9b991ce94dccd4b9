"""Talking to the emulator the way a real client does: boto3 over HTTP, plus the test hooks."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import cognito_srp

# The demo seed (cognito_emulator/demo_seed.yaml).
POOL = "us-east-1_DemoPool01"
GATEWAY = "1demogatewayclient00000001"
GATEWAY_SECRET = "1demogatewayclientsecret0000000000000000000000000001"
PUBLIC = "3demopublicclient000000003"
ROTATING = "1demorotatingclient0000011"  # RefreshTokenRotation ENABLED, 10 s grace
ROTATING_SECRET = "1demorotatingclientsecret00000000000000000000000011"
SETUP_POOL = "us-east-1_DemoPool02"
SETUP_CLIENT = "2demogatewayclient00000002"
SETUP_SECRET = "2demogatewayclientsecret0000000000000000000000000002"
CUSTOM_POOL = "us-east-1_DemoPool03"  # CUSTOM_AUTH: the email-code example triggers
CUSTOM_CLIENT = "4democustomauthclient00004"
CUSTOM_SECRET = "4democustomauthclientsecret000000000000000000000004"
PASSWORD = "Demo-Passw0rd!"
TEMPORARY_PASSWORD = "Temp-Passw0rd!"
ALIAS_USER = "7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6"

# The emulator's own test pools (tests/emulator/test_seed.yaml).
EMAIL_POOL = "us-east-1_TestPool03"
NO_PROPAGATION = "4testsecretnoprop00000004"
NO_PROPAGATION_SECRET = "4testsecretnopropsecret00000000000000000000000000004"
ENABLED_PREVENTION = "5testenabledclient0000005"
LONG_SESSIONS = "6testpropagate00000000006"
LONG_SESSIONS_SECRET = "6testpropagatesecret000000000000000000000000000006"
TEST_PASSWORD = "Test-Passw0rd!"
MFA_OFF_CLIENT = "7testmfaoffclient00000007"
DEVICE_POOL = "us-east-1_TestPool05"  # DeviceConfiguration: challenge on new device, always kept
DEVICE_PUBLIC = "8testdevicepublic00000008"
DEVICE_CONFIDENTIAL = "9testdevicesecret00000009"
DEVICE_CONFIDENTIAL_SECRET = "9testdevicesecretsecret000000000000000000000000009"

# Choice-based sign-in and passkeys: the demo pool (relying party localhost) ...
CHOICE_POOL = "us-east-1_DemoPasskey1"
CHOICE_CLIENT = "9demopasskeyclient00000009"
CHOICE_SECRET = "9demopasskeyclientsecret000000000000000000000000009"
# ... and the test pool (relying party example.com, user verification required, passkeys may
# stand in for MFA).
RP_POOL = "us-east-1_TestPool20"
RP_PUBLIC = "25testchoicepublic00000025"
RP_PREVENTING = "26testchoiceenabled0000026"
RP_OTHER = "27testchoiceother00000027"
LITE_POOL = "us-east-1_TestPool21"
LITE_CLIENT = "28testliteclient000000028"

SECRETS = {GATEWAY: GATEWAY_SECRET, ROTATING: ROTATING_SECRET, SETUP_CLIENT: SETUP_SECRET,
           CUSTOM_CLIENT: CUSTOM_SECRET, CHOICE_CLIENT: CHOICE_SECRET,
           NO_PROPAGATION: NO_PROPAGATION_SECRET, LONG_SESSIONS: LONG_SESSIONS_SECRET,
           DEVICE_CONFIDENTIAL: DEVICE_CONFIDENTIAL_SECRET}


def cognito(url: str, region: str = "us-east-1", **config: Any) -> Any:
    """A real boto3 client aimed at the emulator, retries off so every call is seen once."""
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name=region,
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, **config),
    )


def hook(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call a /_emulator/ hook; (status, decoded JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
        f"{url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback
            status, raw, kind = reply.status, reply.read(), reply.headers.get_content_type()
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get_content_type()
    return status, json.loads(raw) if kind == "application/json" else raw.decode()


def raw_call(url: str, target: str, body: bytes, headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], Any]:
    """POST bytes straight to the API, for what botocore refuses to send."""
    request = urllib.request.Request(url + "/", data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target, **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback
            return reply.status, dict(reply.headers), json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def secret_hash(username: str, client_id: str = GATEWAY) -> str:
    return cognito_srp.secret_hash(username, client_id, SECRETS[client_id])


def outbox(url: str, username: str, **query: str) -> list[dict[str, Any]]:
    encoded = urllib.parse.urlencode({"username": username, **query})
    status, body = hook(url, "GET", f"/_emulator/outbox?{encoded}")
    assert status == 200
    return list(body["messages"])


def last_code(url: str, username: str) -> str:
    return str(outbox(url, username)[-1]["code"])


def totp(url: str, username: str, pool: str | None = None) -> dict[str, Any]:
    query = urllib.parse.urlencode({"username": username, **({"pool": pool} if pool else {})})
    status, body = hook(url, "GET", f"/_emulator/totp?{query}")
    assert status == 200, body
    return dict(body)


def advance_clock(url: str, seconds: float) -> None:
    status, _ = hook(url, "POST", "/_emulator/clock", {"advance_seconds": seconds})
    assert status == 200


def emulator_now(url: str) -> float:
    return float(hook(url, "GET", "/_emulator/clock")[1]["now"])


def calls(url: str, operation: str) -> list[dict[str, Any]]:
    return list(hook(url, "GET", f"/_emulator/calls?operation={operation}")[1]["calls"])


def auth_parameters(username: str, client_id: str, **extra: str) -> dict[str, str]:
    parameters = {"USERNAME": username, **extra}
    if client_id in SECRETS:
        parameters["SECRET_HASH"] = secret_hash(username, client_id)
    return parameters


def user_auth(client: Any, username: str, client_id: str = CHOICE_CLIENT,
              **parameters: str) -> dict[str, Any]:
    """InitiateAuth USER_AUTH; ``parameters`` are more AuthParameters (PREFERRED_CHALLENGE...)."""
    response: dict[str, Any] = client.initiate_auth(
        AuthFlow="USER_AUTH", ClientId=client_id,
        AuthParameters=auth_parameters(username, client_id, **parameters))
    return response


def password_auth(client: Any, username: str, password: str = PASSWORD,
                  client_id: str = GATEWAY, **kwargs: Any) -> dict[str, Any]:
    response: dict[str, Any] = client.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
        AuthParameters=auth_parameters(username, client_id, PASSWORD=password), **kwargs,
    )
    return response


def respond(client: Any, challenge: dict[str, Any], answers: dict[str, str],
            client_id: str = GATEWAY, **kwargs: Any) -> dict[str, Any]:
    """Answer ``challenge`` as the protocol says: the internal username from the challenge,
    SECRET_HASH over that same name, the latest Session."""
    username = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
    responses = {"USERNAME": username, **answers}
    if client_id in SECRETS:
        responses["SECRET_HASH"] = secret_hash(username, client_id)
    response: dict[str, Any] = client.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName=challenge["ChallengeName"],
        Session=challenge["Session"], ChallengeResponses=responses, **kwargs,
    )
    return response


class SrpClient:
    """The client side of USER_SRP_AUTH, from cognito_srp (the gateway's own SRP maths)."""

    def __init__(self, pool_id: str, password: str, a: int | None = None) -> None:
        self.pool_id = pool_id
        self.password = password
        self.a, self.big_a = cognito_srp.client_ephemeral(a)

    @property
    def srp_a(self) -> str:
        return format(self.big_a, "x")

    def claim(self, parameters: dict[str, str], timestamp: str | None = None) -> dict[str, str]:
        user_id = parameters["USER_ID_FOR_SRP"]
        realm = cognito_srp.pool_name(self.pool_id)
        x = cognito_srp.x_value(int(parameters["SALT"], 16), realm, user_id, self.password)
        key = cognito_srp.client_key(self.a, self.big_a, int(parameters["SRP_B"], 16), x)
        timestamp = timestamp or cognito_srp.format_timestamp(datetime.now(UTC))
        message = cognito_srp.signature_message(
            realm, user_id, base64.b64decode(parameters["SECRET_BLOCK"]), timestamp
        )
        return {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": cognito_srp.signature(key, message),
            "TIMESTAMP": timestamp,
        }


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """Make a call that must fail; its Cognito error code and message."""
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]
