"""The relay's pure parts: reading GATEWAY_UPSTREAMS, which paths are refused, where a call
goes, and which headers cross in each direction."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_settings
from gateway.relay import paths
from gateway.relay.headers import browser_response_headers, upstream_request_headers
from gateway.relay.routes import parse_routes

GOOD = {
    "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
    "GATEWAY_SECRET_KEYS": "k" * 40,
    "GATEWAY_USER_POOL_ID": "eu-west-1_AbC123",
    "GATEWAY_CLIENT_ID": "client1",
}


def test_a_route_with_its_defaults() -> None:
    (route,) = parse_routes('{"/api/": {"url": "http://orders:9000"}}')
    assert (route.prefix, route.url, route.token, route.timeout) == (
        "/api/", "http://orders:9000/", "access", 30.0)
    assert route.allows("PATCH") and not route.allows("TRACE") and not route.allows("CONNECT")
    assert route.admits([]) and not route.websocket and not route.anonymous


def test_every_problem_of_every_route_is_named_at_once() -> None:
    with pytest.raises(ValueError) as refused:
        parse_routes({
            "/auth/": {"url": "http://x/"},  # the gateway's own
            "api": {"url": "http://x/"},  # no slashes
            "/a/": {"url": "ftp://x/", "token": "refresh", "timeout": 0, "surprise": 1},
            "/b/": {"url": "http://user:pw@x/?q=1", "methods": ["GET", "BREW"]},
            "/c/": {"url": "http://x/"},
            "/c/d/": {"url": "http://x/"},  # nested in /c/
            "/e/": "http://x/",
        })
    message = str(refused.value)
    for expected in ("'/auth/': cannot be under /auth", "'api': must be a path like /api/",
                     "'/a/': url", "'/a/': token", "'/a/': timeout", "'/a/': surprise",
                     "'/b/': url", "BREW", "'/c/d/' is inside route '/c/'",
                     "'/e/': must be an object"):
        assert expected in message, (expected, message)
    assert "pw" not in message  # a URL's credentials are not echoed


def test_a_bad_route_is_reported_with_the_rest_of_the_configuration() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({**GOOD, "GATEWAY_CLIENT_ID": "has spaces",
                       "GATEWAY_UPSTREAMS": '{"/api/": {"url": "nope"}}',
                       "GATEWAY_CORS_ORIGINS": "https://app.example.com, *"})
    problems = "\n".join(refused.value.problems)
    assert "GATEWAY_CLIENT_ID" in problems and "GATEWAY_UPSTREAMS" in problems
    assert "GATEWAY_CORS_ORIGINS: '*' is not an origin" in problems
    with pytest.raises(ConfigError) as refused:
        load_settings({**GOOD, "GATEWAY_UPSTREAMS": "{not json"})
    assert "GATEWAY_UPSTREAMS: not JSON" in refused.value.problems[0]


def test_routes_from_a_file(tmp_path: object) -> None:
    from pathlib import Path
    assert isinstance(tmp_path, Path)
    file = tmp_path / "upstreams.json"
    file.write_text('{"/api/": {"url": "http://orders:9000/", "groups": ["staff"]}}')
    settings = load_settings({**GOOD, "GATEWAY_UPSTREAMS_FILE": str(file)})
    assert [r.groups for r in settings.routes] == [("staff",)]
    with pytest.raises(ConfigError):
        load_settings({**GOOD, "GATEWAY_UPSTREAMS_FILE": str(file),
                       "GATEWAY_UPSTREAMS": '{"/x/": {"url": "http://x/"}}'})


def test_a_route_cannot_hold_the_home_page() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({**GOOD, "GATEWAY_HOME_PATH": "/app/home",
                       "GATEWAY_UPSTREAMS": '{"/app/": {"url": "http://x/"}}'})
    assert "holds GATEWAY_HOME_PATH" in refused.value.problems[0]


@pytest.mark.parametrize("path", [
    "/api/echo", "/api/echo/", "/api/a%20b/c", "/api/caf%C3%A9", "/api/v1.2/x.json",
])
def test_ordinary_paths_pass(path: str) -> None:
    assert paths.refused(path) is None


@pytest.mark.parametrize(("path", "why"), [
    ("http://elsewhere/api/x", "absolute-form"),
    ("/api/../admin", "dot segment"), ("/api/./x", "dot segment"),
    ("/api/%2e%2e/admin", "dot segment"), ("/api/.%2E/admin", "dot segment"),
    ("/api/%2E", "dot segment"),
    ("/api/a%2Fb", "encoded separator"), ("/api/a%5cb", "encoded separator"),
    ("/api/a\\b", "backslash"), ("/api//x", "empty path segment"),
    ("/api/%00", "encoded separator"), ("/api/a\x01", "control character"),
    ("/api/%252e%252e/x", "doubly encoded"), ("/api/a%252Fb", "doubly encoded"),
])
def test_path_tricks_are_refused(path: str, why: str) -> None:
    reason = paths.refused(path)
    assert reason is not None and why in reason, (path, reason)


def test_the_prefix_is_replaced_by_the_url_and_the_rest_travels_as_encoded() -> None:
    (route,) = parse_routes('{"/api/": {"url": "http://orders:9000/v2"}}')
    url = paths.upstream_url(route, "/api/a%20b/c", "q=x%26y&r=1")
    assert str(url) == "http://orders:9000/v2/a%20b/c?q=x%26y&r=1"


def test_what_the_upstream_is_sent() -> None:
    incoming = [
        ("Cookie", "__Host-gw-session=s"), ("Authorization", "Bearer forged"),
        ("X-CSRF", "1"), ("Host", "gateway"), ("Content-Length", "3"),
        ("Connection", "keep-alive, X-Secret"), ("X-Secret", "s"), ("Keep-Alive", "5"),
        ("TE", "trailers"), ("Upgrade", "h2c"), ("Proxy-Authorization", "x"),
        ("X-Forwarded-For", "6.6.6.6"), ("x_forwarded_for", "6.6.6.6"),
        ("X-FORWARDED-HOST", "evil"), ("Forwarded", "for=x"), ("X-Real-IP", "x"),
        ("X-Request-Id", "mine"), ("Accept", "application/json"), ("X-App", "a"),
        ("X-App", "b"),
    ]
    sent = upstream_request_headers(incoming, token="t0ken", client_ip="203.0.113.9",
                                    proto="https", host="app.example.com", request_id="r1")
    assert sorted((k.lower(), v) for k, v in sent.items()) == sorted([
        ("accept", "application/json"), ("x-app", "a"), ("x-app", "b"),
        ("authorization", "Bearer t0ken"), ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-proto", "https"), ("x-forwarded-host", "app.example.com"),
        ("x-request-id", "r1"),
    ])


def test_what_the_browser_gets_back() -> None:
    answer = [("Content-Type", "application/json"), ("Set-Cookie", "a=1"),
              ("set-cookie", "b=2"), ("Clear-Site-Data", '"cookies"'),
              ("Transfer-Encoding", "chunked"), ("Connection", "close, X-Internal"),
              ("X-Internal", "secret"), ("Cache-Control", "max-age=60"), ("ETag", '"v1"')]
    assert sorted(browser_response_headers(answer).items()) == sorted([
        ("Content-Type", "application/json"), ("Cache-Control", "max-age=60"),
        ("ETag", '"v1"')])
