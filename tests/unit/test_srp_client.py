"""The gateway's PASSWORD_VERIFIER answer reproduces the known-answer vectors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import cognito_srp
from gateway.signin.model import ProtocolError
from gateway.signin.srp import new_ephemeral, password_claim

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "cognito-srp-vectors.json").read_text())


@pytest.mark.parametrize("case", ["user_srp", "user_srp_edge"])
def test_password_claim_matches_vectors(case: str) -> None:
    v = VECTORS[case]
    ephemeral = new_ephemeral(int(v["inputs"]["a_hex"], 16))
    assert ephemeral.srp_a == v["SRP_A"]
    moment = cognito_srp.parse_timestamp(v["inputs"]["TIMESTAMP"])
    assert isinstance(moment, datetime)
    claim = password_claim(
        VECTORS["pool"]["pool_name"],
        v["ChallengeParameters"],
        VECTORS["user"]["password"],
        ephemeral,
        moment,
    )
    expected = v["ChallengeResponses"]
    for key in ("PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"):
        assert claim[key] == expected[key]


@pytest.mark.parametrize(
    "broken",
    [
        {"SRP_B": "0"},
        {"SRP_B": "zz"},
        {"SALT": ""},
        {"SECRET_BLOCK": "***"},
        {"USER_ID_FOR_SRP": None},
    ],
)
def test_unusable_parameters_are_a_protocol_error(broken: dict[str, str | None]) -> None:
    v = VECTORS["user_srp"]
    parameters = {**v["ChallengeParameters"], **broken}
    parameters = {k: val for k, val in parameters.items() if val is not None}
    with pytest.raises(ProtocolError):
        password_claim("AbCdEf123", parameters, "pw", new_ephemeral(), datetime.now())
