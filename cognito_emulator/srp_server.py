"""The server half of Cognito's SRP-6a variant, for any identity that has a verifier.

A user proves a password with realm = the pool's name and id = the internal username
(PASSWORD_VERIFIER); a remembered device proves its device secret through the same code with
realm = its DeviceGroupKey and id = its DeviceKey (DEVICE_PASSWORD_VERIFIER). The maths is
cognito_srp's; this module holds the protocol around it: the challenge's parameters and the check
of the client's claim. Sessions and users are the caller's business.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import cognito_srp
from cognito_emulator.entropy import Entropy
from cognito_emulator.errors import InvalidParameter

# How far the client's TIMESTAMP may be from the emulator's clock. Cognito's tolerance is
# undocumented (cognito-protocol.md 9.4); five minutes covers ordinary clock skew.
TIMESTAMP_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class SrpIdentity:
    """Whose verifier v = g^x the client has to prove it knows."""

    realm: str
    user_id: str
    salt: int
    verifier: int


@dataclass(frozen=True)
class SrpExchange:
    """One exchange from challenge to claim: the client's A, the server's ephemeral (b, B) and
    the SECRET_BLOCK sent with B."""

    identity: SrpIdentity
    big_a: int
    b: int
    big_b: int
    secret_block: bytes

    def challenge_parameters(self) -> dict[str, str]:
        return {
            "SALT": format(self.identity.salt, "x"),
            "SRP_B": format(self.big_b, "x"),
            "SECRET_BLOCK": base64.b64encode(self.secret_block).decode(),
        }

    def claim_verifies(self, signature: str, timestamp: str, now: float) -> bool:
        """Whether ``signature`` is the claim over this exchange at ``timestamp``, which must be
        in Cognito's canonical form and within the tolerance of ``now``."""
        moment = cognito_srp.parse_timestamp(timestamp)
        at = datetime.fromtimestamp(now, UTC)
        if moment is None or abs((moment - at).total_seconds()) > TIMESTAMP_TOLERANCE_SECONDS:
            return False
        key = cognito_srp.server_key(self.big_a, self.big_b, self.b, self.identity.verifier)
        message = cognito_srp.signature_message(self.identity.realm, self.identity.user_id,
                                                self.secret_block, timestamp)
        return hmac.compare_digest(cognito_srp.signature(key, message).encode(),
                                   signature.encode())


def start_exchange(identity: SrpIdentity, srp_a: str, entropy: Entropy) -> SrpExchange:
    """The server's answer to the client's SRP_A (hex): a fresh ephemeral and SECRET_BLOCK."""
    try:
        big_a = int(srp_a, 16)
    except ValueError as exc:
        raise InvalidParameter("SRP_A is not a hexadecimal number.") from exc
    if big_a % cognito_srp.N == 0:
        raise InvalidParameter("SRP_A is not a valid SRP value.")
    b, big_b = cognito_srp.server_ephemeral(identity.verifier, entropy.srp_server_secret())
    return SrpExchange(identity=identity, big_a=big_a, b=b, big_b=big_b,
                       secret_block=entropy.secret_block())
