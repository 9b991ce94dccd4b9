"""The UserMigration trigger over HTTP with boto3: a user the pool does not know is fetched from
a "legacy directory" (tests/emulator/custom_triggers.py, and the shipped legacy_directory
example in the demo seed) at USER_PASSWORD_AUTH or ForgotPassword, created, and the request goes
on as for a user that was always there. USER_SRP_AUTH never migrates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.custom_triggers import MIGRATION_PASSWORD
from tests.emulator.helpers import (
    TEST_PASSWORD,
    SrpClient,
    hook,
    last_code,
    outbox,
    password_auth,
    refused,
    respond,
)

POOL = "us-east-1_TestPool15"
LEGACY = "19testmigration000000019"  # PreventUserExistenceErrors LEGACY
ENABLED = "20testmigrationenabled020"  # PreventUserExistenceErrors ENABLED
RAISING_POOL = "us-east-1_TestPool16"
RAISING = "21testmigrationraising21"
EMAIL_POOL = "us-east-1_TestPool17"
EMAIL_USERNAMES = "22testmigrationemail0022"
DEMO_POOL = "us-east-1_DemoMigrate1"
DEMO_CLIENT = "8demomigrationclient000008"
NEW_PASSWORD = "Brand-New-Passw0rd!"


def _user(idp: Any, username: str, pool: str = POOL) -> dict[str, Any]:
    user: dict[str, Any] = idp.admin_get_user(UserPoolId=pool, Username=username)
    user["attributes"] = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    return user


def _seen(idp: Any, username: str) -> dict[str, Any]:
    """The event the test trigger saw, as it kept it in the migrated user's custom:seen."""
    seen: dict[str, Any] = json.loads(_user(idp, username)["attributes"]["custom:seen"])
    return seen


def _runs(url: str) -> list[dict[str, Any]]:
    status, body = hook(url, "GET", "/_emulator/triggers")
    assert status == 200
    return list(body["runs"])


def _absent(idp: Any, username: str, pool: str = POOL) -> bool:
    code, _ = refused(idp.admin_get_user, UserPoolId=pool, Username=username)
    return code == "UserNotFoundException"


def test_sign_in_migrates_the_user_with_cognitos_event_and_the_typed_password(
    idp: Any, url: str
) -> None:
    result = password_auth(idp, "migrated-user", MIGRATION_PASSWORD, client_id=LEGACY,
                           ClientMetadata={"app": "web"})
    assert "AuthenticationResult" in result
    user = _user(idp, "migrated-user")
    assert user["UserStatus"] == "CONFIRMED"
    assert user["attributes"]["email"] == "migrated@example.com"
    assert user["attributes"]["email_verified"] == "true"
    assert user["attributes"]["sub"]  # Cognito's own
    seen = _seen(idp, "migrated-user")
    assert seen["version"] == "1"
    assert seen["triggerSource"] == "UserMigration_Authentication"
    assert seen["region"] == "us-east-1"
    assert seen["userPoolId"] == POOL
    assert seen["userName"] == "migrated-user"
    assert seen["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown",
                                     "clientId": LEGACY}
    assert seen["requestKeys"] == ["clientMetadata", "password", "validationData"]
    assert seen["passwordMatched"] is True
    assert seen["clientMetadata"] == seen["validationData"] == {"app": "web"}
    assert seen["responseKeys"] == ["desiredDeliveryMediums", "enableSMSMFA",
                                    "finalUserStatus", "forceAliasCreation", "messageAction",
                                    "userAttributes"]

    # From now on the user is the pool's: the trigger is not asked again, SRP works too.
    assert "AuthenticationResult" in password_auth(idp, "migrated-user", MIGRATION_PASSWORD,
                                                   client_id=LEGACY)
    srp = SrpClient(POOL, MIGRATION_PASSWORD)
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=LEGACY,
                                  AuthParameters={"USERNAME": "migrated-user",
                                                  "SRP_A": srp.srp_a})
    answered = respond(idp, challenge, srp.claim(challenge["ChallengeParameters"]),
                       client_id=LEGACY)
    assert "AuthenticationResult" in answered
    assert [run["trigger_source"] for run in _runs(url)] == ["UserMigration_Authentication"]
    assert outbox(url, "migrated-user") == []  # messageAction SUPPRESS: no welcome


def test_no_final_status_means_confirmed(idp: Any) -> None:
    assert "AuthenticationResult" in password_auth(idp, "unset-status-user", MIGRATION_PASSWORD,
                                                   client_id=LEGACY)
    assert _user(idp, "unset-status-user")["UserStatus"] == "CONFIRMED"


