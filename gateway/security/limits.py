"""Abuse limits in Redis (README, "Abuse limits").

* **Failures** — wrong passwords and codes — per client IP, per account from one client
  network, and per account from everywhere. A slot is *reserved* before Cognito checks an answer
  (atomically with the check, so no burst of concurrent requests gets past a limit) and given
  back when the answer was right, so a person who signs in correctly is never slowed down. An
  attacker guessing from elsewhere uses up their own network's budget for the account, not its
  owner's; the account-wide ceiling bounds guessing from many networks.
* **Starts** per client network and per account, and the gateway-wide start rate (Cognito's
  request quota is per AWS account): one client's burst is refused before it can spend the
  budget everybody else needs.
* **Code sends** — SMS and email codes cost money and annoy their recipient — per client
  network and per account, reserved with each step that may send one and given back when none
  was sent.

An account is every name it is known by: the name typed, and the internal username once
Cognito has named it (each answer reserves against the account it names). Counter keys carry an
HMAC of the name under a server key, never the name or a bare hash a dictionary reverses.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass, field
from typing import NoReturn

from gateway.config import LimitSettings
from gateway.errors import RateLimited, SignInRateReached
from gateway.store import Budget, Store

_GLOBAL = "rl:all:"


def network_of(ip: str) -> str:
    """The client network a budget is shared by: an IPv4 address, or an IPv6 /64 (one
    subscriber's allocation; they can pick any address in it)."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _refuse(budget: Budget, ttl: int) -> NoReturn:
    if budget.key.startswith(_GLOBAL):
        raise SignInRateReached("gateway-wide sign-in rate reached", retry_after=1)
    kind = budget.key.split(":")[1]
    raise RateLimited(f"limit reached ({kind})", retry_after=max(1, ttl))


@dataclass(slots=True)
class Attempt:
    """What one request reserved: failure slots (kept if the answer was wrong) and a code-send
    slot (kept if Cognito sent a code). Settle it once with :meth:`settle`."""

    limits: Limits
    ip: str | None
    accounts: set[str] = field(default_factory=set)  # HMACs already covered
    failure_keys: list[str] = field(default_factory=list)
    code_keys: list[str] = field(default_factory=list)

    async def cover(self, name: str) -> None:
        """Reserve the failure budgets of the account ``name`` names, before an answer for it
        is checked; a name already covered in this attempt costs nothing."""
        account = self.limits.account(name)
        if account in self.accounts:
            return
        budgets = self.limits.account_failures(self.ip, account)
        await self.limits.reserve(budgets)
        self.accounts.add(account)
        self.failure_keys += [b.key for b in budgets]

    async def settle(self, *, failed: bool, code_sent: bool) -> None:
        give_back = ([] if failed else self.failure_keys) + ([] if code_sent else self.code_keys)
        self.failure_keys, self.code_keys = [], []
        await self.limits.store.give_back(give_back)


class Limits:
    def __init__(self, store: Store, settings: LimitSettings, key: bytes) -> None:
        self.store = store
        self._settings = settings
        self._key = hashlib.sha256(b"gateway rate-limit names\0" + key).digest()

    def account(self, name: str) -> str:
        return hmac.new(self._key, name.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]

    def account_failures(self, ip: str | None, account: str) -> list[Budget]:
        s = self._settings
        budgets = [Budget(f"rl:acct:{account}", s.account_failure_limit, s.user_failure_window)]
        if ip:
            budgets.append(Budget(f"rl:acct-net:{account}:{network_of(ip)}",
                                  s.user_failure_limit, s.user_failure_window))
        return budgets

    async def reserve(self, budgets: list[Budget]) -> None:
        refused = await self.store.reserve(budgets)
        if refused is not None:
            _refuse(*refused)

    async def start(self, ip: str | None, username: str) -> Attempt:
        """A sign-in start: one Redis call counts the start in every start budget and reserves
        the failure and code-send slots of the name typed, or refuses with nothing counted."""
        s, account = self._settings, self.account(username)
        budgets = self._failures_and_codes(ip, account)
        if ip:
            budgets.append(Budget(f"rl:start-net:{network_of(ip)}",
                                  s.client_start_limit, s.start_window))
        budgets.append(Budget(f"rl:start-acct:{account}", s.account_start_limit, s.start_window))
        # Last, so a client refused by its own budgets never spends the shared one.
        budgets.append(Budget(f"{_GLOBAL}{int(time.time())}", s.global_start_limit, 2))
        await self.reserve(budgets)
        return self._attempt(ip, account, budgets)

    async def answer(self, ip: str | None, username: str) -> Attempt:
        """An answer to a challenge (a code, a choice, a new password) for the account the
        person typed; :meth:`Attempt.cover` adds the internal name Cognito gave it."""
        account = self.account(username)
        budgets = self._failures_and_codes(ip, account)
        await self.reserve(budgets)
        return self._attempt(ip, account, budgets)

    async def password_check(self, ip: str | None, username: str) -> Attempt:
        """A password checked outside a sign-in (the current one, to change it): the same
        failure budgets a wrong sign-in password spends (per client, per account from this
        network, per account), and no start or code. Settle it with ``code_sent=False``."""
        s, account = self._settings, self.account(username)
        budgets = self.account_failures(ip, account)
        if ip:
            budgets.append(Budget(f"rl:ip:{ip}", s.ip_failure_limit, s.ip_failure_window))
        await self.reserve(budgets)
        return self._attempt(ip, account, budgets)

    def _failures_and_codes(self, ip: str | None, account: str) -> list[Budget]:
        s = self._settings
        budgets = self.account_failures(ip, account)
        if ip:
            budgets.append(Budget(f"rl:ip:{ip}", s.ip_failure_limit, s.ip_failure_window))
            budgets.append(Budget(f"rl:code-net:{network_of(ip)}",
                                  s.client_code_limit, s.code_window))
        budgets.append(Budget(f"rl:code-acct:{account}", s.account_code_limit, s.code_window))
        return budgets

    def _attempt(self, ip: str | None, account: str, budgets: list[Budget]) -> Attempt:
        failures = [b.key for b in budgets if b.key.startswith(("rl:acct", "rl:ip:"))]
        codes = [b.key for b in budgets if b.key.startswith("rl:code-")]
        return Attempt(self, ip, {account}, failures, codes)
