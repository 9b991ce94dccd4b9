"""The one error family of the gateway.

Every failure a person or an SPA can see is a :class:`GatewayError` with a stable ``code`` (the
JSON API's contract and the translation key of its message), an HTTP status, and flags that
tell the renderers what to do (start the sign-in over, mark a form field, send Retry-After).
Cognito's own messages never travel in here: they may reveal whether a username exists.

Code decides with ``isinstance`` on the intermediate classes, never on ``code`` strings:

* :class:`Refused` — the request was turned away before anything happened;
* :class:`WrongAnswer` — what the person typed was wrong; they may try again
  (:class:`WrongCode` counts against the flow's code attempts);
* :class:`Restart` — the sign-in cannot go on from here; back to the login form;
* :class:`OutOfStep` — the request raced another or answered a step that is not current;
* :class:`Outage` — something behind the gateway failed (5xx; never the person's fault),
  with :class:`UpstreamProtocolError` for a Cognito reply the gateway cannot use.
"""

from __future__ import annotations

from typing import ClassVar


class GatewayError(Exception):
    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    # The sign-in cannot continue from where it is; the person starts again at the login form.
    restart: ClassVar[bool] = False
    # The answer ends the connection (``Connection: close``): the request was not read whole.
    closes_connection: ClassVar[bool] = False

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
        # Where the flow stands after this refusal, set by the sign-in runner when the person
        # stays on the same step: a face shows that step again without reading the flow back.
        self.step: object | None = None


class Refused(GatewayError):
    """Refused before doing anything: nothing was sent to Cognito."""


class WrongAnswer(GatewayError):
    """An answer Cognito (or the gateway) found wrong; the same step may be tried again."""


class WrongCode(WrongAnswer):
    """A wrong one-time code: counted against the flow's code attempts."""


class Restart(GatewayError):
    """The sign-in cannot continue from where it is; the person starts again at the login form."""

    restart = True


class OutOfStep(GatewayError):
    """The request does not fit the flow's current state (another tab, a double submit)."""


class Outage(GatewayError):
    """Something behind the gateway is not working: not about what the person typed."""


# Requests the gateway refuses before doing anything.
class InvalidRequest(Refused):
    code, status = "invalid_request", 400


class CsrfFailed(Refused):
    code, status = "csrf_failed", 403


class UnsupportedMediaType(Refused):
    code, status = "unsupported_media_type", 415


class PayloadTooLarge(Refused):
    code, status = "payload_too_large", 413


class RequestTimeout(Refused):
    """The body did not arrive in time. The answer says ``Connection: close`` (RFC 9110,
    15.5.9): a request half read cannot be followed by another on the same connection."""

    code, status = "request_timeout", 408
    closes_connection = True


class NotFound(Refused):
    code, status = "not_found", 404


class MethodNotAllowed(Refused):
    code, status = "method_not_allowed", 405


class NotSignedIn(Refused):
    code, status = "not_signed_in", 401


class Forbidden(Refused):
    """Signed in, but not allowed here: a relayed route open to some groups only."""

    code, status = "forbidden", 403


class UsernameExists(Refused):
    """SignUp for a name already taken. Never answered as such: the sign-up answers it like a
    new name (gateway.signin.accounts), so nobody learns who has an account."""

    code, status = "username_exists", 400


class RateLimited(Refused):
    code, status = "rate_limited", 429


class SignInRateReached(Refused):
    # The gateway-wide cap on sign-in starts (it guards the account-wide Cognito quota) is an
    # abuse limit like the per-IP and per-user ones, so 429; the words stay "busy": the person
    # who meets it did nothing wrong.
    code, status = "service_busy", 429


# Answers that were wrong; the person may try again.
class InvalidCredentials(WrongAnswer):
    code, status = "invalid_credentials", 401


class InvalidCode(WrongCode):
    code, status = "invalid_code", 400


class CodeAlreadyUsed(WrongCode):
    code, status = "code_already_used", 400


class InvalidPassword(WrongAnswer):
    code, status = "invalid_password", 400


class IncorrectPassword(WrongAnswer):
    """The current password, typed to change it, is not the person's password. A 400, not
    ``invalid_credentials``' 401: the person is signed in, only what they typed is wrong."""

    code, status = "incorrect_password", 400


class PasskeyRefused(WrongAnswer):
    """Cognito refused a passkey being registered: its challenge ran out, or the authenticator
    is not one the pool accepts. Another try (or another authenticator) may work."""

    code, status = "passkey_refused", 400


class ReauthenticationRequired(Refused):
    """A sensitive change (adding a passkey, changing the password) wants a sign-in from the
    last few minutes."""

    code, status = "reauthentication_required", 401


class AnswerNotAccepted(WrongAnswer):
    """A custom challenge asked again: its triggers did not accept the answer. Not an error
    answer (the next round is a step like any other, 200); the pages show it as one."""

    code, status = "answer_not_accepted", 400


# The flow itself is over, or out of step.
class CodeExpired(Restart):
    # A sign-in cannot ask Cognito for a new MFA code; only a new InitiateAuth sends one.
    code, status = "code_expired", 400


class FlowExpired(Restart):
    code, status = "flow_expired", 410


class SessionExpired(Restart):
    """The session ended behind the browser's back: Cognito refused its refresh token (revoked,
    expired, the person disabled or signed out everywhere). Sign in again."""

    code, status = "session_expired", 401


class TooManyAttempts(Restart):
    code, status = "too_many_attempts", 429


class ChallengeMismatch(OutOfStep):
    code, status = "challenge_mismatch", 409


class StepInProgress(OutOfStep):
    code, status = "step_in_progress", 409


# The account cannot sign in here.
class AccountDisabled(Restart):
    code, status = "account_disabled", 403


class PasswordResetRequired(Restart):
    code, status = "password_reset_required", 403


class TemporaryPasswordExpired(Restart):
    code, status = "temporary_password_expired", 403


class ChallengeFailed(Restart):
    """The pool's custom-auth triggers ended the sign-in (DefineAuthChallenge said
    failAuthentication): too many wrong answers, or an answer that ends it at once."""

    code, status = "sign_in_failed", 401


class MfaUnavailable(Restart):
    code, status = "mfa_unavailable", 400


class UnsupportedChallenge(Restart):
    code, status = "unsupported_challenge", 501


# Something behind the gateway is not working.
class ServiceBusy(Outage):
    code, status = "service_busy", 503


class UpstreamUnavailable(Outage):
    code, status = "upstream_unavailable", 502


class UpstreamProtocolError(UpstreamUnavailable):
    """Cognito answered with something the protocol does not allow (an unknown challenge, an
    SRP parameter that does not parse, a challenge without its Session): 502, logged with what
    was wrong, never a 500."""


class UpstreamTimeout(Outage):
    code, status = "upstream_timeout", 504


class Misconfigured(Outage):
    code, status = "temporarily_unavailable", 503


class StoreUnavailable(Outage):
    code, status = "store_unavailable", 503


_BY_HTTP_STATUS: dict[int, type[GatewayError]] = {
    400: InvalidRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def for_http_status(status: int) -> GatewayError:
    """The gateway error for an HTTP error aiohttp raised itself (no route, body too large)."""
    return _BY_HTTP_STATUS.get(status, InvalidRequest)(f"HTTP {status}")
