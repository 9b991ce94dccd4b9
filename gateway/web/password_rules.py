"""Which of the pool's password rules a password breaks, all at once.

Cognito checks a new password itself and names only the first rule it breaks; the page lists
every rule the refused password still misses, so nobody meets them one refusal at a time. The
checks are Cognito's (and the emulator's, :mod:`cognito_emulator.passwords`); gateway.js makes
the same ones as the person types.
"""

from __future__ import annotations

from gateway.config import PasswordPolicy

# The characters Cognito counts as symbols in a password policy.
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")

_CHECKS = {
    "upper": str.isupper,
    "lower": str.islower,
    "number": str.isdigit,
    "symbol": SYMBOLS.__contains__,
}


def broken_rules(password: str, policy: PasswordPolicy) -> list[str]:
    """The rules (``length``, then ``policy.requires`` in its order) ``password`` breaks."""
    broken = ["length"] if len(password) < policy.min_length else []
    broken += [rule for rule in policy.requires
               if not any(_CHECKS[rule](char) for char in password)]
    return broken
