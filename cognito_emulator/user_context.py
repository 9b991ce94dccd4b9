"""UserContextData: whose IP a call speaks for, and the emulator's adaptive (risk) rules.

Cognito trusts ``UserContextData.IpAddress`` only from an app client that has a secret and
``EnablePropagateAdditionalUserContextData``: anyone can put any IP in a public client's request.
Otherwise the IP that counts is the TCP peer's, which for a gateway is the gateway itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cognito_emulator.errors import BLOCKED_BY_RISK, NotAuthorized
from cognito_emulator.models import Client, Pool, User


@dataclass(frozen=True)
class CallerContext:
    source_ip: str
    user_context_data: dict[str, str] | None
    ip_honoured: bool

    @property
    def effective_ip(self) -> str:
        if self.ip_honoured and self.user_context_data is not None:
            return self.user_context_data["IpAddress"]
        return self.source_ip


def caller_context(client: Client | None, body: dict[str, Any], source_ip: str) -> CallerContext:
    raw = body.get("UserContextData")
    recorded = None
    if isinstance(raw, dict):
        recorded = {key: raw[key] for key in ("IpAddress", "EncodedData")
                    if isinstance(raw.get(key), str)}
    honoured = bool(
        client is not None
        and client.secret is not None
        and client.propagate_user_context
        and recorded is not None
        and recorded.get("IpAddress")
    )
    return CallerContext(source_ip=source_ip, user_context_data=recorded, ip_honoured=honoured)


def refuse_blocked_ip(pool: Pool, context: CallerContext) -> None:
    if context.effective_ip in pool.adaptive.blocked_ips:
        raise NotAuthorized(BLOCKED_BY_RISK)


def new_ip_needs_mfa(pool: Pool, user: User, context: CallerContext) -> bool:
    return pool.adaptive.require_mfa_for_new_ip and context.effective_ip not in user.known_ips


def remember_ip(user: User, context: CallerContext) -> None:
    user.known_ips.add(context.effective_ip)
