"""Cognito's errors, read in one place: by operation and code, by message only where Cognito
leaves no other way. Cognito's own text never reaches a person (it may reveal whether a
username exists); only the gateway error it becomes does."""

from __future__ import annotations

from gateway import errors

_MISCONFIGURED = frozenset({
    "ResourceNotFoundException",
    "InvalidUserPoolConfigurationException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "InvalidEmailRoleAccessPolicyException",
    "UnsupportedOperationException",
    "UnexpectedLambdaException",
    "UserLambdaValidationException",
    "InvalidLambdaResponseException",
    "OperationNotEnabledException",
    "FeatureUnavailableInTierException",
    "UnauthorizedException",
})

# Operations whose caller holds a token rather than a password: a refusal means the
# session is over, not that somebody typed something wrong.
TOKEN_OPERATIONS = frozenset({
    "revoke_token", "global_sign_out", "get_user", "start_web_authn_registration",
    "complete_web_authn_registration", "list_web_authn_credentials",
    "delete_web_authn_credential", "list_devices", "forget_device", "set_user_mfa_preference",
    "update_user_attributes", "verify_user_attribute", "get_user_attribute_verification_code",
    "delete_user",
})
# Passkey registration refused: by the passkey (the person may try another), or by a pool that
# is not set up for this site (the deployment's to fix).
_PASSKEY_REFUSED = frozenset({"WebAuthnChallengeNotFoundException",
                              "WebAuthnCredentialNotSupportedException"})
_PASSKEY_MISCONFIGURED = frozenset({
    "WebAuthnNotEnabledException", "WebAuthnConfigurationMissingException",
    "WebAuthnRelyingPartyMismatchException", "WebAuthnOriginNotAllowedException",
    "WebAuthnClientMismatchException",
})
# A token refresh (REFRESH_TOKEN_AUTH is an InitiateAuth, named apart here): a refusal ends the
# session rather than reporting a wrong password.
REFRESH_OPERATIONS = frozenset({"refresh_token_auth", "get_tokens_from_refresh_token"})

# Cognito's InvalidPasswordException sentences (English only) -> the rule they name.
_BROKEN_RULES = {
    "Password not long enough": "length",
    "Password must have uppercase characters": "upper",
    "Password must have lowercase characters": "lower",
    "Password must have numeric characters": "number",
    "Password must have symbol characters": "symbol",
}


