"""AWS JSON 1.1 framing and bad input: Cognito's error shapes, never a 500 with a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.helpers import GATEWAY, POOL, PUBLIC, cognito, hook, raw_call, refused

TARGET = "AWSCognitoIdentityProviderService."



@pytest.fixture
def loose(url: str) -> Any:
    """A botocore client that sends whatever it is given (no client-side validation)."""
    return cognito(url, parameter_validation=False)


def test_errors_carry_type_message_and_request_id(url: str) -> None:
    status, headers, body = raw_call(url, TARGET + "InitiateAuth", json.dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nosuchclient",
        "AuthParameters": {"USERNAME": "u", "PASSWORD": "p"}}).encode())
    assert status == 400
    assert body == {"__type": "ResourceNotFoundException",
                    "message": "User pool client nosuchclient does not exist."}
    assert headers["x-amzn-RequestId"]
    assert headers["Content-Type"].startswith("application/x-amz-json-1.1")


def test_success_carries_a_request_id(idp: Any) -> None:
    response = idp.describe_user_pool(UserPoolId=POOL)
    assert response["ResponseMetadata"]["RequestId"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"', b'{"a":' + b"[" * 100_000],
    ids=["broken", "array", "not-utf8", "string", "deeply-nested"],
)
def test_malformed_json_is_a_serializationrefused(url: str, body: bytes) -> None:
    status, _, reply = raw_call(url, TARGET + "InitiateAuth", body)
    assert status == 400
    assert reply["__type"] == "SerializationException"


@pytest.mark.parametrize("target", [TARGET + "NoSuchOperation", "SomethingElse.InitiateAuth", ""])
def test_unknown_operation(url: str, target: str) -> None:
    status, _, reply = raw_call(url, target, b"{}")
    assert status == 400
    assert reply["__type"] == "UnknownOperationException"


def test_an_operation_the_emulator_does_not_implement_says_so(idp: Any) -> None:
    code, message = refused(idp.admin_list_user_auth_events, UserPoolId=POOL,
                            Username="password-user")
    assert code == "UnsupportedOperationException"
    assert "AdminListUserAuthEvents" in message


def test_missing_required_members_are_listed(url: str) -> None:
    status, _, reply = raw_call(url, TARGET + "InitiateAuth", b"{}")
    assert status == 400
    assert reply["__type"] == "InvalidParameterException"
    assert reply["message"] == (
        "2 validation errors detected: "
        "Value null at 'authFlow' failed to satisfy constraint: Member must not be null; "
        "Value null at 'clientId' failed to satisfy constraint: Member must not be null"
    )


def test_wrong_types_are_serialization_errors(loose: Any, url: str) -> None:
    assert refused(loose.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId=12345)[0] == (
        "SerializationException")
    assert refused(loose.admin_create_user, UserPoolId=POOL, Username="typed",
                  UserAttributes=[{"Name": "email_verified", "Value": True}])[0] == (
        "SerializationException")
    # botocore cannot even serialise a list where a map belongs; send it raw.
    status, _, reply = raw_call(url, TARGET + "InitiateAuth", json.dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": GATEWAY,
        "AuthParameters": ["USERNAME"]}).encode())
    assert (status, reply["__type"]) == (400, "SerializationException")


def test_oversized_values_are_refused_with_cognitos_message(loose: Any) -> None:
    pool_id = "us-east-1_" + "a" * 50
    code, message = refused(loose.describe_user_pool, UserPoolId=pool_id)
    assert code == "InvalidParameterException"
    assert message == (
        f"1 validation error detected: Value '{pool_id}' at 'userPoolId' failed to satisfy "
        "constraint: Member must have length less than or equal to 55"
    )
    # ClientId is a sensitive member, so its value is not repeated back.
    code, message = refused(loose.initiate_auth, AuthFlow="USER_PASSWORD_AUTH",
                           ClientId="c" * 129)
    assert (code, message) == ("InvalidParameterException",
                               "1 validation error detected: Value at 'clientId' failed to "
                               "satisfy constraint: Member must have length less than or equal "
                               "to 128")
    code, message = refused(loose.initiate_auth, AuthFlow="USER_PASSWORD_AUTH", ClientId=GATEWAY,
                           UserContextData={"EncodedData": "e" * 131073})
    assert code == "InvalidParameterException"
    assert "'userContextData.encodedData'" in message


def test_enum_and_pattern_violations(loose: Any) -> None:
    code, message = refused(loose.initiate_auth, AuthFlow="MAGIC", ClientId=GATEWAY)
    assert code == "InvalidParameterException"
    assert "Member must satisfy enum value set: [USER_SRP_AUTH," in message
    # \w in the model's patterns is Java's ASCII-only class.
    code, message = refused(loose.initiate_auth, AuthFlow="USER_SRP_AUTH", ClientId="clïent")
    assert code == "InvalidParameterException"
    assert "Member must satisfy regular expression pattern: [\\w+]+" in message


def test_sensitive_values_are_not_echoed(loose: Any) -> None:
    secret = "Sécret " * 50
    code, message = refused(loose.admin_set_user_password, UserPoolId=POOL,
                           Username="password-user", Password=secret, Permanent=True)
    assert code == "InvalidParameterException"
    assert "Value at 'password' failed to satisfy constraint" in message
    assert "Sécret" not in message


def test_range_of_integers_is_checked(loose: Any) -> None:
    code, message = refused(loose.create_user_pool_client, UserPoolId=POOL, ClientName="c",
                           AuthSessionValidity=16)
    assert code == "InvalidParameterException"
    assert "Member must have value less than or equal to 15" in message


def test_garbage_in_auth_parameters_is_a_clientrefused(idp: Any) -> None:
    assert refused(idp.initiate_auth, AuthFlow="USER_SRP_AUTH", ClientId=PUBLIC,
                  AuthParameters={"USERNAME": "password-user", "SRP_A": "not-hex"})[0] == (
        "InvalidParameterException")
    assert refused(idp.initiate_auth, AuthFlow="USER_SRP_AUTH", ClientId=PUBLIC,
                  AuthParameters={"USERNAME": "password-user"}) == (
        "InvalidParameterException", "Missing required parameter SRP_A")
    assert refused(idp.respond_to_auth_challenge, ClientId=PUBLIC,
                  ChallengeName="PASSWORD_VERIFIER",
                  ChallengeResponses={"USERNAME": "password-user",
                                      "PASSWORD_CLAIM_SECRET_BLOCK": "%%%",
                                      "PASSWORD_CLAIM_SIGNATURE": "x",
                                      "TIMESTAMP": "y"})[0] == "NotAuthorizedException"


def test_no_request_ever_produces_a_traceback(url: str) -> None:
    bodies = [b"{}", b'{"ClientId": null}', b'{"AuthFlow": "USER_SRP_AUTH", "ClientId": "x",'
              b' "AuthParameters": {"USERNAME": null}}', b'{"ChallengeResponses": {}}']
    for operation in ("InitiateAuth", "RespondToAuthChallenge", "GetUser", "SignUp",
                      "AssociateSoftwareToken", "VerifySoftwareToken", "RevokeToken"):
        for body in bodies:
            status, _, reply = raw_call(url, TARGET + operation, body)
            assert status == 400, (operation, body, reply)
            assert set(reply) == {"__type", "message"}
            assert "Traceback" not in reply["message"]
    assert hook(url, "GET", "/_emulator/health")[0] == 200
