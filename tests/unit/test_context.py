"""Client IP through trusted proxies: a matrix of peers and X-Forwarded-For headers."""

from __future__ import annotations

import ipaddress

import pytest

from gateway.security.client_context import RequestContext, client_ip

TRUSTED = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # No proxy in front: the header is anybody's to write and is ignored.
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),
        ("198.51.100.7", [], "198.51.100.7"),
        # One trusted proxy: the entry it appended is the client.
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        # A client forging a left-hand entry does not get to choose its address.
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),
        # Two trusted hops, walked right to left.
        ("10.0.0.2", ["203.0.113.9, 10.0.0.5"], "203.0.113.9"),
        # Several header lines count as one list.
        ("10.0.0.2", ["1.2.3.4", "203.0.113.9, 10.0.0.5"], "203.0.113.9"),
        # Only trusted hops: the leftmost one is as far as we can see.
        ("10.0.0.2", ["10.1.1.1, 10.0.0.5"], "10.1.1.1"),
        # Garbage stops the walk at the last hop we trust.
        ("10.0.0.2", ["203.0.113.9, not-an-ip"], "10.0.0.2"),
        ("10.0.0.2", ["203.0.113.9, 10.0.0.5, <script>"], "10.0.0.2"),
        # Trusted proxy with no header: the proxy itself.
        ("10.0.0.2", [], "10.0.0.2"),
        # IPv6, ports, and IPv4-mapped peers.
        ("2001:db8:ffff::1", ["2001:db8::7"], "2001:db8::7"),
        ("10.0.0.2", ["[2001:db8::7]:4711"], "2001:db8::7"),
        ("10.0.0.2", ["203.0.113.9:4711"], "203.0.113.9"),
        ("::ffff:10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        (None, ["203.0.113.9"], None),
    ],
)
def test_client_ip(peer: str | None, headers: list[str], expected: str | None) -> None:
    assert client_ip(peer, headers, TRUSTED) == expected


def test_user_context_data_only_carries_what_is_known() -> None:
    assert RequestContext(None).user_context_data() == {}
    assert RequestContext("203.0.113.9", "fp").user_context_data() == {
        "IpAddress": "203.0.113.9",
        "EncodedData": "fp",
    }
