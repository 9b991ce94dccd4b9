"""What every challenge the gateway answers itself shares: it has no form, and a person's
answer to it is refused (PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER)."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import UnsupportedChallenge
from gateway.signin.model import Challenge, Prompt
from gateway.signin.protocol import Arrival, Effects, Turn


class Unasked:
    """A base for handlers that answer in ``arrive`` and never ask the person."""

    forms: tuple[str, ...] = ()

    def prompt(self, challenge: Challenge) -> Prompt:
        raise UnsupportedChallenge(f"no page for challenge {challenge.name}")

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        raise UnsupportedChallenge(f"cannot answer {challenge.name}")
