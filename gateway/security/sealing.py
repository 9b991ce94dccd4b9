"""Encryption at rest for what the gateway keeps in Redis.

Each record is sealed with AES-256-GCM under the key carried in the owner's cookie ticket, and
the Redis key name is bound in as associated data, so a record copied under another name fails
to open. A Redis dump therefore reveals no token and no Cognito Session.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class Unsealable(Exception):
    """The record does not open with this key and name (tampered, swapped or foreign)."""


def seal(key: bytes, name: str, record: dict[str, Any]) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    plaintext = json.dumps(record, separators=(",", ":")).encode()
    return nonce + AESGCM(key).encrypt(nonce, plaintext, name.encode())


def unseal(key: bytes, name: str, blob: bytes) -> dict[str, Any]:
    try:
        plaintext = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], name.encode())
        record = json.loads(plaintext)
    except (InvalidTag, ValueError) as error:
        raise Unsealable(name) from error
    if not isinstance(record, dict):
        raise Unsealable(name)
    return record
