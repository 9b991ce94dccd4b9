"""The one error family of the gateway.

Every failure a person or an SPA can see is a :class:`GatewayError` with a stable ``code`` (the
JSON API's contract and the translation key of its message), an HTTP status, and flags that
tell the renderers what to do (start the sign-in over, mark a form field, send Retry-After).
Cognito's own messages never travel in here: they may reveal whether a username exists.
"""

from __future__ import annotations

from typing import ClassVar


class GatewayError(Exception):
    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    # The sign-in cannot continue from where it is; the person starts again at the login form.
    restart: ClassVar[bool] = False

    def __init__(
        self,
        reason: str = "",
        *,
        field: str | None = None,
        detail: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        # ``reason`` is for operators' logs only and must never carry a secret.
        super().__init__(reason or self.code)
        self.field = field
        # A machine-readable refinement the renderers turn into a sentence (for
        # invalid_password: which rule broke, e.g. "symbol"). Never Cognito's own text.
        self.detail = detail
        self.retry_after = retry_after


# Requests the gateway refuses before doing anything.
class InvalidRequest(GatewayError):
    code, status = "invalid_request", 400


class CsrfFailed(GatewayError):
    code, status = "csrf_failed", 403


class UnsupportedMediaType(GatewayError):
    code, status = "unsupported_media_type", 415


class PayloadTooLarge(GatewayError):
    code, status = "payload_too_large", 413


class NotFound(GatewayError):
    code, status = "not_found", 404


class MethodNotAllowed(GatewayError):
    code, status = "method_not_allowed", 405


class NotSignedIn(GatewayError):
    code, status = "not_signed_in", 401


class RateLimited(GatewayError):
    code, status = "rate_limited", 429


# Answers that were wrong; the person may try again.
class InvalidCredentials(GatewayError):
    code, status = "invalid_credentials", 401


class InvalidCode(GatewayError):
    code, status = "invalid_code", 400


class CodeExpired(GatewayError):
    # A sign-in cannot ask Cognito for a new MFA code; only a new InitiateAuth sends one.
    code, status, restart = "code_expired", 400, True


class CodeAlreadyUsed(GatewayError):
    code, status = "code_already_used", 400


class InvalidPassword(GatewayError):
    code, status = "invalid_password", 400


# The flow itself is over or out of step.
class FlowExpired(GatewayError):
    code, status, restart = "flow_expired", 410, True


class TooManyAttempts(GatewayError):
    code, status, restart = "too_many_attempts", 429, True


class ChallengeMismatch(GatewayError):
    code, status = "challenge_mismatch", 409


class StepInProgress(GatewayError):
    code, status = "step_in_progress", 409


# The account cannot sign in here.
class AccountDisabled(GatewayError):
    code, status, restart = "account_disabled", 403, True


class PasswordResetRequired(GatewayError):
    code, status, restart = "password_reset_required", 403, True


class TemporaryPasswordExpired(GatewayError):
    code, status, restart = "temporary_password_expired", 403, True


class MfaUnavailable(GatewayError):
    code, status, restart = "mfa_unavailable", 400, True


class UnsupportedChallenge(GatewayError):
    code, status, restart = "unsupported_challenge", 501, True


# Something behind the gateway is not working.
class ServiceBusy(GatewayError):
    code, status = "service_busy", 503


class SignInRateReached(ServiceBusy):
    # The gateway-wide cap on sign-in starts (it guards the account-wide Cognito quota) is an
    # abuse limit like the per-IP and per-user ones, so 429; the words stay "busy": the person
    # who meets it did nothing wrong.
    status = 429


class UpstreamUnavailable(GatewayError):
    code, status = "upstream_unavailable", 502


class UpstreamTimeout(GatewayError):
    code, status = "upstream_timeout", 504


class Misconfigured(GatewayError):
    code, status = "temporarily_unavailable", 503


class StoreUnavailable(GatewayError):
    code, status = "store_unavailable", 503
