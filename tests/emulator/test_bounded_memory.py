"""A local stack may run for days: the emulator's remembered sessions and trigger runs stay
bounded."""

from __future__ import annotations

import pytest

from cognito_emulator import auth_sessions as sessions_module
from cognito_emulator import trigger_log
from cognito_emulator.auth_sessions import SessionStore
from cognito_emulator.challenge_state import SoftwareTokenMfaState
from cognito_emulator.clock import Clock
from cognito_emulator.entropy import Entropy
from cognito_emulator.errors import NotAuthorized


def test_ended_and_expired_sessions_are_forgotten_beyond_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sessions_module, "_MAX_REMEMBERED", 100)
    now = [1000.0]
    store = SessionStore(Clock(lambda: now[0]), Entropy())

    def issue() -> str:
        return store.issue(pool_id="p", client_id="c", username="u",
                           state=SoftwareTokenMfaState(), validity_minutes=3).token

    first = issue()
    store.consume(store.resolve(first))
    for _ in range(300):
        store.consume(store.resolve(issue()))
    unanswered = [issue() for _ in range(150)]
    now[0] += 600  # every unanswered session is now past its lifetime
    issue()
    # Bounded (a small multiple of the limit), not proportional to the 451 sessions issued.
    assert len(store._dead) <= 3 * 100 and len(store._live) <= 101
    # A forgotten session is still refused, only with the generic reason.
    with pytest.raises(NotAuthorized, match="Invalid session for the user"):
        store.resolve(first)
    with pytest.raises(NotAuthorized, match="session is expired"):
        store.resolve(unanswered[0])


def test_trigger_runs_keep_only_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trigger_log, "MAX_RUNS", 10)
    log = trigger_log.TriggerLog(lambda: 1000.0)
    for index in range(25):
        log.add("pool", "UserMigration", "UserMigration_Authentication", "f", f"user-{index}",
                None)
    assert [run.username for run in log.runs] == [f"user-{index}" for index in range(15, 25)]
