"""USER_SRP_AUTH with the emulator as the SRP server: a real verifier per user, SALT / SRP_B /
SECRET_BLOCK issued, PASSWORD_CLAIM_SIGNATURE and the TIMESTAMP format checked."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

import cognito_srp
from cognito_emulator.entropy import PinnedSrpEntropy
from cognito_emulator.seed import parse_seed
from cognito_emulator.state import Emulator
from tests.emulator.helpers import (
    ALIAS_USER,
    GATEWAY,
    GATEWAY_SECRET,
    PASSWORD,
    POOL,
    SrpClient,
    auth_parameters,
    cognito,
    secret_hash,
)
from tests.emulator.inprocess import ThreadedEmulator

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "cognito-srp-vectors.json").read_text()
)


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# -- an SRP client nobody on this team wrote ---------------------------------------------------


def test_independent_srp_client_signs_in_to_a_pool_created_through_boto3(idp: Any) -> None:
    pool = idp.create_user_pool(PoolName="done-when")["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="confidential", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="carol", MessageAction="SUPPRESS",
                          TemporaryPassword="Temp-0rary-pass")
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="carol",
                                Password="Carol-Passw0rd!", Permanent=True)

    def srp(password: str) -> AWSSRP:
        return AWSSRP(username="carol", password=password, pool_id=pool["Id"],
                      client_id=client["ClientId"], client_secret=client["ClientSecret"],
                      client=idp)

    tokens = srp("Carol-Passw0rd!").authenticate_user()["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == "carol"

    with pytest.raises(ClientError) as excinfo:
        srp("Carol-Passw0rd?").authenticate_user()
    assert _error(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")


def test_independent_srp_client_signs_in_by_email_alias(idp: Any) -> None:
    # pycognito hashes SECRET_HASH over ChallengeParameters.USERNAME in its answer, so this only
    # works if the emulator hands back the internal username.
    srp = AWSSRP(username="alias@example.com", password=PASSWORD, pool_id=POOL,
                 client_id=GATEWAY, client_secret=GATEWAY_SECRET, client=idp)
    tokens = srp.authenticate_user()["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == ALIAS_USER


# -- the PASSWORD_VERIFIER challenge ----------------------------------------------------------


def _start(idp: Any, login: str, srp: SrpClient) -> dict[str, Any]:
    response: dict[str, Any] = idp.initiate_auth(
        AuthFlow="USER_SRP_AUTH", ClientId=GATEWAY,
        AuthParameters=auth_parameters(login, GATEWAY, SRP_A=srp.srp_a),
    )
    return response


def test_alias_sign_in_challenge_names_the_internal_user(idp: Any) -> None:
    challenge = _start(idp, "alias@example.com", SrpClient(POOL, PASSWORD))
    parameters = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(parameters) == {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"}
    assert parameters["USERNAME"] == parameters["USER_ID_FOR_SRP"] == ALIAS_USER
    int(parameters["SALT"], 16)
    assert int(parameters["SRP_B"], 16) % cognito_srp.N != 0
    assert base64.b64decode(parameters["SECRET_BLOCK"], validate=True)
    assert 20 <= len(challenge["Session"]) <= 2048


@pytest.mark.parametrize("with_session", [True, False])
def test_password_claim_is_accepted_with_or_without_the_session(idp: Any,
                                                                with_session: bool) -> None:
    srp = SrpClient(POOL, PASSWORD)
    challenge = _start(idp, "password-user", srp)
    responses = srp.claim(challenge["ChallengeParameters"])
    responses["SECRET_HASH"] = secret_hash("password-user")
    extra = {"Session": challenge["Session"]} if with_session else {}
    result = idp.respond_to_auth_challenge(ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER",
                                           ChallengeResponses=responses, **extra)
    assert result["AuthenticationResult"]["TokenType"] == "Bearer"


def _claim_error(idp: Any, responses: dict[str, str], **extra: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=responses, **extra)
    return _error(excinfo)


def test_wrong_password_is_refused(idp: Any) -> None:
    srp = SrpClient(POOL, "Wrong-Passw0rd!")
    challenge = _start(idp, "password-user", srp)
    responses = srp.claim(challenge["ChallengeParameters"])
    responses["SECRET_HASH"] = secret_hash("password-user")
    assert _claim_error(idp, responses) == ("NotAuthorizedException",
                                            "Incorrect username or password.")


def test_x_computed_over_the_alias_is_refused(idp: Any) -> None:
    srp = SrpClient(POOL, PASSWORD)
    challenge = _start(idp, "alias@example.com", srp)
    parameters = {**challenge["ChallengeParameters"], "USER_ID_FOR_SRP": "alias@example.com"}
    responses = srp.claim(parameters)
    responses["USERNAME"] = ALIAS_USER
    responses["SECRET_HASH"] = secret_hash(ALIAS_USER)
    assert _claim_error(idp, responses)[1] == "Incorrect username or password."


@pytest.mark.parametrize(
    ("skew", "accepted"),
    [(timedelta(minutes=2), True), (timedelta(minutes=-2), True),
     (timedelta(minutes=10), False), (timedelta(minutes=-10), False)],
)
def test_timestamp_must_be_near_the_emulator_clock(idp: Any, skew: timedelta,
                                                   accepted: bool) -> None:
    srp = SrpClient(POOL, PASSWORD)
    challenge = _start(idp, "password-user", srp)
    moment = cognito_srp.format_timestamp(datetime.now(UTC) + skew)
    responses = srp.claim(challenge["ChallengeParameters"], timestamp=moment)
    responses["SECRET_HASH"] = secret_hash("password-user")
    if accepted:
        result = idp.respond_to_auth_challenge(
            ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)
        assert "AuthenticationResult" in result
    else:
        assert _claim_error(idp, responses)[1] == "Incorrect username or password."


def test_tampered_secret_block_is_refused(idp: Any) -> None:
    srp = SrpClient(POOL, PASSWORD)
    challenge = _start(idp, "password-user", srp)
    block = bytearray(base64.b64decode(challenge["ChallengeParameters"]["SECRET_BLOCK"]))
    block[0] ^= 0x01
    parameters = {**challenge["ChallengeParameters"],
                  "SECRET_BLOCK": base64.b64encode(bytes(block)).decode()}
    responses = srp.claim(parameters)
    responses["SECRET_HASH"] = secret_hash("password-user")
    assert _claim_error(idp, responses) == ("NotAuthorizedException",
                                            "Incorrect username or password.")


def test_a_password_claim_cannot_be_replayed(idp: Any) -> None:
    srp = SrpClient(POOL, PASSWORD)
    challenge = _start(idp, "password-user", srp)
    responses = srp.claim(challenge["ChallengeParameters"])
    responses["SECRET_HASH"] = secret_hash("password-user")
    idp.respond_to_auth_challenge(ClientId=GATEWAY, ChallengeName="PASSWORD_VERIFIER",
                                  ChallengeResponses=responses)
    assert _claim_error(idp, responses) == (
        "NotAuthorizedException", "Invalid session for the user, session can only be used once."
    )


# -- the known-answer vectors, emulator in the server role ------------------------------------

POOL_V = VECTORS["pool"]
USER_V = VECTORS["user"]


def _vector_emulator(case: str, attempts: int) -> Emulator:
    vector = VECTORS[case]
    inputs = vector["inputs"]
    seed = {"pools": [{
        "Id": POOL_V["UserPoolId"],
        "PoolName": "vectors",
        "AliasAttributes": ["email"],
        "Clients": [{"ClientId": POOL_V["ClientId"], "ClientSecret": POOL_V["ClientSecret"],
                     "ClientName": "vectors", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}],
        "Users": [{"Username": USER_V["USER_ID_FOR_SRP"], "Password": USER_V["password"],
                   "SrpSalt": inputs["SALT"],
                   "Attributes": {"email": USER_V["login_username"], "email_verified": "true"}}],
    }]}
    entropy = PinnedSrpEntropy([int(inputs["b_hex"], 16)] * attempts,
                               [base64.b64decode(inputs["SECRET_BLOCK"])] * attempts)
    emulator = Emulator(parse_seed(seed), entropy=entropy)
    signed_at = cognito_srp.parse_timestamp(inputs["TIMESTAMP"])
    assert signed_at is not None
    emulator.clock.set_offset(signed_at.timestamp() - time.time())
    return emulator


def _vector_challenge(idp: Any, case: str) -> dict[str, Any]:
    vector = VECTORS[case]
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=POOL_V["ClientId"],
                                  AuthParameters={
                                      "USERNAME": USER_V["login_username"],
                                      "SRP_A": vector["SRP_A"],
                                      "SECRET_HASH": VECTORS["secret_hash"][
                                          "for_login_username"]["SECRET_HASH"],
                                  })
    assert challenge["ChallengeParameters"] == vector["ChallengeParameters"]
    return dict(challenge)


def _vector_answer(idp: Any, responses: dict[str, str]) -> dict[str, Any]:
    return dict(idp.respond_to_auth_challenge(ClientId=POOL_V["ClientId"],
                                              ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=responses))


def _flip(text: str) -> str:
    return ("B" if text[0] == "A" else "A") + text[1:]


@pytest.mark.parametrize("case", ["user_srp", "user_srp_edge"])
def test_vectors_pass_with_the_emulator_as_server(case: str) -> None:
    responses = VECTORS[case]["ChallengeResponses"]
    with ThreadedEmulator(_vector_emulator(case, attempts=2)) as server:
        idp = cognito(server.url)
        _vector_challenge(idp, case)
        assert "AccessToken" in _vector_answer(idp, responses)["AuthenticationResult"]

        _vector_challenge(idp, case)
        flipped = {**responses,
                   "PASSWORD_CLAIM_SIGNATURE": _flip(responses["PASSWORD_CLAIM_SIGNATURE"])}
        with pytest.raises(ClientError) as excinfo:
            _vector_answer(idp, flipped)
        assert _error(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")


@pytest.mark.parametrize("timestamp", ["Thu Mar 05 07:08:09 UTC 2026",  # zero-padded day
                                       "Tue Mar 5 07:08:09 UTC 2026"])  # wrong weekday
def test_vector_with_a_non_canonical_timestamp_is_refused(timestamp: str) -> None:
    vector = VECTORS["user_srp"]
    with ThreadedEmulator(_vector_emulator("user_srp", attempts=1)) as server:
        idp = cognito(server.url)
        _vector_challenge(idp, "user_srp")
        # Sign the non-canonical string correctly, so only its format can be the reason.
        srp = SrpClient(POOL_V["UserPoolId"], USER_V["password"],
                        a=int(vector["inputs"]["a_hex"], 16))
        responses = srp.claim(vector["ChallengeParameters"], timestamp=timestamp)
        responses["SECRET_HASH"] = vector["ChallengeResponses"]["SECRET_HASH"]
        with pytest.raises(ClientError) as excinfo:
            _vector_answer(idp, responses)
        assert _error(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")


def test_email_as_username_pool_answers_with_the_uuid_username(idp: Any) -> None:
    # UsernameAttributes [email]: the email is what people type, the UUID is who they are.
    srp = SrpClient("us-east-1_TestPool03", "Test-Passw0rd!")
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId="5testenabledclient0000005",
                                  AuthParameters={"USERNAME": "tom@example.com",
                                                  "SRP_A": srp.srp_a})
    internal = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == internal
    result = idp.respond_to_auth_challenge(
        ClientId="5testenabledclient0000005", ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=srp.claim(challenge["ChallengeParameters"]))
    assert result["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert result["ChallengeParameters"]["USER_ID_FOR_SRP"] == internal
