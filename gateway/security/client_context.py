"""Who is signing in, as Cognito's threat protection should see it. Pure functions.

The client IP feeds three things that must agree: UserContextData, the rate limits and the
logs. X-Forwarded-For is a list anyone can write to; only the entries appended by proxies we
trust mean anything, so the chain is walked from the right (nearest hop first) and the first
address that is not one of our proxies is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.config import Network

MAX_ENCODED_DATA = 131072  # UserContextDataType.EncodedData, botocore model
_MAX_HOPS = 32


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "198.51.100.7:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address: the TCP peer, unless the peer is a trusted proxy, in which case
    X-Forwarded-For is walked right to left past every trusted hop.

    A malformed entry stops the walk at the last hop we could vouch for, so a forged or broken
    header can never make up an address.
    """
    current = _address(peer) if peer else None
    if current is None:
        return None
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops[-_MAX_HOPS:]):
        if not any(current in network for network in trusted):
            break
        previous = _address(hop)
        if previous is None:
            break
        current = previous
    return str(current)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What Cognito and the rate limits learn about the request behind a sign-in step."""

    ip: str | None
    encoded_data: str | None = None
    # Not for Cognito: the browser a new session is listed with (gateway.session.about).
    user_agent: str | None = None

    def user_context_data(self) -> dict[str, str]:
        data: dict[str, str] = {}
        if self.ip:
            data["IpAddress"] = self.ip
        if self.encoded_data:
            data["EncodedData"] = self.encoded_data
        return data
