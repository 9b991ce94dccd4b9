"""Passwords: the pool's policy, and SRP verifiers instead of stored passwords.

The emulator keeps, like Cognito, only a salt and the SRP verifier v = g^x. A plain password
(USER_PASSWORD_AUTH, ChangePassword) is checked by recomputing v from it, so no password is ever
held in memory after the request that carried it.
"""

from __future__ import annotations

import hmac

import cognito_srp
from cognito_emulator.errors import InvalidPassword
from cognito_emulator.models import PasswordPolicy, Pool, User

# The special characters Cognito counts as symbols in a password policy.
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def check_policy(policy: PasswordPolicy, password: str) -> None:
    """Raise InvalidPasswordException with Cognito's wording for the first rule broken."""
    if len(password) < policy.minimum_length:
        reason = "Password not long enough"
    elif policy.require_lowercase and not any(char.islower() for char in password):
        reason = "Password must have lowercase characters"
    elif policy.require_uppercase and not any(char.isupper() for char in password):
        reason = "Password must have uppercase characters"
    elif policy.require_numbers and not any(char.isdigit() for char in password):
        reason = "Password must have numeric characters"
    elif policy.require_symbols and not any(char in SYMBOLS for char in password):
        reason = "Password must have symbol characters"
    else:
        return
    raise InvalidPassword(f"Password did not conform with policy: {reason}")


def set_password(pool: Pool, user: User, password: str, salt: int, now: float) -> None:
    user.salt = salt
    user.verifier = cognito_srp.verifier(salt, cognito_srp.pool_name(pool.id), user.username,
                                         password)
    user.password_set_at = now


def password_matches(pool: Pool, user: User, password: str) -> bool:
    candidate = cognito_srp.verifier(user.salt, cognito_srp.pool_name(pool.id), user.username,
                                     password)
    return hmac.compare_digest(cognito_srp.pad(candidate), cognito_srp.pad(user.verifier))


def generate(policy: PasswordPolicy, alphanumeric: str) -> str:
    """A temporary password that satisfies ``policy``, built around random characters
    (AdminCreateUser without TemporaryPassword)."""
    body = alphanumeric.ljust(policy.minimum_length, "x")
    return f"Aa1!{body}"
