"""Sign-up and account fidelity the gateway's sign-up, forgotten-password and account pages
rely on: existing names, PreventUserExistenceErrors, resend limits, signing in right after
sign-up (SignUp / ConfirmSignUp Session -> InitiateAuth USER_AUTH), ChangePassword,
UpdateUserAttributes / VerifyUserAttribute / GetUserAttributeVerificationCode, DeleteUser."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import (
    TEST_PASSWORD,
    advance_clock,
    auth_parameters,
    hook,
    outbox,
    password_auth,
    refused,
)

POOL = "us-east-1_TestPool22"  # AttributesRequireVerificationBeforeUpdate [email]
CLIENT = "29testsignupclient0000029"  # USER_AUTH allowed, LEGACY errors
PREVENTING = "30testsignupenabled000030"  # PreventUserExistenceErrors ENABLED, no USER_AUTH
PLAIN_POOL = "us-east-1_TestPool23"
PLAIN_CLIENT = "31testplainaccount0000031"


def _sign_up(idp: Any, username: str = "sam", client_id: str = CLIENT,
             **overrides: Any) -> dict[str, Any]:
    return dict(idp.sign_up(ClientId=client_id, Username=username, Password=TEST_PASSWORD,
                            UserAttributes=[{"Name": "email",
                                             "Value": f"{username}@example.org"}], **overrides))


def _code(url: str, username: str, purpose: str) -> str:
    return str([m for m in outbox(url, username) if m["purpose"] == purpose][-1]["code"])


def _access(idp: Any, username: str = "account-user", client_id: str = CLIENT) -> str:
    result = password_auth(idp, username, TEST_PASSWORD, client_id=client_id)
    return str(result["AuthenticationResult"]["AccessToken"])


def _attributes(idp: Any, access: str) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}


def _all_messages(url: str) -> list[Any]:
    return list(hook(url, "GET", "/_emulator/outbox")[1]["messages"])


# -- sign-up ------------------------------------------------------------------------------


def test_sign_up_with_a_taken_name_says_so_even_when_preventing_existence_errors(
        idp: Any) -> None:
    for client_id in (CLIENT, PREVENTING):
        assert refused(_sign_up, idp, "account-user", client_id) == (
            "UsernameExistsException", "User already exists")


def test_unknown_names_get_a_pretended_delivery_and_nothing_is_sent(idp: Any, url: str) -> None:
    before = len(_all_messages(url))
    for name, destination in (("nobody@example.net", "n***@e***"), ("nobody", None)):
        forgot = idp.forgot_password(ClientId=PREVENTING, Username=name)["CodeDeliveryDetails"]
        resent = idp.resend_confirmation_code(ClientId=PREVENTING,
                                              Username=name)["CodeDeliveryDetails"]
        assert forgot == resent
        assert forgot["DeliveryMedium"] == "EMAIL" and forgot["AttributeName"] == "email"
        assert forgot["Destination"].startswith("n***@") and forgot["Destination"].endswith("***")
        if destination:
            assert forgot["Destination"] == destination
    assert len(_all_messages(url)) == before
    assert refused(idp.confirm_sign_up, ClientId=PREVENTING, Username="nobody",
                   ConfirmationCode="123456")[0] == "CodeMismatchException"
    assert refused(idp.forgot_password, ClientId=CLIENT, Username="nobody")[0] == \
        "UserNotFoundException"


def test_resending_the_confirmation_code_is_limited(idp: Any, url: str) -> None:
    _sign_up(idp)
    for _ in range(5):
        idp.resend_confirmation_code(ClientId=CLIENT, Username="sam")
    assert refused(idp.resend_confirmation_code, ClientId=CLIENT, Username="sam") == (
        "LimitExceededException", "Attempt limit exceeded, please try after some time.")
    advance_clock(url, 3601)
    idp.resend_confirmation_code(ClientId=CLIENT, Username="sam")
    idp.confirm_sign_up(ClientId=CLIENT, Username="sam",
                        ConfirmationCode=_code(url, "sam", "SIGN_UP"))


def test_sign_in_right_after_sign_up_with_the_confirm_session(idp: Any, url: str) -> None:
    signed_up = _sign_up(idp)
    assert len(signed_up["Session"]) >= 20
    # SignUp's Session is for ConfirmSignUp, not for signing in.
    assert refused(idp.initiate_auth, AuthFlow="USER_AUTH", ClientId=CLIENT,
                   AuthParameters=auth_parameters("sam", CLIENT),
                   Session=signed_up["Session"]) == (
        "NotAuthorizedException", "Invalid session for the user.")
    confirmed = idp.confirm_sign_up(ClientId=CLIENT, Username="sam", Session=signed_up["Session"],
                                    ConfirmationCode=_code(url, "sam", "SIGN_UP"))
    session = confirmed["Session"]
    assert session != signed_up["Session"]
    # Another user's name with it: refused.
    assert refused(idp.initiate_auth, AuthFlow="USER_AUTH", ClientId=CLIENT,
                   AuthParameters=auth_parameters("account-user", CLIENT),
                   Session=session)[1] == "Invalid session for the user."
    signed_in = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=CLIENT,
                                  AuthParameters=auth_parameters("sam", CLIENT), Session=session)
    tokens = signed_in["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "sam"
    assert refused(idp.initiate_auth, AuthFlow="USER_AUTH", ClientId=CLIENT,
                   AuthParameters=auth_parameters("sam", CLIENT), Session=session) == (
        "NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def test_confirm_session_expires_and_without_sessions_none_is_returned(idp: Any,
                                                                        url: str) -> None:
    _sign_up(idp)
    confirmed = idp.confirm_sign_up(ClientId=CLIENT, Username="sam",
                                    ConfirmationCode=_code(url, "sam", "SIGN_UP"))
    assert "Session" not in confirmed  # no SignUp Session given: nothing to sign in with
    signed_up = _sign_up(idp, "tess")
    session = idp.confirm_sign_up(ClientId=CLIENT, Username="tess", Session=signed_up["Session"],
                                  ConfirmationCode=_code(url, "tess", "SIGN_UP"))["Session"]
    advance_clock(url, 3 * 60 + 1)  # the client's AuthSessionValidity (3 minutes)
    assert refused(idp.initiate_auth, AuthFlow="USER_AUTH", ClientId=CLIENT,
                   AuthParameters=auth_parameters("tess", CLIENT), Session=session)[1] == (
        "Invalid session for the user, session is expired.")
    # A client without ALLOW_USER_AUTH gets no Session at all.
    assert "Session" not in _sign_up(idp, "uma", PREVENTING)


def test_pre_sign_up_confirmed_user_signs_in_with_the_sign_up_session(idp: Any) -> None:
    signed_up = _sign_up(idp, ValidationData=[{"Name": "confirm", "Value": "yes"}])
    assert signed_up["UserConfirmed"] is True
    result = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=CLIENT,
                               AuthParameters=auth_parameters("sam", CLIENT),
                               Session=signed_up["Session"])
    assert "AccessToken" in result["AuthenticationResult"]


def test_confirm_sign_up_refuses_a_session_of_someone_else(idp: Any, url: str) -> None:
    first = _sign_up(idp)
    _sign_up(idp, "tess")
    assert refused(idp.confirm_sign_up, ClientId=CLIENT, Username="tess",
                   Session=first["Session"],
                   ConfirmationCode=_code(url, "tess", "SIGN_UP")) == (
        "NotAuthorizedException", "Invalid session for the user.")
    assert idp.admin_get_user(UserPoolId=POOL, Username="tess")["UserStatus"] == "UNCONFIRMED"


# -- the account area ---------------------------------------------------------------------


def test_change_password_with_a_wrong_current_password(idp: Any) -> None:
    assert refused(idp.change_password, AccessToken=_access(idp),
                   PreviousPassword="Wrong-Passw0rd!", ProposedPassword="Next-Passw0rd!") == (
        "NotAuthorizedException", "Incorrect username or password.")


def test_a_changed_verified_email_waits_for_its_verification(idp: Any, url: str) -> None:
    access = _access(idp)
    changed = idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"},
                                            {"Name": "name", "Value": "Ann Renamed"}])
    assert changed["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    attributes = _attributes(idp, access)
    assert attributes["email"] == "account@example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["name"] == "Ann Renamed"  # other attributes change at once
    # The old address is still the sign-in alias; the new one is not yet.
    assert "AuthenticationResult" in password_auth(idp, "account@example.com", TEST_PASSWORD,
                                                   client_id=CLIENT)
    assert refused(password_auth, idp, "new@example.com", TEST_PASSWORD,
                   client_id=CLIENT)[0] == "UserNotFoundException"
    (message,) = [m for m in outbox(url, "new@example.com") if m["purpose"] == "VERIFY_ATTRIBUTE"]
    assert refused(idp.verify_user_attribute, AccessToken=access, AttributeName="email",
                   Code="000000" if message["code"] != "000000" else "111111") == (
        "CodeMismatchException", "Invalid verification code provided, please try again.")
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=message["code"])
    attributes = _attributes(idp, access)
    assert attributes["email"] == "new@example.com" and attributes["email_verified"] == "true"
    assert "AuthenticationResult" in password_auth(idp, "new@example.com", TEST_PASSWORD,
                                                   client_id=CLIENT)


def test_verified_flags_are_not_the_users_to_write(idp: Any) -> None:
    assert refused(idp.update_user_attributes, AccessToken=_access(idp),
                   UserAttributes=[{"Name": "email_verified", "Value": "true"}]) == (
        "NotAuthorizedException", "A client attempted to write unauthorized attribute")


def test_verifying_an_address_another_user_holds_is_refused(idp: Any, url: str) -> None:
    access = _access(idp)
    idp.update_user_attributes(AccessToken=access,
                               UserAttributes=[{"Name": "email", "Value": "other@example.com"}])
    code = _code(url, "account-user", "VERIFY_ATTRIBUTE")
    assert refused(idp.verify_user_attribute, AccessToken=access, AttributeName="email",
                   Code=code) == (
        "AliasExistsException", "An account with the given email already exists.")
    assert _attributes(idp, access)["email"] == "account@example.com"


def test_without_the_setting_a_changed_email_is_unverified_at_once(idp: Any, url: str) -> None:
    access = _access(idp, "plain-account-user", PLAIN_CLIENT)
    changed = idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "fresh@example.com"}])
    assert changed["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    attributes = _attributes(idp, access)
    assert attributes["email"] == "fresh@example.com"
    assert attributes["email_verified"] == "false"
    advance_clock(url, 24 * 3600 + 1)
    assert refused(idp.verify_user_attribute, AccessToken=_access(idp, "plain-account-user",
                                                                  PLAIN_CLIENT),
                   AttributeName="email",
                   Code=_code(url, "plain-account-user", "VERIFY_ATTRIBUTE"))[0] == \
        "ExpiredCodeException"
    access = _access(idp, "plain-account-user", PLAIN_CLIENT)
    sent = idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert sent["CodeDeliveryDetails"] == {"Destination": "f***@e***", "DeliveryMedium": "EMAIL",
                                           "AttributeName": "email"}
    idp.verify_user_attribute(AccessToken=access, AttributeName="email",
                              Code=_code(url, "plain-account-user", "VERIFY_ATTRIBUTE"))
    assert _attributes(idp, access)["email_verified"] == "true"
    assert refused(idp.get_user_attribute_verification_code, AccessToken=access,
                   AttributeName="phone_number")[0] == "InvalidParameterException"


def test_too_many_wrong_verification_codes(idp: Any) -> None:
    access = _access(idp)
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    for _ in range(5):
        assert refused(idp.verify_user_attribute, AccessToken=access, AttributeName="email",
                       Code="not-it")[0] == "CodeMismatchException"
    assert refused(idp.verify_user_attribute, AccessToken=access, AttributeName="email",
                   Code="not-it")[0] == "LimitExceededException"


def test_delete_user_removes_the_account_and_its_tokens(idp: Any) -> None:
    access = _access(idp)
    idp.delete_user(AccessToken=access)
    assert refused(idp.admin_get_user, UserPoolId=POOL, Username="account-user")[0] == \
        "UserNotFoundException"
    assert refused(idp.get_user, AccessToken=access)[0] == "NotAuthorizedException"
    assert refused(password_auth, idp, "account-user", TEST_PASSWORD,
                   client_id=CLIENT)[0] == "UserNotFoundException"
