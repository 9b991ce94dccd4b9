"""Configuration: every problem reported at once, secrets never shown."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import (
    VARIABLES,
    BrandingSettings,
    ConfigError,
    CookieSettings,
    LifetimeSettings,
    LimitSettings,
    RedisSettings,
    Secret,
    load_settings,
    sentinel_target,
)

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
    assert settings.cognito.region == "eu-west-2"
    assert settings.cognito.pool_name == "AbCdEf123"
    assert [k.reveal() for k in settings.cookies.secret_keys] == ["k" * 32, "n" * 40]
    assert settings.cookies.secure is True
    assert settings.cookies.prefix == "__Host-"
    assert len(settings.trusted_proxies) == 2
    assert settings.cognito.auth_flow == "USER_SRP_AUTH"
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
            "GATEWAY_AUTH_FLOW": "ADMIN_NO_SRP_AUTH",
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
    assert settings.cookies.prefix == ""


def test_urls_that_reach_the_csp_header_must_be_plain() -> None:
    hostile = "https://cdn.example/a.js; script-src *"
    with pytest.raises(ConfigError) as raised:
        load_settings({**GOOD, "GATEWAY_ADVANCED_SECURITY_SCRIPT_URL": hostile,
                       "GATEWAY_BRAND_LOGO_URL": "https://img.example/x.png 'unsafe-inline'"})
    problems = "\n".join(raised.value.problems)
    assert "ADVANCED_SECURITY_SCRIPT_URL" in problems and "BRAND_LOGO_URL" in problems
    settings = load_settings({**GOOD, "GATEWAY_BRAND_LOGO_URL": "/static/logo.svg"})
    assert settings.branding.logo_url == "/static/logo.svg"


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


# --- one declaration per default ------------------------------------------------------------

REQUIRED = {
    "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
    "GATEWAY_SECRET_KEYS": "k" * 32,
    "GATEWAY_USER_POOL_ID": "eu-west-2_AbCdEf123",
    "GATEWAY_CLIENT_ID": "1demogatewayclient00000001",
}
CONFIGURATION = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
UNSET = {"—", "none", "AWS"}  # documented as "nothing": the field's default is None or empty


def documented_defaults() -> dict[str, str]:
    """docs/configuration.md's table: every variable and the default it promises. A row
    may name several (``GATEWAY_IP_FAILURE_LIMIT`` / ``_WINDOW``, ``20`` / ``300``)."""
    documented = {}
    for names, defaults in re.findall(r"^\| (`GATEWAY_[^|]*) \| ([^|]*) \|", CONFIGURATION, re.M):
        first, *suffixes = re.findall(r"`(_?[A-Z_]+)`", names)
        stems = [first[:i] for i, char in enumerate(first) if char == "_"]
        variables = [first] + [
            next(stem + suffix for stem in reversed(stems) if stem + suffix in VARIABLES)
            for suffix in suffixes
        ]
        values = [value.strip().strip("`") for value in defaults.split(" / ")]
        assert len(values) == len(variables), names
        documented.update(zip(variables, values, strict=True))
    return documented


def test_every_variable_is_documented_once_with_the_default_it_is_declared_with(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documented = documented_defaults()
    assert set(documented) == set(VARIABLES)
    monkeypatch.setenv("GATEWAY_FLOW_TTL", "60")  # the process environment is never read
    baseline = load_settings({**REQUIRED, "GATEWAY_LOG_LEVEL": "  "})  # blank: unset
    assert baseline.lifetimes.flow_ttl == 900 and baseline.log_level == "INFO"
    # The sections hold exactly what their declarations default to.
    assert baseline.lifetimes == LifetimeSettings()
    assert baseline.limits == LimitSettings()
    assert baseline.branding == BrandingSettings()
    assert baseline.cookies == CookieSettings(secret_keys=(Secret("k" * 32),))
    assert baseline.redis == RedisSettings(url=Secret(REQUIRED["GATEWAY_REDIS_URL"]))
    for variable, value in documented.items():
        info = VARIABLES[variable]
        if value == "required":
            assert info.is_required(), variable
            without = {k: v for k, v in REQUIRED.items() if k != variable}
            with pytest.raises(ConfigError) as raised:
                load_settings(without)
            assert raised.value.problems == [f"{variable} is required"]
        elif value in UNSET:
            assert info.get_default(call_default_factory=True) in (None, (), {}), variable
        elif value == "from the pool id":
            assert baseline.cognito.region == "eu-west-2"
        else:
            # Setting the documented default changes nothing: it is the declared one.
            assert load_settings({**REQUIRED, variable: value}) == baseline, variable


# --- secrets ---------------------------------------------------------------------------------

SECRET_VALUES = ("hunter2-redis-password", "signing-key-" + "s" * 32, "client-secret-abcdef0123")


def test_a_secret_never_shows_in_a_repr_a_dump_or_a_validation_error() -> None:
    redis_password, key, client_secret = SECRET_VALUES
    settings = load_settings({
        **REQUIRED,
        "GATEWAY_REDIS_URL": f"redis://:{redis_password}@redis:6379/0",
        "GATEWAY_SECRET_KEYS": key,
        "GATEWAY_CLIENT_SECRET": client_secret,
    })
    assert settings.redis.url.reveal().startswith(f"redis://:{redis_password}@")
    shown = "\n".join([repr(settings), str(settings), settings.model_dump_json(),
                       str(settings.model_dump())])
    assert "**********" in shown
    for secret in SECRET_VALUES:
        assert secret not in shown
    # Refused secrets are not repeated either, by pydantic or by us.
    with pytest.raises(ValidationError) as invalid:
        RedisSettings(url=f"ftp://:{redis_password}@redis:6379/0")
    assert redis_password not in str(invalid.value)


@pytest.mark.parametrize("redis_url", [
    f"ftp://:{SECRET_VALUES[0]}@redis:6379/0",  # unknown scheme
    f"redis+sentinel://:{SECRET_VALUES[0]}@sentinel/mymaster",  # no port
    f"redis://:{SECRET_VALUES[0]}@redis:port/0",  # yarl refuses it
])
def test_a_secret_never_shows_in_the_configuration_error(redis_url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({
            **REQUIRED,
            "GATEWAY_REDIS_URL": redis_url,
            "GATEWAY_SECRET_KEYS": f"{SECRET_VALUES[1]},too-short-{SECRET_VALUES[2][:8]}",
            "GATEWAY_CLIENT_SECRET": SECRET_VALUES[2],
            "GATEWAY_FLOW_TTL": "1",  # a problem elsewhere, so the whole model is reported
        })
    text = "\n".join([str(raised.value), *raised.value.problems, repr(raised.value)])
    assert "GATEWAY_REDIS_URL" in text and "GATEWAY_SECRET_KEYS" in text
    for secret in (*SECRET_VALUES, SECRET_VALUES[2][:8]):
        assert secret not in text


# --- every problem at once -----------------------------------------------------------------


def test_problems_in_every_section_are_reported_together_each_naming_its_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({
            **REQUIRED,
            "GATEWAY_REDIS_URL": "http://cache:6379",
            "GATEWAY_COGNITO_READ_TIMEOUT": "500",
            "GATEWAY_COOKIE_SECURE": "sometimes",
            "GATEWAY_FLOW_TTL": "15m",
            "GATEWAY_SESSION_IDLE_TIMEOUT": "7200",
            "GATEWAY_SESSION_ABSOLUTE_TIMEOUT": "3600",
            "GATEWAY_MAX_CODE_ATTEMPTS": "0",
            "GATEWAY_PASSWORD_REQUIRE": "upper,emoji",
            "GATEWAY_BRAND_COLOR": "blue",
            "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8, gateway.local, 300.1.1.1",
            "GATEWAY_DEFAULT_RETURN_PATH": "https://elsewhere.example/",
            "GATEWAY_LOG_LEVEL": "chatty",
        })
    assert sorted(raised.value.problems) == sorted([
        "GATEWAY_REDIS_URL must be a redis://, rediss://, unix:// or redis+sentinel:// URL",
        "GATEWAY_COGNITO_READ_TIMEOUT must be a number between 0.05 and 120",
        "GATEWAY_COOKIE_SECURE must be true or false",
        "GATEWAY_FLOW_TTL must be a whole number between 60 and 900",
        "GATEWAY_SESSION_IDLE_TIMEOUT cannot exceed GATEWAY_SESSION_ABSOLUTE_TIMEOUT",
        "GATEWAY_MAX_CODE_ATTEMPTS must be a whole number between 1 and 20",
        "GATEWAY_PASSWORD_REQUIRE lists only upper, lower, number, symbol",
        "GATEWAY_BRAND_COLOR must be a colour like #2f5bd3",
        "GATEWAY_TRUSTED_PROXIES: 'gateway.local' is not an IP address or CIDR",
        "GATEWAY_TRUSTED_PROXIES: '300.1.1.1' is not an IP address or CIDR",
        "GATEWAY_DEFAULT_RETURN_PATH must be a path on this site, like /app",
        "GATEWAY_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR",
    ])
    assert str(raised.value).startswith("invalid gateway configuration:\n  - GATEWAY_")


def test_the_command_exits_with_status_2_and_lists_the_problems(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gateway.__main__ import main

    for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GATEWAY_FLOW_TTL", "forever")
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    printed = capsys.readouterr().err
    assert "GATEWAY_REDIS_URL is required" in printed
    assert "GATEWAY_FLOW_TTL must be a whole number between 60 and 900" in printed


def test_the_http_limits_are_bounded() -> None:
    settings = load_settings({**REQUIRED, "GATEWAY_BODY_TIMEOUT": "2.5",
                              "GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "8"})
    assert (settings.http.body_timeout, settings.http.max_connections_per_client) == (2.5, 8)
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, "GATEWAY_BODY_TIMEOUT": "0",
                       "GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "0"})
    assert sorted(raised.value.problems) == [
        "GATEWAY_BODY_TIMEOUT must be a number between 0.5 and 300",
        "GATEWAY_MAX_CONNECTIONS_PER_CLIENT must be a whole number between 1 and 100000",
    ]
