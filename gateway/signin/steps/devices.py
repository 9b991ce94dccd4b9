"""DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER: a remembered device stands in for MFA,
answered by the gateway itself in the same request.

Never shown: the device's secret comes from the browser's sealed device cookie into the
request's :class:`Turn` (never stored), and proves the device to Cognito by device SRP
(realm DeviceGroupKey, user id DeviceKey; protocol section 9.6). USERNAME and SECRET_HASH are
the internal username the challenge names, added by the Cognito boundary.
"""

from __future__ import annotations

from gateway.signin import devices, srp
from gateway.signin.model import Challenge, ChallengeName, ProtocolError
from gateway.signin.protocol import Arrival, Compute, Effects, Reply, RespondToChallenge, Turn
from gateway.signin.steps.unasked import Unasked


class DeviceSrp(Unasked):
    challenges = (ChallengeName.DEVICE_SRP_AUTH, ChallengeName.DEVICE_PASSWORD_VERIFIER)

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        device = turn.device
        if device is None:
            raise ProtocolError(f"{challenge.name} without a remembered device")
        turn.device_used = True
        if challenge.name is ChallengeName.DEVICE_SRP_AUTH:
            # A fresh ephemeral for the device step (as Amplify does); kept in the Turn only.
            turn.ephemeral = yield Compute(srp.new_ephemeral)
            responses = {"DEVICE_KEY": device.key, "SRP_A": turn.ephemeral.srp_a}
        else:
            ephemeral = turn.ephemeral
            if ephemeral is None:
                raise ProtocolError("DEVICE_PASSWORD_VERIFIER before DEVICE_SRP_AUTH")
            turn.ephemeral = None
            responses = yield Compute(
                devices.device_claim, (device, challenge.parameters, ephemeral, turn.now())
            )
        reply = yield RespondToChallenge(
            challenge.name, challenge.username, responses, challenge.session
        )
        return Reply(reply)
