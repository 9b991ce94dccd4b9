"""PASSWORD_VERIFIER: the second half of USER_SRP_AUTH, answered by the gateway itself.

Never shown: the password typed a moment ago (held in the request's :class:`Turn`, never
stored) and the SRP ephemeral sent as SRP_A prove the password to Cognito. The password is
spent once; Cognito asking again, or in any later step, is a protocol error.
"""

from __future__ import annotations

from gateway.signin import srp
from gateway.signin.model import Challenge, ChallengeName, ProtocolError
from gateway.signin.protocol import Arrival, Compute, Effects, Reply, RespondToChallenge, Turn
from gateway.signin.steps.unasked import Unasked


class PasswordVerifier(Unasked):
    challenges = (ChallengeName.PASSWORD_VERIFIER,)

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
