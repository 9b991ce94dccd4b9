"""What both faces show for a TOTP enrolment: the otpauth:// link and its QR code, derived
from the secret the MFA_SETUP handler put in its prompt. Written once, for pages and JSON."""

from __future__ import annotations

from typing import Any

from gateway.signin.model import Prompt
from gateway.web.qr import grouped, qr_svg, totp_uri


def enrolment(prompt: Prompt, account: str, issuer: str) -> dict[str, Any]:
    """``otpauth_uri``, ``qr_svg`` and ``secret_grouped`` when the prompt enrols an
    authenticator; nothing otherwise."""
    secret = prompt.public.get("secret_code")
    if not secret:
        return {}
    uri = totp_uri(secret, account, issuer)
    return {"otpauth_uri": uri, "qr_svg": qr_svg(uri), "secret_grouped": grouped(secret)}
