"""MFA decisions and TOTP (RFC 6238: SHA-1, six digits, 30-second steps)."""

from __future__ import annotations

import hmac

import pyotp

from cognito_emulator.errors import TOTP_REPLAYED, ExpiredCode
from cognito_emulator.models import (
    EMAIL_OTP,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    MfaSettings,
    Pool,
    User,
)

TOTP_STEP_SECONDS = 30
# One step either side of now, so a code typed as it rolls over (or on a slightly wrong phone
# clock) still counts, as RFC 6238 section 5.2 recommends and Cognito accepts.
TOTP_DRIFT_STEPS = 1


def totp_step(now: float) -> int:
    return int(now) // TOTP_STEP_SECONDS


def totp_code(secret: str, now: float) -> str:
    return pyotp.TOTP(secret).at(int(now))


def matching_totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code is ``code``, within the allowed drift, or None."""
    totp = pyotp.TOTP(secret)
    for drift in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1):
        step = totp_step(now) + drift
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def remember_totp_step(mfa: MfaSettings, step: int) -> None:
    """Refuse a code from a step at or before the last accepted one (no replay)."""
    if mfa.last_totp_step is not None and step <= mfa.last_totp_step:
        raise ExpiredCode(TOTP_REPLAYED)
    mfa.last_totp_step = step


def usable_methods(pool: Pool, user: User) -> list[str]:
    """The user's enabled MFA methods that the pool offers and that can reach the user."""
    reachable = {
        SMS_MFA: "phone_number" in user.attributes,
        SOFTWARE_TOKEN_MFA: user.mfa.totp_secret is not None,
        EMAIL_OTP: "email" in user.attributes,
    }
    offered = pool.factors()
    return [m for m in user.mfa.enabled_methods() if m in offered and reachable[m]]


def fallback_method(pool: Pool, user: User) -> str | None:
    """For a risk-based MFA demand on a user without MFA: a verified channel the pool has."""
    if pool.email_mfa_enabled and user.verified("email"):
        return EMAIL_OTP
    if pool.sms_mfa_enabled and user.verified("phone_number"):
        return SMS_MFA
    return None


def set_preference(mfa: MfaSettings, method: str, enabled: bool | None,
                   preferred: bool | None) -> None:
    """Apply one ``*MfaSettings`` member of (Admin)SetUserMFAPreference."""
    attribute = {SMS_MFA: "sms_enabled", SOFTWARE_TOKEN_MFA: "totp_enabled",
                 EMAIL_OTP: "email_enabled"}[method]
    if enabled is not None:
        setattr(mfa, attribute, enabled)
        if not enabled and mfa.preferred == method:
            mfa.preferred = None
    if preferred:
        # Only one method can be preferred; preferring one enables it.
        setattr(mfa, attribute, True)
        mfa.preferred = method
    elif preferred is False and mfa.preferred == method:
        mfa.preferred = None


def enable(mfa: MfaSettings, method: str) -> None:
    """Turn a method on after setting it up during sign-in; it becomes preferred unless the
    user already prefers another."""
    set_preference(mfa, method, True, True if mfa.preferred is None else None)
