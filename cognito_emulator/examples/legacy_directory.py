"""UserMigration from a "legacy directory": a few users, with their old passwords, held in code.

At sign-in (``UserMigration_Authentication``) a user is migrated when the password typed is
the one the legacy directory has; ForgotPassword (``UserMigration_ForgotPassword``, no password)
migrates a user the directory knows so the reset code can go out. Anyone else, or a wrong
password, gets no attributes back: Cognito then answers as for any unknown user, so the reply
does not tell a wrong password from a missing user. No welcome message is sent (SUPPRESS): the
person is signing in or resetting right now.

- ``legacy-user`` / ``Legacy-Passw0rd!``: migrated CONFIRMED, signs straight in.
- ``legacy-reset-user`` / ``Legacy-Passw0rd!``: migrated RESET_REQUIRED, so the sign-in answers
  PasswordResetRequiredException and the user goes through ForgotPassword.
- ``legacy-short-user`` / ``legacy1``: a password the pool's policy would refuse today;
  migration takes it as it is (the policy governs passwords chosen in Cognito).

Function: ``user_migration``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LegacyUser:
    password: str
    email: str
    name: str
    must_reset: bool = False


DIRECTORY = {
    "legacy-user": LegacyUser("Legacy-Passw0rd!", "legacy-user@example.com", "Lee Legacy"),
    "legacy-reset-user": LegacyUser("Legacy-Passw0rd!", "legacy-reset@example.com",
                                    "Rae Reset", must_reset=True),
    "legacy-short-user": LegacyUser("legacy1", "legacy-short@example.com", "Sol Short"),
}


def user_migration(event: dict[str, Any], context: Any) -> dict[str, Any]:
    legacy = DIRECTORY.get(event["userName"])
    if legacy is None:
        return event
    if event["triggerSource"] == "UserMigration_Authentication":
        typed = event["request"]["password"]
        if not hmac.compare_digest(typed.encode(), legacy.password.encode()):
            return event
        status = "RESET_REQUIRED" if legacy.must_reset else "CONFIRMED"
    else:
        status = "RESET_REQUIRED"
    event["response"].update(
        userAttributes={"email": legacy.email, "email_verified": "true", "name": legacy.name},
        finalUserStatus=status,
        messageAction="SUPPRESS",
    )
    return event
