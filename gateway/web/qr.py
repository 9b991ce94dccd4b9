"""TOTP enrolment: the otpauth:// URI (Key Uri Format) and its QR code, drawn on the server
as SVG so no third-party service ever sees the secret."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import segno


def totp_uri(secret: str, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode({"secret": secret, "issuer": issuer}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


# The quiet zone the QR specification asks for around the symbol, in modules: without it some
# camera apps do not find the code at all.
QUIET_ZONE = 4


def qr_svg(data: str) -> str:
    """SVG markup with no script and no inline style, safe under our CSP. It carries a viewBox
    and no width or height, so it scales to whatever box the page (or an SPA) gives it, quiet
    zone included, and is never cropped; the light background is drawn, so the code stays dark
    on white in a dark colour scheme too."""
    symbol = segno.make(data, error="m")
    return str(symbol.svg_inline(omitsize=True, border=QUIET_ZONE, dark="#000", light="#fff"))


def grouped(secret: str, size: int = 4) -> str:
    """``JBSW Y3DP EHPK 3PXP``: easier to type by hand."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))
