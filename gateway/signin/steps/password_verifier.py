"""PASSWORD_VERIFIER: the second half of USER_SRP_AUTH, answered by the gateway itself.

Never shown: the password typed a moment ago (held in the request's :class:`Turn`, never
stored) and the SRP ephemeral sent as SRP_A prove the password to Cognito. The password is
spent once; Cognito asking again, or in any later step, is a protocol error.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import UnsupportedChallenge
from gateway.signin import srp
from gateway.signin.model import Challenge, ChallengeName, Prompt, ProtocolError
from gateway.signin.protocol import Arrival, Compute, Effects, Reply, RespondToChallenge, Turn


class PasswordVerifier:
    challenges = (ChallengeName.PASSWORD_VERIFIER,)
    forms: tuple[str, ...] = ()

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        password, ephemeral = turn.password, turn.ephemeral
        if password is None or ephemeral is None:
            raise ProtocolError("PASSWORD_VERIFIER outside the password step")
        turn.password = turn.ephemeral = None
        claim = yield Compute(
            srp.password_claim,
            (turn.pool_name, challenge.parameters, password, ephemeral, turn.now()),
        )
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, claim, challenge.session
        )
        return Reply(reply)

    def prompt(self, challenge: Challenge) -> Prompt:
        raise UnsupportedChallenge(f"no page for challenge {challenge.name}")

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        raise UnsupportedChallenge(f"cannot answer {challenge.name}")
