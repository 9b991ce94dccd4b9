"""The one exception family the emulator raises, rendered as AWS JSON 1.1 errors.

``code`` becomes ``__type`` (botocore reads the error code from it) and ``message`` the text.
Message strings are the ones real Cognito has been observed to send (cognito-protocol.md 6.2), so
that a client which has to branch on a message can be tested against the emulator.
"""

from __future__ import annotations


class CognitoError(Exception):
    """A modelled Cognito error. Everything but InternalErrorException is a client error (400)."""

    code = "InternalErrorException"
    status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


def error_class(code: str) -> type[CognitoError]:
    """A CognitoError subclass for any code, used for injected faults."""
    known = _BY_CODE.get(code)
    if known is not None:
        return known
    status = 500 if code == InternalError.code else 400
    return type(code, (CognitoError,), {"code": code, "status": status})


class InternalError(CognitoError):
    code = "InternalErrorException"
    status = 500


class SerializationError(CognitoError):
    code = "SerializationException"


class UnknownOperation(CognitoError):
    code = "UnknownOperationException"


class UnsupportedOperation(CognitoError):
    code = "UnsupportedOperationException"


class InvalidParameter(CognitoError):
    code = "InvalidParameterException"


class InvalidPassword(CognitoError):
    code = "InvalidPasswordException"


class NotAuthorized(CognitoError):
    code = "NotAuthorizedException"


class Unauthorized(CognitoError):
    code = "UnauthorizedException"


class UnsupportedTokenType(CognitoError):
    code = "UnsupportedTokenTypeException"


class ResourceNotFound(CognitoError):
    code = "ResourceNotFoundException"


class UserNotFound(CognitoError):
    code = "UserNotFoundException"


class UserNotConfirmed(CognitoError):
    code = "UserNotConfirmedException"


class PasswordResetRequired(CognitoError):
    code = "PasswordResetRequiredException"


class UsernameExists(CognitoError):
    code = "UsernameExistsException"


class AliasExists(CognitoError):
    code = "AliasExistsException"


class CodeMismatch(CognitoError):
    code = "CodeMismatchException"


class ExpiredCode(CognitoError):
    code = "ExpiredCodeException"


class TooManyFailedAttempts(CognitoError):
    code = "TooManyFailedAttemptsException"


class EnableSoftwareTokenMFA(CognitoError):
    code = "EnableSoftwareTokenMFAException"


class SoftwareTokenMFANotFound(CognitoError):
    code = "SoftwareTokenMFANotFoundException"


class MFAMethodNotFound(CognitoError):
    code = "MFAMethodNotFoundException"


class DeviceKeyExists(CognitoError):
    code = "DeviceKeyExistsException"


class GroupExists(CognitoError):
    code = "GroupExistsException"


class RefreshTokenReuse(CognitoError):
    code = "RefreshTokenReuseException"


class FeatureUnavailableInTier(CognitoError):
    code = "FeatureUnavailableInTierException"


class LimitExceeded(CognitoError):
    code = "LimitExceededException"


class WebAuthnNotEnabled(CognitoError):
    code = "WebAuthnNotEnabledException"


class WebAuthnConfigurationMissing(CognitoError):
    code = "WebAuthnConfigurationMissingException"


class WebAuthnChallengeNotFound(CognitoError):
    code = "WebAuthnChallengeNotFoundException"


class WebAuthnRelyingPartyMismatch(CognitoError):
    code = "WebAuthnRelyingPartyMismatchException"


class WebAuthnOriginNotAllowed(CognitoError):
    code = "WebAuthnOriginNotAllowedException"


class WebAuthnClientMismatch(CognitoError):
    code = "WebAuthnClientMismatchException"


class WebAuthnCredentialNotSupported(CognitoError):
    code = "WebAuthnCredentialNotSupportedException"


_BY_CODE: dict[str, type[CognitoError]] = {
    cls.code: cls
    for cls in (
        InternalError, SerializationError, UnknownOperation, UnsupportedOperation, InvalidParameter,
        InvalidPassword, NotAuthorized, Unauthorized, UnsupportedTokenType, ResourceNotFound,
        UserNotFound, UserNotConfirmed, PasswordResetRequired, UsernameExists, AliasExists,
        CodeMismatch, ExpiredCode, TooManyFailedAttempts, EnableSoftwareTokenMFA,
        SoftwareTokenMFANotFound, MFAMethodNotFound, DeviceKeyExists, GroupExists,
        RefreshTokenReuse, FeatureUnavailableInTier, LimitExceeded, WebAuthnNotEnabled,
        WebAuthnConfigurationMissing, WebAuthnChallengeNotFound, WebAuthnRelyingPartyMismatch,
        WebAuthnOriginNotAllowed, WebAuthnClientMismatch, WebAuthnCredentialNotSupported,
    )
}


