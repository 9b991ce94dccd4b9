"""Where the emulator's randomness comes from.

One seam so that a test can pin the values the SRP known-answer vectors were computed with (the
server secret b and the SECRET_BLOCK bytes) without patching anything: ``create_app`` takes an
``Entropy`` and the default draws from :mod:`secrets`.
"""

from __future__ import annotations

import secrets
import uuid

import cognito_srp

# Cognito's SECRET_BLOCK is opaque; 96 bytes is the size of the one in the reference vectors.
SECRET_BLOCK_BYTES = 96
LOWER_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789"
_GROUP_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class Entropy:
    def srp_server_secret(self) -> int:
        """The server's ephemeral SRP exponent b."""
        return secrets.randbits(cognito_srp.EPHEMERAL_BITS)

    def secret_block(self) -> bytes:
        """Bytes sent (base64) as SECRET_BLOCK; they also index the pending SRP state."""
        return secrets.token_bytes(SECRET_BLOCK_BYTES)

    def token(self, nbytes: int) -> str:
        """An unguessable url-safe string (sessions, refresh tokens)."""
        return secrets.token_urlsafe(nbytes)

    def digits(self, count: int) -> str:
        """A numeric one-time code."""
        return "".join(secrets.choice("0123456789") for _ in range(count))

    def salt(self) -> int:
        """A per-user SRP salt: 16 bytes, as Cognito sends (32 hex digits)."""
        return int.from_bytes(secrets.token_bytes(16), "big")

    def alphanumeric(self, count: int, alphabet: str = LOWER_ALPHANUMERIC) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(count))

    def device_key(self, region: str) -> str:
        """A new DeviceKey, ``<region>_<uuid>`` as Cognito makes them."""
        return f"{region}_{uuid.uuid4()}"

    def device_group_key(self) -> str:
        """A user's DeviceGroupKey (Cognito's look like ``-AbCdEfGhI``)."""
        return "-" + self.alphanumeric(9, _GROUP_KEY_ALPHABET)


class PinnedSrpEntropy(Entropy):
    """Fresh randomness everywhere except b, SECRET_BLOCK and (if given) the device keys, which
    are handed out from the queues given (oldest first). Used to replay the known-answer vectors
    with the emulator in the server role."""

    def __init__(self, server_secrets: list[int], secret_blocks: list[bytes], *,
                 device_keys: list[str] | None = None,
                 device_group_keys: list[str] | None = None) -> None:
        self._server_secrets = list(server_secrets)
        self._secret_blocks = list(secret_blocks)
        self._device_keys = list(device_keys or [])
        self._device_group_keys = list(device_group_keys or [])

    def device_key(self, region: str) -> str:
        if self._device_keys:
            return self._device_keys.pop(0)
        return super().device_key(region)

    def device_group_key(self) -> str:
        if self._device_group_keys:
            return self._device_group_keys.pop(0)
        return super().device_group_key()

    def srp_server_secret(self) -> int:
        if self._server_secrets:
            return self._server_secrets.pop(0)
        return super().srp_server_secret()

    def secret_block(self) -> bytes:
        if self._secret_blocks:
            return self._secret_blocks.pop(0)
        return super().secret_block()
