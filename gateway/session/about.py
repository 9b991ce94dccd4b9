"""What a session's person may see about it: when it started, which browser, from which network.

A small record beside each session, in clear: it holds nothing secret (no token, no key, no
full IP address), so the list of a person's sessions can be read without opening any of them.
Pure functions; :mod:`gateway.session.sessions` writes and deletes the record with its session.

The browser is a short label from the User-Agent ("Chrome on Linux"), read by a few substring
rules rather than a parser library: the label is a hint for recognising a session, never a
security decision, and a User-Agent says whatever its sender wants. The network is the
client's address cut to an IPv4 /24 or an IPv6 /48: enough to tell "at home" from "somewhere
else", and, unlike the address, not a way to find the person.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

MAX_USER_AGENT = 512

# (what the User-Agent contains, the browser's name), first match wins: Edge, Opera and
# Samsung Internet say "Chrome" too, and Chrome says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
# Android and ChromeOS say "Linux" too; iPads and iPhones say "like Mac OS X".
_SYSTEMS = (
    ("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"), ("Macintosh", "macOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"),
)


def browser_of(user_agent: str | None) -> tuple[str | None, str | None]:
    """The browser's name and its operating system, each None when the User-Agent does not
    say (a script, an unknown browser)."""
    text = (user_agent or "")[:MAX_USER_AGENT]
    browser = next((name for marker, name in _BROWSERS if marker in text), None)
    system = next((name for marker, name in _SYSTEMS if marker in text), None)
    return browser, system


def label(browser: str | None, system: str | None) -> str | None:
    """``Chrome on Linux``, ``Firefox``, ``a Windows browser`` style: the API's short label."""
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"Browser on {system}" if system else None)


def coarse_network(ip: str | None) -> str | None:
    """The client's network, as text: an IPv4 /24 or an IPv6 /48 (an IPv4 address mapped into
    IPv6 counts as IPv4). None without an address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 48 if isinstance(address, ipaddress.IPv6Address) else 24
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True, slots=True)
class About:
    """The clear record beside a session."""

    started_at: float
    browser: str | None = None
    system: str | None = None
    network: str | None = None

    @classmethod
    def of(cls, started_at: float, user_agent: str | None, ip: str | None) -> About:
        browser, system = browser_of(user_agent)
        return cls(started_at, browser, system, coarse_network(ip))

    @property
    def label(self) -> str | None:
        return label(self.browser, self.system)

    def to_record(self) -> dict[str, Any]:
        return {"started_at": self.started_at, "browser": self.browser, "system": self.system,
                "network": self.network}

    @classmethod
    def from_record(cls, record: object) -> About | None:
        if not isinstance(record, dict):
            return None
        try:
            started = float(record["started_at"])
        except (KeyError, TypeError, ValueError):
            return None

        def text(name: str) -> str | None:
            value = record.get(name)
            return value[:64] if isinstance(value, str) else None

        return cls(started, text("browser"), text("system"), text("network"))