# Messages observed from real Cognito (cognito-protocol.md 6.2). Kept in one place because
# clients branch on some of them.
INCORRECT_CREDENTIALS = "Incorrect username or password."
USER_DISABLED = "User is disabled."
USER_NOT_CONFIRMED = "User is not confirmed."
USER_DOES_NOT_EXIST = "User does not exist."
USER_CLIENT_NOT_FOUND = "Username/client id combination not found."
SESSION_EXPIRED = "Invalid session for the user, session is expired."
SESSION_USED = "Invalid session for the user, session can only be used once."
SESSION_INVALID = "Invalid session for the user."
TEMPORARY_PASSWORD_EXPIRED = (
    "Temporary password has expired and must be reset by an administrator."
)
PASSWORD_RESET_REQUIRED = "Password reset required for the user"
MFA_CODE_MISMATCH = "Invalid code or auth state for the user."
VERIFICATION_CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
ATTEMPT_LIMIT = "Attempt limit exceeded, please try after some time."
UNAUTHORIZED_ATTRIBUTE = "A client attempted to write unauthorized attribute"
TOTP_REPLAYED = "Your software token has already been used once."
TOTP_ENROLMENT_MISMATCH = "Code mismatch and fail enable Software Token MFA"
ACCESS_TOKEN_EXPIRED = "Access Token has expired"
ACCESS_TOKEN_REVOKED = "Access Token has been revoked"
ACCESS_TOKEN_INVALID = "Invalid Access Token"
REFRESH_TOKEN_INVALID = "Invalid Refresh Token"
REFRESH_TOKEN_REVOKED = "Refresh Token has been revoked"
REFRESH_TOKEN_EXPIRED = "Refresh Token has expired"
# Refresh-token rotation (GetTokensFromRefreshToken). Cognito documents the exception, not its
# text, nor the error REFRESH_TOKEN_AUTH gets on a rotating client: both are the emulator's
# wording (docs/emulator.md, "Known differences").
REFRESH_TOKEN_REUSED = "Refresh token has been rotated out and its grace period is over."
ROTATION_NEEDS_GET_TOKENS = (
    "REFRESH_TOKEN_AUTH is not supported for an app client with refresh token rotation "
    "enabled. Use GetTokensFromRefreshToken."
)
TOKEN_VALIDITY_RANGE = "Invalid range for token validity."
GROUP_NOT_FOUND = "Group not found."
CUSTOM_AUTH_NOT_CONFIGURED = "Custom auth lambda trigger is not configured for the user pool."
# Real Cognito's text for an adaptive-authentication block is not documented; this is the
# emulator's choice (docs/emulator.md, "Known differences").
BLOCKED_BY_RISK = "Unable to login because of security reasons."
# Choice-based sign-in and passkeys: Cognito's texts are undocumented; the emulator's wording
# (docs/emulator.md, "Known differences").
USER_AUTH_NEEDS_TIER = (
    "USER_AUTH is not available in the LITE feature plan. Upgrade the user pool to ESSENTIALS "
    "or PLUS."
)
FACTORS_NEED_TIER = (
    "Sign-in factors other than PASSWORD are not available in the LITE feature plan."
)
NO_FIRST_FACTOR = "No authentication factor is available for the user."
CHALLENGE_NOT_AVAILABLE = "The selected challenge is not available for the user."
WEB_AUTHN_NOT_ENABLED = "WebAuthn is not enabled for the user pool."
WEB_AUTHN_CONFIGURATION_MISSING = (
    "The user pool has no WebAuthnConfiguration with a RelyingPartyId."
)
WEB_AUTHN_CHALLENGE_NOT_FOUND = "WebAuthn challenge not found or expired."


def secret_hash_missing(client_id: str) -> str:
    return f"Client {client_id} is configured with secret but SECRET_HASH was not received"


def secret_hash_mismatch(client_id: str) -> str:
    return f"Unable to verify secret hash for client {client_id}"


def missing_parameter(name: str) -> str:
    return f"Missing required parameter {name}"


def required_parameter(parameters: dict[str, str], name: str) -> str:
    """A key of AuthParameters / ChallengeResponses that this step cannot do without."""
    value = parameters.get(name)
    if not value:
        raise InvalidParameter(missing_parameter(name))
    return value
