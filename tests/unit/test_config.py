"""Configuration: every problem reported at once, secrets never shown."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_settings, sentinel_target

GOOD = {
    "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
    "GATEWAY_SECRET_KEYS": "k" * 32 + ", " + "n" * 40,
    "GATEWAY_USER_POOL_ID": "eu-west-2_AbCdEf123",
    "GATEWAY_CLIENT_ID": "1demogatewayclient00000001",
    "GATEWAY_CLIENT_SECRET": "supersecretvalue0123456789",
    "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1",
}


def test_a_good_environment() -> None:
    settings = load_settings(GOOD)
    assert settings.region == "eu-west-2"
    assert settings.pool_name == "AbCdEf123"
    assert [k.reveal() for k in settings.secret_keys] == ["k" * 32, "n" * 40]
    assert settings.cookie_secure is True
    assert settings.cookie_prefix == "__Host-"
    assert len(settings.trusted_proxies) == 2
    assert settings.auth_flow == "USER_SRP_AUTH"
    # Secrets do not show themselves.
    assert "supersecret" not in repr(settings)
    assert "kkkk" not in repr(settings)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({
            "GATEWAY_SECRET_KEYS": "short",
            "GATEWAY_USER_POOL_ID": "nope",
            "GATEWAY_CLIENT_ID": "has spaces",
            "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8, banana",
            "GATEWAY_COOKIE_SECURE": "maybe",
            "GATEWAY_AUTH_FLOW": "CUSTOM_AUTH",
            "GATEWAY_COGNITO_ENDPOINT": "ftp://x",
            "GATEWAY_REDIS_TIMEOUT": "-1",
            "GATEWAY_CLIENT_METADATA": "[1]",
        })
    problems = "\n".join(raised.value.problems)
    for name in ("REDIS_URL", "SECRET_KEYS", "USER_POOL_ID", "CLIENT_ID", "TRUSTED_PROXIES",
                 "COOKIE_SECURE", "AUTH_FLOW", "COGNITO_ENDPOINT", "REDIS_TIMEOUT",
                 "CLIENT_METADATA"):
        assert f"GATEWAY_{name}" in problems
    assert len(raised.value.problems) == 10
    assert "banana" in problems and "short" not in problems  # keys are never echoed


def test_plain_http_drops_the_host_prefix() -> None:
    settings = load_settings({**GOOD, "GATEWAY_COOKIE_SECURE": "false"})
    assert settings.cookie_prefix == ""


def test_urls_that_reach_the_csp_header_must_be_plain() -> None:
    hostile = "https://cdn.example/a.js; script-src *"
    with pytest.raises(ConfigError) as raised:
        load_settings({**GOOD, "GATEWAY_ADVANCED_SECURITY_SCRIPT_URL": hostile,
                       "GATEWAY_BRAND_LOGO_URL": "https://img.example/x.png 'unsafe-inline'"})
    problems = "\n".join(raised.value.problems)
    assert "ADVANCED_SECURITY_SCRIPT_URL" in problems and "BRAND_LOGO_URL" in problems
    settings = load_settings({**GOOD, "GATEWAY_BRAND_LOGO_URL": "/static/logo.svg"})
    assert settings.brand_logo_url == "/static/logo.svg"


def test_sentinel_urls() -> None:
    target = sentinel_target("redis+sentinel://:s3cret@10.0.0.1:26379, 10.0.0.2:26380/mymaster/2")
    assert target is not None
    assert target.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380))
    assert (target.service, target.db, target.username, target.password) == (
        "mymaster", 2, None, "s3cret")
    assert "s3cret" not in repr(target)
    plain = sentinel_target("redis+sentinel://sentinel:26379/cache")
    assert plain is not None and (plain.service, plain.db) == ("cache", 0)
    assert sentinel_target("redis://127.0.0.1:6379/0") is None
    for broken in ("redis+sentinel://host/mymaster", "redis+sentinel://host:26379/",
                   "redis+sentinel://host:26379/m/x", "redis+sentinel://:1/m"):
        with pytest.raises(ValueError, match="Sentinel URL"):
            sentinel_target(broken)
    with pytest.raises(ConfigError) as raised:
        load_settings({**GOOD, "GATEWAY_REDIS_URL": "redis+sentinel://host/mymaster"})
    assert "GATEWAY_REDIS_URL" in raised.value.problems[0]
