"""Cognito's errors, translated in one place: by code, by message only where Cognito leaves no
other way, and never carrying Cognito's own text."""

from __future__ import annotations

import pytest

from gateway.cognito.errors import translate

RESPOND = "respond_to_auth_challenge"

CASES = [
    ("NotAuthorizedException", "Incorrect username or password.", "invalid_credentials"),
    ("UserNotFoundException", "User does not exist.", "invalid_credentials"),
    ("UserNotConfirmedException", "User is not confirmed.", "invalid_credentials"),
    ("NotAuthorizedException", "Password attempts exceeded", "too_many_attempts"),
    ("NotAuthorizedException", "User is disabled.", "account_disabled"),
    ("NotAuthorizedException", "Invalid session for the user, session is expired.",
     "flow_expired"),
    ("NotAuthorizedException", "Invalid session for the user, session can only be used once.",
     "flow_expired"),
    ("NotAuthorizedException", "Temporary password has expired and must be reset by an "
     "administrator.", "temporary_password_expired"),
    ("NotAuthorizedException", "Unable to verify secret hash for client abc",
     "temporarily_unavailable"),
    ("NotAuthorizedException", "Access Token has been revoked", "not_signed_in"),
    ("NotAuthorizedException", "Unable to login because of security reasons.",
     "invalid_credentials"),
    ("CodeMismatchException", "Invalid code or auth state for the user.", "invalid_code"),
    ("EnableSoftwareTokenMFAException", "Code mismatch", "invalid_code"),
    ("ExpiredCodeException", "Invalid code provided, please request a code again.",
     "code_expired"),
    ("ExpiredCodeException", "Your software token has already been used once.",
     "code_already_used"),
    ("PasswordResetRequiredException", "Password reset required for the user",
     "password_reset_required"),
    ("TooManyRequestsException", "Rate exceeded", "service_busy"),
    ("LimitExceededException", "Attempt limit exceeded, please try after some time.",
     "rate_limited"),
    ("MFAMethodNotFoundException", "", "mfa_unavailable"),
    ("InvalidParameterException", "1 validation error detected", "invalid_request"),
    ("InternalErrorException", "", "upstream_unavailable"),
    ("ResourceNotFoundException", "User pool client abc does not exist.",
     "temporarily_unavailable"),
    ("SomethingNewException", "", "upstream_unavailable"),
]


@pytest.mark.parametrize(("code", "message", "expected"), CASES)
def test_translation(code: str, message: str, expected: str) -> None:
    error = translate(RESPOND, code, message, 400)
    assert error.code == expected
    # Cognito's words never travel on: they can tell a stranger whether an account exists.
    assert error.detail is None
    assert not message or message not in str(vars(error))


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("Password did not conform with policy: Password must have symbol characters", "symbol"),
        ("Password did not conform with policy: Password not long enough", "length"),
        ("Password did not conform with policy: something unforeseen", None),
    ],
)
def test_a_refused_password_names_only_the_rule(message: str, rule: str | None) -> None:
    error = translate(RESPOND, "InvalidPasswordException", message, 400)
    assert (error.code, error.field, error.detail) == ("invalid_password", "new_password", rule)


def test_restart_and_retry_hints() -> None:
    assert translate(RESPOND, "NotAuthorizedException", "Invalid session for the user.",
                     400).restart
    assert not translate(RESPOND, "CodeMismatchException", "", 400).restart
    assert translate(RESPOND, "CodeMismatchException", "", 400).field == "code"
    assert translate(RESPOND, "TooManyRequestsException", "", 400).retry_after is not None


@pytest.mark.parametrize("operation", ["initiate_auth", "respond_to_auth_challenge"])
def test_a_refused_sign_in_is_wrong_credentials(operation: str) -> None:
    assert translate(operation, "UserNotFoundException", "User does not exist.", 400).code == (
        "invalid_credentials")


@pytest.mark.parametrize("operation", ["revoke_token", "global_sign_out", "get_user"])
@pytest.mark.parametrize("code", ["NotAuthorizedException", "UserNotFoundException"])
def test_a_refused_token_means_signed_out_not_wrong_credentials(operation: str, code: str) -> None:
    # The same code means "that token is over" for a token operation: nobody typed anything.
    error = translate(operation, code, "User does not exist.", 400)
    assert error.code == "not_signed_in"


@pytest.mark.parametrize(("code", "message", "expected", "field"), [
    ("NotAuthorizedException", "Incorrect username or password.", "incorrect_password",
     "current_password"),
    ("NotAuthorizedException", "Access Token has been revoked", "not_signed_in", None),
    ("NotAuthorizedException", "User is disabled.", "not_signed_in", None),
    ("UserNotFoundException", "User does not exist.", "not_signed_in", None),
    ("NotAuthorizedException", "Password attempts exceeded", "rate_limited", None),
    ("LimitExceededException", "Attempt limit exceeded, please try after some time.",
     "rate_limited", None),
    ("InvalidPasswordException", "Password did not conform with policy: Password not long "
     "enough", "invalid_password", "new_password"),
])
def test_change_password_refusals(code: str, message: str, expected: str,
                                  field: str | None) -> None:
    """ChangePassword: a wrong previous password is what was typed (400 on its field), not a
    failed sign-in; a refused token is the session's end."""
    error = translate("change_password", code, message, 400)
    assert (error.code, error.field) == (expected, field)