def test_reset_required_answers_password_reset_and_forgot_password_completes_it(
    idp: Any, url: str
) -> None:
    assert refused(password_auth, idp, "reset-user", MIGRATION_PASSWORD, client_id=LEGACY) == (
        "PasswordResetRequiredException", "Password reset required for the user")
    assert _user(idp, "reset-user")["UserStatus"] == "RESET_REQUIRED"
    sent = idp.forgot_password(ClientId=LEGACY, Username="reset-user")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.confirm_forgot_password(ClientId=LEGACY, Username="reset-user",
                                ConfirmationCode=last_code(url, "reset-user"),
                                Password=NEW_PASSWORD)
    assert "AuthenticationResult" in password_auth(idp, "reset-user", NEW_PASSWORD,
                                                   client_id=LEGACY)
    # Only the sign-in migrated; ForgotPassword found the user already there.
    assert len(_runs(url)) == 1


@pytest.mark.parametrize(("username", "password"), [
    ("nobody-anywhere", MIGRATION_PASSWORD),  # the trigger returns no attributes
    ("migrated-user", "Wrong-Passw0rd!"),  # the legacy password does not match
])
def test_no_attributes_is_the_usual_unknown_user_answer(idp: Any, url: str, username: str,
                                                        password: str) -> None:
    assert refused(password_auth, idp, username, password, client_id=LEGACY) == (
        "UserNotFoundException", "User does not exist.")
    assert refused(password_auth, idp, username, password, client_id=ENABLED) == (
        "NotAuthorizedException", "Incorrect username or password.")
    assert _absent(idp, username)
    runs = _runs(url)
    assert [run["outcome"] for run in runs] == ["ok", "ok"]
    assert password not in json.dumps(runs)


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "CUSTOM_AUTH"])
def test_flows_without_a_typed_password_never_migrate(idp: Any, url: str, flow: str) -> None:
    parameters = {"USERNAME": "migrated-user"}
    if flow == "USER_SRP_AUTH":
        parameters["SRP_A"] = SrpClient(POOL, MIGRATION_PASSWORD).srp_a
    assert refused(idp.initiate_auth, AuthFlow=flow, ClientId=LEGACY,
                   AuthParameters=parameters) == ("UserNotFoundException", "User does not exist.")
    assert _absent(idp, "migrated-user")
    assert _runs(url) == []


def test_srp_with_prevent_user_existence_errors_answers_as_before(idp: Any, url: str) -> None:
    challenge = idp.initiate_auth(
        AuthFlow="USER_SRP_AUTH", ClientId=ENABLED,
        AuthParameters={"USERNAME": "migrated-user",
                        "SRP_A": SrpClient(POOL, MIGRATION_PASSWORD).srp_a})
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"  # the stand-in challenge
    assert _absent(idp, "migrated-user")
    assert _runs(url) == []


def test_mfa_applies_to_a_migrated_user(idp: Any, url: str) -> None:
    """enableSMSMFA with a verified phone: the first sign-in already asks for the SMS code."""
    challenge = password_auth(idp, "sms-mfa-user", MIGRATION_PASSWORD, client_id=LEGACY)
    assert challenge["ChallengeName"] == "SMS_MFA"
    tokens = respond(idp, challenge, {"SMS_MFA_CODE": last_code(url, "sms-mfa-user")},
                     client_id=LEGACY)
    assert "AuthenticationResult" in tokens


def test_a_welcome_message_goes_out_unless_suppressed(idp: Any, url: str) -> None:
    password_auth(idp, "welcome-user", MIGRATION_PASSWORD, client_id=LEGACY)
    (message,) = outbox(url, "welcome-user")
    assert (message["purpose"], message["medium"], message["destination"], message["code"]) == (
        "WELCOME", "EMAIL", "welcome@example.com", "")


def test_a_taken_alias_needs_force_alias_creation(idp: Any) -> None:
    assert refused(password_auth, idp, "alias-taker", MIGRATION_PASSWORD, client_id=LEGACY) == (
        "AliasExistsException", "An account with the given email already exists.")
    assert _absent(idp, "alias-taker")
    password_auth(idp, "alias-taker", MIGRATION_PASSWORD, client_id=LEGACY,
                  ClientMetadata={"force": "yes"})
    assert _user(idp, "alias-taker")["attributes"]["email_verified"] == "true"
    assert _user(idp, "alias-owner")["attributes"]["email_verified"] == "false"


def test_the_legacy_password_is_not_checked_against_the_policy(idp: Any) -> None:
    assert "AuthenticationResult" in password_auth(idp, "weak-user", "weak", client_id=LEGACY)


