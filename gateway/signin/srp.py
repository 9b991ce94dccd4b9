"""The client side of USER_SRP_AUTH, as the gateway plays it. Pure: clock and randomness in.

The password is used inside :func:`password_claim` and nowhere else; it is never stored.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import cognito_srp
from gateway.signin.model import ProtocolError


@dataclass(frozen=True, slots=True)
class Ephemeral:
    a: int
    public: int  # A

    @property
    def srp_a(self) -> str:
        return format(self.public, "x")

    def __repr__(self) -> str:
        return "Ephemeral(…)"


def new_ephemeral(a: int | None = None) -> Ephemeral:
    return Ephemeral(*cognito_srp.client_ephemeral(a))


def password_claim(
    pool_name: str,
    parameters: Mapping[str, str],
    password: str,
    ephemeral: Ephemeral,
    now: datetime,
) -> dict[str, str]:
    """The PASSWORD_VERIFIER ChallengeResponses (without USERNAME / SECRET_HASH)."""
    try:
        user_id = parameters["USER_ID_FOR_SRP"]
        salt = int(parameters["SALT"], 16)
        big_b = int(parameters["SRP_B"], 16)
        secret_block = parameters["SECRET_BLOCK"]
        block = base64.b64decode(secret_block, validate=True)
        # x uses USER_ID_FOR_SRP, never the alias the person typed (protocol 9.3).
        x = cognito_srp.x_value(salt, pool_name, user_id, password)
        key = cognito_srp.client_key(ephemeral.a, ephemeral.public, big_b, x)
    except (KeyError, ValueError, binascii.Error) as error:
        # SRPError is a ValueError: B = 0 mod N is an attack or a broken server, not a typo.
        problem = type(error).__name__
        raise ProtocolError(f"unusable PASSWORD_VERIFIER parameters: {problem}") from None
    timestamp = cognito_srp.format_timestamp(now)
    message = cognito_srp.signature_message(pool_name, user_id, block, timestamp)
    return {
        "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
        "PASSWORD_CLAIM_SIGNATURE": cognito_srp.signature(key, message),
        "TIMESTAMP": timestamp,
    }
