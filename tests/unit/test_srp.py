"""Cognito SRP maths against the known-answer vectors (both client and server roles)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cognito_srp as srp

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "cognito-srp-vectors.json").read_text())
POOL = VECTORS["pool"]
USER = VECTORS["user"]


def h(value: str) -> int:
    return int(value, 16)


def test_group_constants() -> None:
    assert h(VECTORS["group"]["N_hex"]) == srp.N
    assert srp.pad(srp.N) + srp.pad(srp.G) == bytes.fromhex(VECTORS["group"]["k_hash_input_hex"])
    assert h(VECTORS["group"]["k_hex"]) == srp.K


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "00"),
        (0x7F, "7f"),
        (0x80, "0080"),
        (0xABC, "0abc"),
        (0x1234, "1234"),
        (0xFF00, "00ff00"),
    ],
)
def test_pad_is_minimal_twos_complement(value: int, encoded: str) -> None:
    assert srp.pad(value).hex() == encoded


@pytest.mark.parametrize("case", ["user_srp", "user_srp_edge"])
def test_user_srp_client_role(case: str) -> None:
    v = VECTORS[case]
    inputs = v["inputs"]
    salt = h(inputs["SALT"])
    user_id = USER["USER_ID_FOR_SRP"]
    realm = srp.pool_name(POOL["UserPoolId"])
    assert realm == POOL["pool_name"]

    x = srp.x_value(salt, realm, user_id, USER["password"])
    assert x == h(v["x_hex"])
    a, big_a = srp.client_ephemeral(h(inputs["a_hex"]))
    assert format(big_a, "x") == v["SRP_A"]

    key = srp.client_key(a, big_a, h(v["ChallengeParameters"]["SRP_B"]), x)
    assert key.hex() == v["hkdf_key_hex"]

    message = srp.signature_message(
        realm, user_id, base64.b64decode(inputs["SECRET_BLOCK"]), inputs["TIMESTAMP"]
    )
    assert message.hex() == v["signature_message_hex"]
    assert srp.signature(key, message) == v["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]


@pytest.mark.parametrize("case", ["user_srp", "user_srp_edge"])
def test_user_srp_server_role(case: str) -> None:
    v = VECTORS[case]
    inputs = v["inputs"]
    salt = h(inputs["SALT"])
    verifier = srp.verifier(salt, POOL["pool_name"], USER["USER_ID_FOR_SRP"], USER["password"])
    assert verifier == h(v["verifier_v_hex"])

    b, big_b = srp.server_ephemeral(verifier, h(inputs["b_hex"]))
    assert format(big_b, "x") == v["SRP_B"]
    key = srp.server_key(h(v["SRP_A"]), big_b, b, verifier)
    assert key.hex() == v["server_check"]["hkdf_key_server_hex"]


def test_device_srp_both_roles() -> None:
    device = VECTORS["confirm_device"]
    v = VECTORS["device_srp"]
    inputs = v["inputs"]
    group_key = device["NewDeviceMetadata"]["DeviceGroupKey"]
    device_key = device["NewDeviceMetadata"]["DeviceKey"]
    salt = h(inputs["SALT"])

    verifier = srp.verifier(salt, group_key, device_key, device["device_password"])
    assert srp.pad(verifier).hex() == device["verifier_padded_hex"]
    config = device["DeviceSecretVerifierConfig"]
    assert base64.b64encode(srp.pad(verifier)).decode() == config["PasswordVerifier"]
    assert base64.b64encode(srp.pad(salt)).decode() == config["Salt"]

    x = srp.x_value(salt, group_key, device_key, device["device_password"])
    a, big_a = srp.client_ephemeral(h(inputs["a_hex"]))
    assert format(big_a, "x") == v["SRP_A"]
    client = srp.client_key(a, big_a, h(v["SRP_B"]), x)
    b, big_b = srp.server_ephemeral(verifier, h(inputs["b_hex"]))
    assert format(big_b, "x") == v["SRP_B"]
    assert client == srp.server_key(big_a, big_b, b, verifier)
    assert client.hex() == v["hkdf_key_hex"]

    message = srp.signature_message(
        group_key, device_key, base64.b64decode(inputs["SECRET_BLOCK"]), inputs["TIMESTAMP"]
    )
    assert srp.signature(client, message) == v["PASSWORD_CLAIM_SIGNATURE"]


def test_random_ephemerals_agree() -> None:
    salt, realm, user_id, password = 0x1F2E, "Pool1", "internal-id", "pässword"
    verifier = srp.verifier(salt, realm, user_id, password)
    a, big_a = srp.client_ephemeral()
    b, big_b = srp.server_ephemeral(verifier)
    good = srp.client_key(a, big_a, big_b, srp.x_value(salt, realm, user_id, password))
    assert good == srp.server_key(big_a, big_b, b, verifier)
    wrong = srp.client_key(a, big_a, big_b, srp.x_value(salt, realm, user_id, "Password"))
    assert wrong != good


def test_zero_values_abort() -> None:
    with pytest.raises(srp.SRPError):
        srp.server_key(srp.N, 5, 7, 11)
    with pytest.raises(srp.SRPError):
        srp.client_key(3, 5, 2 * srp.N, 11)


def test_secret_hash_vectors() -> None:
    for case in ("for_login_username", "for_internal_username"):
        expected = VECTORS["secret_hash"][case]
        got = srp.secret_hash(expected["username"], POOL["ClientId"], POOL["ClientSecret"])
        assert got == expected["SECRET_HASH"]


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 5, 7, 8, 9, tzinfo=UTC), "Thu Mar 5 07:08:09 UTC 2026"),
        (datetime(2026, 11, 26, 0, 0, 5, tzinfo=UTC), "Thu Nov 26 00:00:05 UTC 2026"),
        (datetime(2026, 12, 12, 23, 59, 59, tzinfo=UTC), "Sat Dec 12 23:59:59 UTC 2026"),
    ],
)
def test_timestamp_round_trip(moment: datetime, text: str) -> None:
    assert srp.format_timestamp(moment) == text
    assert srp.parse_timestamp(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        "Thu Mar 05 07:08:09 UTC 2026",  # zero-padded day
        "Tue Nov 26 05:14:10 UTC 2026",  # wrong weekday
        "Thu Mar 5 7:08:09 UTC 2026",  # unpadded hour
        "Thu Mar  5 07:08:09 UTC 2026",  # double space
        "Thu Mar 5 07:08:09 GMT 2026",
        "thu mar 5 07:08:09 UTC 2026",
        "Thu Mar 5 07:08:09 UTC 26",
        "",
    ],
)
def test_timestamp_rejects_non_canonical(text: str) -> None:
    assert srp.parse_timestamp(text) is None
