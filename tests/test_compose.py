"""compose.yaml is valid against the Compose Specification's schema (no Docker engine runs
here), and what it configures actually works: every gateway's environment passes the
gateway's own validation and points at services that exist, and the demo upstream trusts the
tokens the demo gateway's calls carry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from yarl import URL

from demo_upstream.__main__ import parse_args
from gateway.config import load_settings
from tests.demo import DEMO_SEED, POOL

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SCHEMA = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())


def interpolate(value: str) -> str:
    """Compose's ${VAR:-default} with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def gateway_services() -> dict[str, dict[str, Any]]:
    return {
        name: service for name, service in COMPOSE["services"].items()
        if "GATEWAY_USER_POOL_ID" in service.get("environment", {})
    }


def test_compose_file_matches_the_specification() -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(COMPOSE)


def test_the_stack_has_what_the_readme_promises() -> None:
    services = COMPOSE["services"]
    assert {"redis", "emulator", "demo-upstream"} <= set(services)
    # As scripts/dev: the demo pool, MFA required, remembered devices (ask, always), custom
    # auth by code and by question, choice-based sign-in, sign-up, on ports 8000-8007.
    gateways = gateway_services()
    assert len(gateways) == 8
    assert sorted(g["ports"][0] for g in gateways.values()) == [
        f"{port}:8000" for port in range(8000, 8008)]
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_every_gateway_environment_is_valid_and_wired() -> None:
    seed = yaml.safe_load(DEMO_SEED.read_text())
    clients = {c["ClientId"]: (pool["Id"], c.get("ClientSecret"))
               for pool in seed["pools"] for c in pool["Clients"]}
    for name, service in gateway_services().items():
        env = {k: interpolate(str(v)) for k, v in service["environment"].items()}
        settings = load_settings(env)
        assert clients[settings.cognito.client_id][0] == settings.cognito.user_pool_id, name
        assert settings.cognito.client_secret is not None
        assert (
            clients[settings.cognito.client_id][1] == settings.cognito.client_secret.reveal()
        ), name
        urls = [settings.redis.url.reveal(), settings.cognito.endpoint or "",
                *(route.url for route in settings.routes)]
        for url in urls:
            host = re.match(r"\w+://([^:/]+)", url)
            assert host and host.group(1) in COMPOSE["services"], f"{name}: {url}"


def _environment(name: str) -> dict[str, str]:
    service = COMPOSE["services"][name]
    return {k: interpolate(str(v)) for k, v in service["environment"].items()}


def test_the_demo_gateway_relays_to_the_demo_upstream() -> None:
    upstream = COMPOSE["services"]["demo-upstream"]
    command = upstream["command"]
    assert command[:3] == ["python", "-m", "demo_upstream"]
    assert upstream["image"] == COMPOSE["services"]["gateway"]["image"]
    args = parse_args(command[3:])  # what python -m demo_upstream would run with
    assert args.host == "0.0.0.0"
    assert "demo-upstream" in COMPOSE["services"]["gateway"]["depends_on"]

    settings = load_settings(_environment("gateway"))
    routes = {route.prefix: route for route in settings.routes}
    assert set(routes) == {"/api/", "/spa/"}
    api, spa = routes["/api/"], routes["/spa/"]
    assert api.websocket and api.token == "access" and not api.anonymous
    assert spa.anonymous and spa.token == "none"
    for route, path in ((api, "/"), (spa, "/public/spa/")):
        target = URL(route.url)
        assert (target.host, target.port, target.path) == ("demo-upstream", args.port, path)

    # The tokens' iss is the emulator as the gateway reached it: the upstream must expect
    # exactly that, and read the keys from the same place.
    assert settings.cognito.user_pool_id == POOL
    assert args.issuer == f"{settings.cognito.endpoint}/{POOL}"
    assert args.jwks_url == f"{args.issuer}/.well-known/jwks.json"
    assert URL(args.jwks_url).host in COMPOSE["services"]


def test_the_emulator_serves_the_demo_seed() -> None:
    command = COMPOSE["services"]["emulator"]["command"]
    seed = command[command.index("--seed") + 1]
    assert seed.endswith("cognito_emulator/demo_seed.yaml")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY cognito_emulator ./cognito_emulator" in dockerfile
