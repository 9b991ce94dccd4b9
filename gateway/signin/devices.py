"""Remembered devices, the pure part: the secret a confirmed device holds, the ConfirmDevice
verifier, and the DEVICE_PASSWORD_VERIFIER answer (device SRP: realm = DeviceGroupKey, user
id = DeviceKey, password = the device password; protocol sections 9.6 and 9.7).

A :class:`Device` exists only in a request's :class:`~gateway.signin.protocol.Turn` and sealed
in the browser's device cookie; it is never stored in Redis.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cognito_srp
from gateway.signin.model import ProtocolError
from gateway.signin.srp import Ephemeral

PASSWORD_BYTES = 40
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class Device:
    """A confirmed device's secret: what the device cookie carries, sealed."""

    key: str
    group_key: str
    password: str
    username: str  # the internal username the device belongs to

    def __repr__(self) -> str:
        return "Device(…)"

    def to_record(self) -> dict[str, Any]:
        return {"key": self.key, "group": self.group_key, "password": self.password,
                "username": self.username}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Device:
        return cls(str(record["key"]), str(record["group"]), str(record["password"]),
                   str(record["username"]))


@dataclass(frozen=True, slots=True)
class NewDevice:
    """A device to confirm: the secret and its ConfirmDevice DeviceSecretVerifierConfig."""

    device: Device
    verifier: str  # base64 PAD(v)
    salt: str  # base64 PAD(s)

    def __repr__(self) -> str:
        return "NewDevice(…)"


def new_device(key: str, group_key: str, username: str, password_bytes: bytes | None = None,
               salt_bytes: bytes | None = None) -> NewDevice:
    """A fresh device password (40 random bytes, base64) and its salt and verifier."""
    raw = password_bytes if password_bytes is not None else secrets.token_bytes(PASSWORD_BYTES)
    password = base64.b64encode(raw).decode()
    salt = int.from_bytes(salt_bytes if salt_bytes is not None
                          else secrets.token_bytes(SALT_BYTES), "big")
    v = cognito_srp.verifier(salt, group_key, key, password)
    return NewDevice(
        Device(key, group_key, password, username),
        verifier=base64.b64encode(cognito_srp.pad(v)).decode(),
        salt=base64.b64encode(cognito_srp.pad(salt)).decode(),
    )


def device_claim(
    device: Device, parameters: Mapping[str, str], ephemeral: Ephemeral, now: datetime
) -> dict[str, str]:
    """The DEVICE_PASSWORD_VERIFIER ChallengeResponses (without USERNAME / SECRET_HASH)."""
    try:
        salt = int(parameters["SALT"], 16)
        big_b = int(parameters["SRP_B"], 16)
        secret_block = parameters["SECRET_BLOCK"]
        block = base64.b64decode(secret_block, validate=True)
        x = cognito_srp.x_value(salt, device.group_key, device.key, device.password)
        key = cognito_srp.client_key(ephemeral.a, ephemeral.public, big_b, x)
    except (KeyError, ValueError, binascii.Error) as error:
        problem = type(error).__name__
        raise ProtocolError(f"unusable DEVICE_PASSWORD_VERIFIER parameters: {problem}") from None
    timestamp = cognito_srp.format_timestamp(now)
    message = cognito_srp.signature_message(device.group_key, device.key, block, timestamp)
    return {
        "DEVICE_KEY": device.key,
        "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
        "PASSWORD_CLAIM_SIGNATURE": cognito_srp.signature(key, message),
        "TIMESTAMP": timestamp,
    }