def test_a_raising_trigger_is_user_lambda_validation(idp: Any, url: str) -> None:
    expected = ("UserLambdaValidationException",
                "UserMigration failed with error boom from the test trigger.")
    assert refused(password_auth, idp, "someone", "Some-Passw0rd!", client_id=RAISING) == expected
    assert refused(idp.forgot_password, ClientId=RAISING, Username="someone") == expected
    assert _absent(idp, "someone", RAISING_POOL)
    runs = _runs(url)
    assert [(run["trigger_source"], run["outcome"], run["error"]) for run in runs] == [
        ("UserMigration_Authentication", "failed", "UserLambdaValidationException"),
        ("UserMigration_ForgotPassword", "failed", "UserLambdaValidationException"),
    ]
    assert runs[0]["function_name"] == "test-raising"
    assert runs[0]["pool_id"] == RAISING_POOL


def test_an_unknown_final_status_is_an_unrecognizable_response(idp: Any) -> None:
    assert refused(password_auth, idp, "bad-status-user", MIGRATION_PASSWORD,
                   client_id=LEGACY) == ("InvalidLambdaResponseException",
                                         "Unrecognizable lambda output")
    assert _absent(idp, "bad-status-user")


def test_forgot_password_migrates_without_a_password_and_sends_the_code(
    idp: Any, url: str
) -> None:
    sent = idp.forgot_password(ClientId=LEGACY, Username="migrated-user",
                               ClientMetadata={"from": "reset-page"})
    assert sent["CodeDeliveryDetails"] == {"Destination": "m***@e***", "DeliveryMedium": "EMAIL",
                                           "AttributeName": "email"}
    assert _user(idp, "migrated-user")["UserStatus"] == "RESET_REQUIRED"
    seen = _seen(idp, "migrated-user")
    assert seen["triggerSource"] == "UserMigration_ForgotPassword"
    assert seen["requestKeys"] == ["clientMetadata", "validationData"]  # no password
    assert seen["clientMetadata"] == {"from": "reset-page"}
    (message,) = outbox(url, "migrated-user")  # the code; SUPPRESS: no welcome
    assert message["purpose"] == "FORGOT_PASSWORD"
    # Until the code is confirmed the user has no password that works.
    assert refused(password_auth, idp, "migrated-user", MIGRATION_PASSWORD,
                   client_id=LEGACY)[0] == "PasswordResetRequiredException"
    idp.confirm_forgot_password(ClientId=LEGACY, Username="migrated-user",
                                ConfirmationCode=message["code"], Password=NEW_PASSWORD)
    assert "AuthenticationResult" in password_auth(idp, "migrated-user", NEW_PASSWORD,
                                                   client_id=LEGACY)


def test_forgot_password_for_someone_the_trigger_does_not_know(idp: Any, url: str) -> None:
    assert refused(idp.forgot_password, ClientId=LEGACY, Username="nobody-anywhere") == (
        "UserNotFoundException", "Username/client id combination not found.")
    pretended = idp.forgot_password(ClientId=ENABLED, Username="nobody-anywhere")
    assert pretended["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert _absent(idp, "nobody-anywhere")
    assert outbox(url, "nobody-anywhere") == []


def test_a_pool_with_email_usernames_gives_the_migrated_user_a_uuid(idp: Any) -> None:
    assert "AuthenticationResult" in password_auth(idp, "mail@example.com", "Any-Passw0rd!",
                                                   client_id=EMAIL_USERNAMES)
    user = _user(idp, "mail@example.com", EMAIL_POOL)
    assert user["Username"] != "mail@example.com" and len(user["Username"]) == 36
    assert user["attributes"]["email"] == "mail@example.com"


def test_the_demo_pool_migrates_the_legacy_directory_example(idp: Any, url: str) -> None:
    assert refused(password_auth, idp, "legacy-user", TEST_PASSWORD,
                   client_id=DEMO_CLIENT)[0] == "UserNotFoundException"
    assert "AuthenticationResult" in password_auth(idp, "legacy-user", "Legacy-Passw0rd!",
                                                   client_id=DEMO_CLIENT)
    assert "AuthenticationResult" in password_auth(idp, "legacy-short-user", "legacy1",
                                                   client_id=DEMO_CLIENT)
    assert refused(password_auth, idp, "legacy-reset-user", "Legacy-Passw0rd!",
                   client_id=DEMO_CLIENT)[0] == "PasswordResetRequiredException"
    idp.forgot_password(ClientId=DEMO_CLIENT, Username="legacy-reset-user")
    idp.confirm_forgot_password(ClientId=DEMO_CLIENT, Username="legacy-reset-user",
                                ConfirmationCode=last_code(url, "legacy-reset-user"),
                                Password=NEW_PASSWORD)
    assert "AuthenticationResult" in password_auth(idp, "legacy-reset-user", NEW_PASSWORD,
                                                   client_id=DEMO_CLIENT)
    assert _user(idp, "legacy-user", DEMO_POOL)["attributes"]["name"] == "Lee Legacy"
    assert {run["function_name"] for run in _runs(url)} == {"demo-legacy-migration"}
