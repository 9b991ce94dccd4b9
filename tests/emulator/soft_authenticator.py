"""A software passkey authenticator for the tests: an ES256 key per credential, the
authenticator data, attestation object (``none`` or ``packed`` self-attestation) and assertion
a browser would hand over, as JSON. CBOR comes from cbor2 (py_webauthn's own dependency).

It can also misbehave on purpose: another origin or RP id, a wrong signature, a fixed counter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    counter: int = 0


class SoftAuthenticator:
    def __init__(self, aaguid: bytes = bytes(16)) -> None:
        self.aaguid = aaguid
        self.credentials: dict[bytes, Credential] = {}

    def create(self, options: dict[str, Any], origin: str, *, fmt: str = "none",
               rp_id: str | None = None, user_verified: bool = True,
               bad_signature: bool = False) -> dict[str, Any]:
        """navigator.credentials.create() for CredentialCreationOptions (a dict)."""
        rp_id = rp_id or options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(16)
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})
        flags = UP | AT | (UV if user_verified else 0)
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
                     + struct.pack(">I", 0) + self.aaguid
                     + struct.pack(">H", len(credential_id)) + credential_id + cose)
        client_data = json.dumps({"type": "webauthn.create", "challenge": options["challenge"],
                                  "origin": origin, "crossOrigin": False}).encode()
        statement: dict[str, Any] = {}
        if fmt == "packed":
            signed = auth_data + hashlib.sha256(client_data).digest()
            if bad_signature:
                signed += b"tampered"
            statement = {"alg": -7, "sig": key.sign(signed, ec.ECDSA(hashes.SHA256()))}
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        self.credentials[credential_id] = Credential(
            credential_id=credential_id, key=key, rp_id=rp_id,
            user_handle=unb64url(options["user"]["id"]))
        return {
            "id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data),
                         "attestationObject": b64url(attestation),
                         "transports": ["internal", "hybrid"]},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }

    def get(self, request_options: str, origin: str, *, rp_id: str | None = None,
            counter: int | None = None, user_verified: bool = True,
            bad_signature: bool = False, credential_id: bytes | None = None) -> str:
        """navigator.credentials.get() for CREDENTIAL_REQUEST_OPTIONS (a JSON string); the
        AuthenticationResponseJSON as the string RespondToAuthChallenge's CREDENTIAL takes."""
        options = json.loads(request_options)
        allowed = [unb64url(item["id"]) for item in options.get("allowCredentials") or []]
        if credential_id is None:
            credential_id = next(c for c in self.credentials if not allowed or c in allowed)
        credential = self.credentials[credential_id]
        credential.counter = credential.counter + 1 if counter is None else counter
        flags = UP | (UV if user_verified else 0)
        auth_data = (hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
                     + bytes([flags]) + struct.pack(">I", credential.counter))
        client_data = json.dumps({"type": "webauthn.get", "challenge": options["challenge"],
                                  "origin": origin, "crossOrigin": False}).encode()
        signed = auth_data + hashlib.sha256(client_data).digest()
        if bad_signature:
            signed = b"not what was asked" + signed
        signature = credential.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64url(credential_id), "rawId": b64url(credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data),
                         "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature),
                         "userHandle": b64url(credential.user_handle)},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        })
