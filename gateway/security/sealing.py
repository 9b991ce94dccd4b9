"""Encryption at rest for what the gateway keeps in Redis.

Each record is sealed with AES-256-GCM under the key carried in the owner's cookie ticket, and
the Redis key name is bound in as associated data, so a record copied under another name fails
to open. A Redis dump therefore reveals no token and no Cognito Session.
"""

from __future__ import annotations

import base64
import binascii
import hmac
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


# --- the device cookie -----------------------------------------------------------------------

_DEVICE_KEY_LABEL = b"gateway device cookie v1"


def device_cookie_key(signing_key: str) -> bytes:
    """The device cookie's AES-256-GCM key, derived from a signing key (HMAC-SHA256 as a
    one-block KDF): the cookie's key changes with the signing keys, and is no signing key."""
    return hmac.digest(signing_key.encode(), _DEVICE_KEY_LABEL, "sha256")


def device_cookie_label(user_pool_id: str, client_id: str) -> str:
    """The associated data a device cookie is sealed with: it opens only for this pool and
    app client."""
    return f"device-cookie|{user_pool_id}|{client_id}"


def seal_cookie(key: bytes, name: str, record: dict[str, Any]) -> str:
    """``record`` sealed as cookie text (base64url, no padding)."""
    return base64.urlsafe_b64encode(seal(key, name, record)).decode().rstrip("=")


def unseal_cookie(keys: list[bytes], name: str, text: str) -> dict[str, Any]:
    """The record a cookie seals, opened with the first of ``keys`` that opens it."""
    try:
        blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error) as error:
        raise Unsealable(name) from error
    for key in keys:
        try:
            return unseal(key, name, blob)
        except Unsealable:
            continue
    raise Unsealable(name)
