"""The relay's routes (``GATEWAY_UPSTREAMS``): which path prefix goes to which upstream, with
which token, for whom. Pure: read and checked when the configuration is, looked up per request.

``{"/api/": {"url": "http://orders:9000/", "token": "access", "timeout": 30,
"anonymous": false, "groups": ["staff"], "methods": ["GET", "POST"], "websocket": false}}``:
``/api/a/b?q=1`` goes to ``http://orders:9000/a/b?q=1``, the prefix replaced by the URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from yarl import URL

# The methods a route may list (RFC 9110's, less CONNECT and TRACE, which no API needs and
# which a relay must never pass on).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# First path segments the gateway's own routes use: no upstream can live there.
RESERVED = frozenset({"login", "logout", "auth", "static", "healthz", "readyz", "account",
                      "signup"})
_PREFIX = re.compile(r"(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/")


class Route(BaseModel):
    """One upstream and what a call must bring to reach it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str = ""  # filled in from the mapping's key
    url: str
    # Which of the session's tokens travels as ``Authorization: Bearer``; ``none``: no token.
    token: Literal["access", "id", "none"] = "access"  # noqa: S105 - a name, not a secret
    # Seconds to connect, and between two reads of the upstream's answer.
    timeout: float = Field(default=30.0, gt=0, le=3600)
    # Calls without a session go through too (without a token).
    anonymous: bool = False
    # Only people whose ``cognito:groups`` has one of these (403 otherwise); empty: anyone.
    groups: tuple[str, ...] = ()
    # Only these methods (405 otherwise); None: every method of METHODS.
    methods: tuple[str, ...] | None = None
    websocket: bool = False

    @field_validator("url")
    @classmethod
    def _upstream_url(cls, value: str) -> str:
        url = URL(value)
        if url.scheme not in {"http", "https"} or not url.host:
            raise ValueError("must be an http(s) URL")
        if url.user or url.password or url.query_string or url.fragment:
            raise ValueError("must have no credentials, query or fragment")
        # The prefix is replaced by the URL: it ends in "/" so the rest of the path follows.
        text = str(url)
        return text if text.endswith("/") else text + "/"

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        upper = tuple(method.upper() for method in value)
        if unknown := [m for m in upper if m not in METHODS]:
            raise ValueError(f"{', '.join(unknown)} not among {', '.join(METHODS)}")
        return upper

    @property
    def public(self) -> bool:
        """For anyone, and nobody's token goes along: what the upstream serves there is the
        same for every caller (a page and its files), so reading it needs no X-CSRF."""
        return self.anonymous and self.token == "none"  # noqa: S105 - a name, not a secret

    @property
    def target(self) -> URL:
        return URL(self.url, encoded=True)

    def allows(self, method: str) -> bool:
        return method in (self.methods or METHODS)

    def admits(self, groups: object) -> bool:
        """Whether a person in ``groups`` (the ``cognito:groups`` claim) may call this route."""
        if not self.groups:
            return True
        return isinstance(groups, list) and any(group in groups for group in self.groups)


def _prefix_problem(prefix: str, home_path: str | None = None) -> str | None:
    if not _PREFIX.fullmatch(prefix) or "/./" in prefix or "/../" in prefix:
        return "must be a path like /api/ (starting and ending with /)"
    first = prefix.strip("/").split("/")[0]
    if first in RESERVED:
        return f"cannot be under /{first}, which the gateway serves"
    if home_path is not None and (home_path.rstrip("/") + "/").startswith(prefix):
        return f"holds GATEWAY_HOME_PATH {home_path}"
    return None


def parse_routes(value: object, home_path: str | None = "/") -> tuple[Route, ...]:
    """Read ``GATEWAY_UPSTREAMS`` (a JSON object, as text or parsed): its routes, or a
    ValueError naming every problem of every route at once."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f": not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(value, Mapping):
        raise ValueError("must be a JSON object of path prefix -> route")
    routes, problems = [], []
    for prefix, spec in value.items():
        where = f"route {prefix!r}"
        if (problem := _prefix_problem(str(prefix), home_path)) is not None:
            problems.append(f"{where}: {problem}")
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: must be an object with at least a url")
            continue
        try:
            routes.append(Route(**{**_plain(spec), "prefix": str(prefix)}))
        except ValidationError as error:
            problems += [f"{where}: {'.'.join(map(str, e['loc'])) or 'route'}: {e['msg']}"
                         for e in error.errors(include_url=False, include_input=False)]
    problems += _nesting(routes)
    if problems:
        raise ValueError(": " + "; ".join(problems))
    return tuple(routes)


def _plain(spec: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(key): item for key, item in spec.items() if key != "prefix"}


def _nesting(routes: list[Route]) -> list[str]:
    """Prefixes may not nest: a call's route would then depend on the order of the file."""
    return [f"route {inner.prefix!r} is inside route {outer.prefix!r}"
            for outer in routes for inner in routes
            if inner is not outer and inner.prefix.startswith(outer.prefix)]
