"""Sign-up, confirmation, forgotten and changed passwords, user states, and
PreventUserExistenceErrors."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import (
    EMAIL_POOL,
    ENABLED_PREVENTION,
    GATEWAY,
    MFA_OFF_CLIENT,
    PASSWORD,
    POOL,
    PUBLIC,
    TEST_PASSWORD,
    SrpClient,
    advance_clock,
    last_code,
    outbox,
    password_auth,
    refused,
    secret_hash,
)


def _sign_up(idp: Any, username: str = "newcomer", **overrides: Any) -> dict[str, Any]:
    request = {
        "ClientId": PUBLIC, "Username": username, "Password": PASSWORD,
        "UserAttributes": [{"Name": "name", "Value": "Nico Newcomer"},
                           {"Name": "email", "Value": "newcomer@example.com"}],
        **overrides,
    }
    return dict(idp.sign_up(**request))


def test_sign_up_confirm_and_sign_in(idp: Any, url: str) -> None:
    signed_up = _sign_up(idp)
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"] == {
        "Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    (message,) = outbox(url, "newcomer")
    assert message["purpose"] == "SIGN_UP"

    assert refused(password_auth, idp, "newcomer", client_id=PUBLIC) == (
        "UserNotConfirmedException", "User is not confirmed.")
    wrong = "000000" if message["code"] != "000000" else "111111"
    assert refused(idp.confirm_sign_up, ClientId=PUBLIC, Username="newcomer",
                  ConfirmationCode=wrong) == (
        "CodeMismatchException", "Invalid verification code provided, please try again.")
    idp.confirm_sign_up(ClientId=PUBLIC, Username="newcomer", ConfirmationCode=message["code"])
    user = idp.admin_get_user(UserPoolId=POOL, Username="newcomer")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert "AuthenticationResult" in password_auth(idp, "newcomer@example.com", client_id=PUBLIC)
    assert refused(idp.confirm_sign_up, ClientId=PUBLIC, Username="newcomer",
                  ConfirmationCode=message["code"]) == (
        "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")


def test_sign_up_checks_schema_policy_and_uniqueness(idp: Any) -> None:
    assert refused(_sign_up, idp, UserAttributes=[])[0] == "InvalidParameterException"
    assert refused(_sign_up, idp, Password="weakpass") == (
        "InvalidPasswordException",
        "Password did not conform with policy: Password must have uppercase characters")
    assert refused(_sign_up, idp, "password-user") == (
        "UsernameExistsException", "User already exists")


def test_resend_replaces_the_confirmation_code(idp: Any, url: str) -> None:
    _sign_up(idp)
    old = last_code(url, "newcomer")
    idp.resend_confirmation_code(ClientId=PUBLIC, Username="newcomer")
    new = last_code(url, "newcomer")
    if old != new:
        assert refused(idp.confirm_sign_up, ClientId=PUBLIC, Username="newcomer",
                      ConfirmationCode=old)[0] == "CodeMismatchException"
    idp.confirm_sign_up(ClientId=PUBLIC, Username="newcomer", ConfirmationCode=new)


def test_email_as_username_gets_a_uuid_username(idp: Any) -> None:
    signed_up = idp.sign_up(ClientId=ENABLED_PREVENTION, Username="zoe@example.com",
                            Password=TEST_PASSWORD)
    user = idp.admin_get_user(UserPoolId=EMAIL_POOL, Username="zoe@example.com")
    assert user["Username"] != "zoe@example.com"
    assert {"Name": "sub", "Value": signed_up["UserSub"]} in user["UserAttributes"]
    assert refused(idp.sign_up, ClientId=ENABLED_PREVENTION, Username="not-an-email",
                  Password=TEST_PASSWORD)[0] == "InvalidParameterException"


def test_forgot_password_then_confirm_with_the_code(idp: Any, url: str) -> None:
    def forgot() -> dict[str, Any]:
        return dict(idp.forgot_password(ClientId=GATEWAY, Username="password-user",
                                        SecretHash=secret_hash("password-user")))

    assert forgot()["CodeDeliveryDetails"]["Destination"] == "p***@e***"
    code = last_code(url, "password-user")
    idp.confirm_forgot_password(ClientId=GATEWAY, Username="password-user",
                                SecretHash=secret_hash("password-user"),
                                ConfirmationCode=code, Password="Reset-Passw0rd!")
    assert refused(password_auth, idp, "password-user")[1] == "Incorrect username or password."
    assert "AuthenticationResult" in password_auth(idp, "password-user", "Reset-Passw0rd!")

    forgot()
    advance_clock(url, 3601)
    assert refused(idp.confirm_forgot_password, ClientId=GATEWAY, Username="password-user",
                  SecretHash=secret_hash("password-user"),
                  ConfirmationCode=last_code(url, "password-user"),
                  Password="Later-Passw0rd!") == (
        "ExpiredCodeException", "Invalid code provided, please request a code again.")


def test_change_password_with_an_access_token(idp: Any) -> None:
    access = password_auth(idp, "password-user")["AuthenticationResult"]["AccessToken"]
    assert refused(idp.change_password, AccessToken=access, PreviousPassword="Wrong-Passw0rd!",
                  ProposedPassword="Changed-Passw0rd!")[1] == "Incorrect username or password."
    assert refused(idp.change_password, AccessToken=access, PreviousPassword=PASSWORD,
                  ProposedPassword="short")[0] == "InvalidPasswordException"
    idp.change_password(AccessToken=access, PreviousPassword=PASSWORD,
                        ProposedPassword="Changed-Passw0rd!")
    assert "AuthenticationResult" in password_auth(idp, "password-user", "Changed-Passw0rd!")


def test_disabled_and_unconfirmed_users(idp: Any) -> None:
    assert refused(password_auth, idp, "dis@example.com", TEST_PASSWORD,
                  client_id=ENABLED_PREVENTION) == ("NotAuthorizedException", "User is disabled.")
    # Cognito says "not confirmed" before it looks at the password.
    assert refused(password_auth, idp, "una@example.com", "Wrong-Passw0rd!",
                  client_id=ENABLED_PREVENTION) == (
        "UserNotConfirmedException", "User is not confirmed.")
    idp.admin_disable_user(UserPoolId=POOL, Username="password-user")
    assert refused(password_auth, idp, "password-user")[1] == "User is disabled."
    idp.admin_enable_user(UserPoolId=POOL, Username="password-user")
    assert "AuthenticationResult" in password_auth(idp, "password-user")


def test_unknown_user_with_legacy_errors(idp: Any) -> None:
    assert refused(password_auth, idp, "nobody") == ("UserNotFoundException",
                                                    "User does not exist.")
    assert refused(idp.forgot_password, ClientId=GATEWAY, Username="nobody",
                  SecretHash=secret_hash("nobody"))[0] == "UserNotFoundException"


def test_unknown_user_with_prevent_user_existence_errors(idp: Any) -> None:
    assert refused(password_auth, idp, "nobody@example.com", TEST_PASSWORD,
                  client_id=ENABLED_PREVENTION) == (
        "NotAuthorizedException", "Incorrect username or password.")
    srp = SrpClient(EMAIL_POOL, TEST_PASSWORD)
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=ENABLED_PREVENTION,
                                  AuthParameters={"USERNAME": "nobody@example.com",
                                                  "SRP_A": srp.srp_a})
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert refused(idp.respond_to_auth_challenge, ClientId=ENABLED_PREVENTION,
                  ChallengeName="PASSWORD_VERIFIER",
                  ChallengeResponses=srp.claim(challenge["ChallengeParameters"])) == (
        "NotAuthorizedException", "Incorrect username or password.")
    delivered = idp.forgot_password(ClientId=ENABLED_PREVENTION, Username="nobody@example.com")
    assert delivered["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"


def test_flows_the_client_does_not_allow_are_refused(idp: Any) -> None:
    srp = SrpClient(POOL, PASSWORD)
    assert refused(idp.initiate_auth, AuthFlow="USER_SRP_AUTH", ClientId=MFA_OFF_CLIENT,
                  AuthParameters={"USERNAME": "off-user", "SRP_A": srp.srp_a}) == (
        "InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client")
