"""The record of recent Lambda trigger runs, for the emulator's page and ``/_emulator/triggers``.

A developer whose sign-in failed wants to know which trigger ran and whether it failed; that is
all this keeps. Never the event or what the handler returned: those hold typed passwords
(UserMigration), private challenge parameters and answers (custom auth). The handler's own error
text is left out too, since a handler may put what it was given into it; the error code says
how the run failed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# A local stack may run for days; the page and tests need only the recent past.
MAX_RUNS = 1000

OK = "ok"
FAILED = "failed"


@dataclass(frozen=True)
class TriggerRun:
    at: float
    pool_id: str
    trigger: str  # the LambdaConfig member, e.g. "UserMigration"
    trigger_source: str  # the event's triggerSource, e.g. "UserMigration_Authentication"
    function_name: str | None  # None when the ARN named no function
    username: str
    outcome: str  # OK | FAILED
    error: str | None = None  # the Cognito error code a failed run answered with

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TriggerLog:
    """The newest ``MAX_RUNS`` runs, oldest first (like the call log)."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.runs: deque[TriggerRun] = deque(maxlen=MAX_RUNS)

    def add(self, pool_id: str, trigger: str, trigger_source: str, function_name: str | None,
            username: str, error: str | None) -> None:
        self.runs.append(TriggerRun(
            at=self.now(), pool_id=pool_id, trigger=trigger, trigger_source=trigger_source,
            function_name=function_name, username=username,
            outcome=OK if error is None else FAILED, error=error,
        ))

    def clear(self) -> None:
        self.runs.clear()
