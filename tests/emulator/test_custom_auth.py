"""CUSTOM_AUTH driven by real Python Lambda handlers (cognito_emulator/examples and
tests/emulator/custom_triggers.py), over HTTP with boto3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml

from tests.emulator.helpers import (
    CUSTOM_CLIENT,
    CUSTOM_POOL,
    PASSWORD,
    SECRETS,
    TEST_PASSWORD,
    SrpClient,
    cognito,
    outbox,
    refused,
    secret_hash,
)
from tests.servers import ROOT, free_port

QUESTION = "10testquestion0000000010"
ECHO = "11testecho000000000000011"
ECHO_POOL = "us-east-1_TestPool07"
RAISING = "12testraising00000000012"
BROKEN = "13testbroken000000000013"
WRONG_SHAPE = "14testwrongshape0000014"
UNKNOWN = "15testunknown00000000015"
ONE_TRY = "16testonetry000000000016"


def start(idp: Any, username: str, client_id: str, **extra: str) -> dict[str, Any]:
    parameters = {"USERNAME": username, **extra}
    if client_id in SECRETS:
        parameters["SECRET_HASH"] = secret_hash(username, client_id)
    response: dict[str, Any] = idp.initiate_auth(AuthFlow="CUSTOM_AUTH", ClientId=client_id,
                                                 AuthParameters=parameters)
    return response


def answer(idp: Any, challenge: dict[str, Any], client_id: str, value: str,
           **kwargs: Any) -> dict[str, Any]:
    username = challenge["ChallengeParameters"]["USERNAME"]
    responses = {"USERNAME": username, "ANSWER": value}
    if client_id in SECRETS:
        responses["SECRET_HASH"] = secret_hash(username, client_id)
    response: dict[str, Any] = idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE", Session=challenge["Session"],
        ChallengeResponses=responses, **kwargs)
    return response


def test_email_code_rounds_end_in_tokens(idp: Any, url: str) -> None:
    challenge = start(idp, "code-user", CUSTOM_CLIENT)
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    parameters = challenge["ChallengeParameters"]
    assert parameters == {"email": "c***@e***", "attemptsLeft": "3", "template": "email-code",
                          "USERNAME": "code-user"}
    sent = outbox(url, "code-user")
    assert [(m["medium"], m["destination"], m["purpose"]) for m in sent] == [
        ("EMAIL", "code@example.com", "CUSTOM_CHALLENGE")]
    code = sent[0]["code"]
    wrong = "000000" if code != "000000" else "111111"

    second = answer(idp, challenge, CUSTOM_CLIENT, wrong)
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert second["Session"] != challenge["Session"]
    assert second["ChallengeParameters"]["attemptsLeft"] == "2"
    assert len(outbox(url, "code-user")) == 1  # the retry reuses the code

    done = answer(idp, second, CUSTOM_CLIENT, code)
    tokens = done["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == "code-user"
    assert claims["iss"].endswith(f"/{CUSTOM_POOL}")


def test_email_code_by_alias(idp: Any, url: str) -> None:
    challenge = start(idp, "code@example.com", CUSTOM_CLIENT)
    assert challenge["ChallengeParameters"]["USERNAME"] == "code-user"
    code = outbox(url, "code-user")[-1]["code"]
    assert "AuthenticationResult" in answer(idp, challenge, CUSTOM_CLIENT, code)


def test_three_wrong_answers_fail_authentication(idp: Any) -> None:
    challenge = start(idp, "custom-user", QUESTION)
    assert challenge["ChallengeParameters"]["question"] == "What is six times seven?"
    challenge = answer(idp, challenge, QUESTION, "41")
    challenge = answer(idp, challenge, QUESTION, "43")
    assert challenge["ChallengeParameters"]["attemptsLeft"] == "1"
    assert refused(answer, idp, challenge, QUESTION, "44") == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_question_right_on_the_third_try(idp: Any) -> None:
    challenge = start(idp, "custom-user", QUESTION)
    challenge = answer(idp, challenge, QUESTION, "no")
    challenge = answer(idp, challenge, QUESTION, "still no")
    assert "AuthenticationResult" in answer(idp, challenge, QUESTION, " 42 ")


def test_fail_authentication_after_one_wrong_answer(idp: Any) -> None:
    challenge = start(idp, "custom-user", ONE_TRY)
    assert refused(answer, idp, challenge, ONE_TRY, "wrong") == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_srp_first_then_the_email_code(idp: Any, url: str) -> None:
    srp = SrpClient(CUSTOM_POOL, PASSWORD)
    verifier = start(idp, "code-user", CUSTOM_CLIENT, CHALLENGE_NAME="SRP_A", SRP_A=srp.srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    assert outbox(url, "code-user") == []  # no code before the password is proven
    claim = srp.claim(verifier["ChallengeParameters"])
    claim["SECRET_HASH"] = secret_hash(claim["USERNAME"], CUSTOM_CLIENT)
    challenge = idp.respond_to_auth_challenge(
        ClientId=CUSTOM_CLIENT, ChallengeName="PASSWORD_VERIFIER", Session=verifier["Session"],
        ChallengeResponses=claim)
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    code = outbox(url, "code-user")[-1]["code"]
    assert "AuthenticationResult" in answer(idp, challenge, CUSTOM_CLIENT, code)


def test_srp_first_with_a_wrong_password(idp: Any, url: str) -> None:
    srp = SrpClient(CUSTOM_POOL, "Wrong-Passw0rd!")
    verifier = start(idp, "code-user", CUSTOM_CLIENT, CHALLENGE_NAME="SRP_A", SRP_A=srp.srp_a)
    claim = srp.claim(verifier["ChallengeParameters"])
    claim["SECRET_HASH"] = secret_hash(claim["USERNAME"], CUSTOM_CLIENT)
    assert refused(idp.respond_to_auth_challenge, ClientId=CUSTOM_CLIENT,
                   ChallengeName="PASSWORD_VERIFIER", Session=verifier["Session"],
                   ChallengeResponses=claim) == (
        "NotAuthorizedException", "Incorrect username or password.")
    assert outbox(url, "code-user") == []


def test_the_event_is_shaped_like_cognitos(idp: Any) -> None:
    challenge = start(idp, "custom-user", ECHO)
    seen = json.loads(challenge["ChallengeParameters"]["event"])
    assert seen["version"] == "1"
    assert seen["triggerSource"] == "CreateAuthChallenge_Authentication"
    assert seen["region"] == "us-east-1"
    assert seen["userPoolId"] == ECHO_POOL
    assert seen["userName"] == "custom-user"
    assert seen["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown",
                                     "clientId": ECHO}
    assert seen["requestKeys"] == ["challengeName", "clientMetadata", "session",
                                   "userAttributes", "userNotFound"]
    assert seen["responseKeys"] == ["challengeMetadata", "privateChallengeParameters",
                                    "publicChallengeParameters"]
    assert seen["userAttributes"]["email"] == "custom@example.com"
    assert seen["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert seen["userAttributes"]["sub"]
    assert seen["context"] == {
        "function_name": "test-create-echo",
        "invoked_function_arn": "arn:aws:lambda:us-east-1:000000000000:function:test-create-echo",
    }
    assert json.loads(challenge["ChallengeParameters"]["session"]) == []


def test_session_list_and_client_metadata_reach_the_triggers(idp: Any) -> None:
    challenge = start(idp, "custom-user", ECHO)
    second = answer(idp, challenge, ECHO, "wrong", ClientMetadata={"app": "test"})
    assert json.loads(second["ChallengeParameters"]["session"]) == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False,
         "challengeMetadata": "ROUND-0"}]
    assert json.loads(second["ChallengeParameters"]["clientMetadata"]) == {"app": "test"}
    # Verify sees ClientMetadata too: "force" makes any answer right.
    assert "AuthenticationResult" in answer(idp, second, ECHO, "wrong again",
                                            ClientMetadata={"force": "yes"})


def test_private_parameters_never_leave_the_emulator(idp: Any) -> None:
    challenge = start(idp, "custom-user", ECHO)
    second = answer(idp, challenge, ECHO, "wrong")
    for step in (challenge, second):
        assert "secret" not in step["ChallengeParameters"]
        assert "private-secret-answer" not in json.dumps(step)
    done = answer(idp, second, ECHO, "private-secret-answer")
    assert "private-secret-answer" not in json.dumps(done)


def test_an_answered_session_is_spent(idp: Any) -> None:
    challenge = start(idp, "custom-user", ECHO)
    answer(idp, challenge, ECHO, "wrong")
    assert refused(answer, idp, challenge, ECHO, "private-secret-answer") == (
        "NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def test_a_raising_trigger_is_user_lambda_validation(idp: Any) -> None:
    assert refused(start, idp, "custom-user", RAISING) == (
        "UserLambdaValidationException",
        "CreateAuthChallenge failed with error boom from the test trigger.")


@pytest.mark.parametrize("client_id", [BROKEN, WRONG_SHAPE])
def test_unusable_trigger_output_is_invalid_lambda_response(idp: Any, client_id: str) -> None:
    assert refused(start, idp, "custom-user", client_id) == (
        "InvalidLambdaResponseException", "Unrecognizable lambda output")


def test_an_unknown_function_is_unexpected_lambda(idp: Any) -> None:
    code, message = refused(start, idp, "custom-user", UNKNOWN)
    assert code == "UnexpectedLambdaException"
    assert message.startswith("CreateAuthChallenge invocation failed")


def test_a_pool_without_triggers_refuses_custom_auth(idp: Any) -> None:
    pool = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="c",
                                         ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"])
    client_id = client["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="plain-user", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="plain-user", Password=PASSWORD,
                                Permanent=True)
    assert refused(start, idp, "plain-user", client_id) == (
        "NotAuthorizedException", "Custom auth lambda trigger is not configured for the user pool.")


def test_unknown_user_is_not_found(idp: Any) -> None:
    assert refused(start, idp, "nobody", QUESTION)[0] == "UserNotFoundException"


def test_lambda_config_is_accepted_by_create_user_pool(idp: Any) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:test-question-define"
    pool = idp.create_user_pool(PoolName="made", LambdaConfig={
        "DefineAuthChallenge": arn})["UserPool"]
    assert pool["LambdaConfig"] == {"DefineAuthChallenge": arn}
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["LambdaConfig"] == {"DefineAuthChallenge": arn}


def test_test_password_is_unused_by_custom_auth(idp: Any) -> None:
    # The custom flow never asks for the password unless the client starts with SRP.
    srp = SrpClient(ECHO_POOL, TEST_PASSWORD)
    verifier = start(idp, "custom-user", ECHO, CHALLENGE_NAME="SRP_A", SRP_A=srp.srp_a)
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    claim = srp.claim(verifier["ChallengeParameters"])
    challenge = idp.respond_to_auth_challenge(
        ClientId=ECHO, ChallengeName="PASSWORD_VERIFIER", Session=verifier["Session"],
        ChallengeResponses=claim)
    assert json.loads(challenge["ChallengeParameters"]["session"]) == [
        {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
        {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True,
         "challengeMetadata": None}]


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cognito_emulator", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_function_on_the_command_line_overrides_the_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(yaml.safe_dump({
        "functions": {"define": "tests.emulator.custom_triggers:define_three_tries",
                      "create": "tests.emulator.custom_triggers:create_echo",
                      "verify": "tests.emulator.custom_triggers:verify_echo"},
        "pools": [{
            "Id": "us-east-1_CliPool1", "PoolName": "cli",
            "LambdaConfig": {
                trigger: f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
                for trigger, name in (("DefineAuthChallenge", "define"),
                                      ("CreateAuthChallenge", "create"),
                                      ("VerifyAuthChallengeResponse", "verify"))},
            "Clients": [{"ClientId": "cliclient0000001", "ExplicitAuthFlows": [
                "ALLOW_CUSTOM_AUTH"], "ClientName": "cli"}],
            "Users": [{"Username": "cli-user", "Password": TEST_PASSWORD}],
        }],
    }))
    port = free_port()
    process = _run("--port", str(port), "--seed", str(seed),
                   "--function", "create=tests.emulator.custom_triggers:raising")
    try:
        assert process.stdout is not None
        assert "listening" in process.stdout.readline()
        code, message = refused(start, cognito(f"http://127.0.0.1:{port}"), "cli-user",
                                "cliclient0000001")
        assert (code, message) == ("UserLambdaValidationException",
                                   "CreateAuthChallenge failed with error boom from the test "
                                   "trigger.")
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize("option", ["no-equals-sign", "f=tests.emulator.custom_triggers:nope",
                                    "f=no_such_module_here:handler"])
def test_a_bad_function_stops_the_start(option: str) -> None:
    process = _run("--port", str(free_port()), "--seed", "demo", "--function", option)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "package.module:attr" in errors or "cannot import" in errors or "no attribute" in errors
