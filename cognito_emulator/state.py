"""Everything one emulator instance holds, and the per-request view handlers work with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cognito_emulator.auth_sessions import SessionStore
from cognito_emulator.calllog import CallLog, CallRecord
from cognito_emulator.clock import Clock
from cognito_emulator.delivery import Courier
from cognito_emulator.entropy import Entropy
from cognito_emulator.faults import Faults
from cognito_emulator.models import Client
from cognito_emulator.outbox import Outbox
from cognito_emulator.pool_store import PoolStore
from cognito_emulator.seed import Seed, apply_seed
from cognito_emulator.tokens import KeyRing, Tokens
from cognito_emulator.triggers import FunctionTable
from cognito_emulator.user_context import CallerContext, caller_context


class Emulator:
    """The whole mutable state. ``reset`` rebuilds it from the seed; signing keys stay."""

    def __init__(self, seed: Seed | None = None, *, entropy: Entropy | None = None,
                 clock: Clock | None = None, functions: Mapping[str, str] | None = None) -> None:
        self.seed = seed
        # Lambda function name -> handler: the seed's ``functions:``, then ``functions`` (the
        # command line's --function) over them. Imported now, so a bad one fails at start.
        specs = {**(seed.functions if seed is not None else {}), **(functions or {})}
        self.entropy = entropy or Entropy()
        self.clock = clock or Clock()
        # Trigger runs are stamped with emulator time, like the outbox and the call log.
        self.functions = FunctionTable.from_specs(specs, now=self.clock.now)
        self.keys = KeyRing()
        self.reset()

    def reset(self) -> None:
        self.clock.reset()
        self.store = PoolStore(self.entropy)
        self.sessions = SessionStore(self.clock, self.entropy)
        self.outbox = Outbox()
        self.courier = Courier(self.outbox, self.clock, self.entropy)
        self.calls = CallLog()
        self.functions.runs.clear()
        self.faults = Faults()
        self.tokens = Tokens(self.keys, self.clock, self.entropy)
        if self.seed is not None:
            apply_seed(self.store, self.seed, self.now())

    def now(self) -> float:
        return self.clock.now()


@dataclass
class Call:
    """One AWS API request as a handler sees it."""

    operation: str
    body: dict[str, Any]
    source_ip: str
    issuer: str  # the base URL that prefixes every token's ``iss``
    region: str
    record: CallRecord

    def caller(self, client: Client | None) -> CallerContext:
        """Interpret UserContextData for ``client`` and note it in the call log."""
        context = caller_context(client, self.body, self.source_ip)
        if client is not None:
            self.record.client_id = client.client_id
        self.record.user_context_data = context.user_context_data
        self.record.ip_honoured = context.ip_honoured
        self.record.effective_ip = context.effective_ip
        return context