def translate(operation: str, code: str, message: str, status: int) -> errors.GatewayError:
    """Map a Cognito error of ``operation`` (the botocore method name, e.g. ``initiate_auth``)
    to the gateway error a person sees."""
    reason = f"Cognito {operation} {code}"
    if operation == "change_password":
        refused = _change_refused(code, message, reason)
        if refused is not None:
            return refused
    if (operation == "update_user_attributes" and code == "NotAuthorizedException"
            and "attribute" in message.lower()):
        # "A client attempted to write unauthorized attribute": the app client's write
        # attributes leave out one of GATEWAY_EDITABLE_ATTRIBUTES.
        return errors.Misconfigured(f"{reason}: check GATEWAY_EDITABLE_ATTRIBUTES")
    if operation in TOKEN_OPERATIONS and code in {"NotAuthorizedException",
                                                  "UserNotFoundException"}:
        return errors.NotSignedIn(f"{reason}: token refused")
    if operation in REFRESH_OPERATIONS and code in {"NotAuthorizedException",
                                                    "UserNotFoundException"}:
        if "secret" in message.lower():
            # Our configuration, not the person's session: keep the session, say it loudly.
            return errors.Misconfigured(f"{reason}: client secret refused")
        # Expired, revoked, rotated away, the person disabled or signed out everywhere.
        return errors.SessionExpired(f"{reason}: refresh token refused")
    if operation in REFRESH_OPERATIONS and code == "RefreshTokenReuseException":
        # Rotated away and past its grace period: the session's token was spent elsewhere.
        return errors.SessionExpired(f"{reason}: refresh token already rotated")
    if operation in REFRESH_OPERATIONS and code == "InvalidParameterException":
        # A rotating client asked with REFRESH_TOKEN_AUTH (or the reverse): our configuration.
        return errors.Misconfigured(f"{reason}: check GATEWAY_REFRESH_TOKEN_ROTATION")
    if operation == "forget_device" and code in {"ResourceNotFoundException",
                                                 "InvalidParameterException"}:
        return errors.NotFound(f"{reason}: no such device of this person")
    if operation == "set_user_mfa_preference" and code == "InvalidParameterException":
        # The method cannot be turned on for this person (no verified authenticator, no phone
        # number, a method the pool does not offer).
        return errors.InvalidRequest(reason, field="method")
    if code in _PASSKEY_REFUSED:
        return errors.PasskeyRefused(reason, field="credential")
    if code in _PASSKEY_MISCONFIGURED:
        return errors.Misconfigured(f"{reason}: check the pool's WebAuthnConfiguration and "
                                    "GATEWAY_PUBLIC_ORIGIN")
    match code:
        case "NotAuthorizedException":
            return _not_authorized(message, reason)
        case "UserNotFoundException" | "UserNotConfirmedException":
            # Same answer as a wrong password: anything else tells a stranger who has an account.
            return errors.InvalidCredentials(reason)
        # Every one-time code arrives in the form field "code"; naming it lets an SPA put the
        # message next to the field, as the pages do.
        case "CodeMismatchException" | "EnableSoftwareTokenMFAException":
            return errors.InvalidCode(reason, field="code")
        case "ExpiredCodeException":
            if "used once" in message:
                return errors.CodeAlreadyUsed(reason, field="code")
            return errors.CodeExpired(reason, field="code")
        case "InvalidPasswordException":
            # "Password did not conform with policy: Password must have symbol characters":
            # only which rule broke is kept; the person reads it from our catalog.
            _, _, broken = message.partition(": ")
            rule = _BROKEN_RULES.get(broken.strip())
            return errors.InvalidPassword(reason, field="new_password", detail=rule)
        case "PasswordHistoryPolicyViolationException":
            return errors.InvalidPassword(reason, field="new_password")
        case "PasswordResetRequiredException":
            return errors.PasswordResetRequired(reason)
        case "TooManyFailedAttemptsException":
            return errors.TooManyAttempts(reason)
        case "LimitExceededException":
            return errors.RateLimited(reason, retry_after=60)
        case "TooManyRequestsException" | "ConcurrentModificationException":
            return errors.ServiceBusy(reason, retry_after=2)
        case "MFAMethodNotFoundException" | "SoftwareTokenMFANotFoundException":
            return errors.MfaUnavailable(reason)
        case "UsernameExistsException":
            return errors.UsernameExists(reason)
        case "InvalidParameterException" | "AliasExistsException":
            return errors.InvalidRequest(reason)
        case "InternalErrorException" | "CodeDeliveryFailureException" | "ForbiddenException":
            return errors.UpstreamUnavailable(reason)
        case _ if code in _MISCONFIGURED:
            return errors.Misconfigured(reason)
        case _:
            return errors.UpstreamUnavailable(f"{reason} (HTTP {status})")


def _change_refused(code: str, message: str, reason: str) -> errors.GatewayError | None:
    """ChangePassword's refusals of the caller rather than of a password: NotAuthorized is a
    wrong previous password unless it is about the token (or a disabled account: the session
    is over either way)."""
    text = message.lower()
    if code == "UserNotFoundException" or (
            code == "NotAuthorizedException" and ("token" in text or "disabled" in text)):
        return errors.NotSignedIn(f"{reason}: token refused")
    if code == "NotAuthorizedException":
        if "attempts exceeded" in text:
            return errors.RateLimited(f"{reason}: password attempts exceeded", retry_after=60)
        return errors.IncorrectPassword(reason, field="current_password")
    return None


def _not_authorized(message: str, reason: str) -> errors.GatewayError:
    text = message.lower()
    if "invalid session" in text:
        return errors.FlowExpired(f"{reason}: session refused")
    if "password attempts exceeded" in text:
        return errors.TooManyAttempts(f"{reason}: password attempts exceeded")
    if "user is disabled" in text:
        return errors.AccountDisabled(reason)
    if "temporary password has expired" in text:
        return errors.TemporaryPasswordExpired(reason)
    if "secret" in text:
        # "Unable to verify secret hash", "SECRET_HASH was not received", ...: our bug or a
        # wrong client secret. Loud in the logs, "temporarily unavailable" for the person.
        return errors.Misconfigured(f"{reason}: secret hash refused; check GATEWAY_CLIENT_SECRET")
    if "token" in text:
        return errors.NotSignedIn(f"{reason}: token refused")
    return errors.InvalidCredentials(reason)
