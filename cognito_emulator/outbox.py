"""Messages the emulator "sent": SMS and email codes, kept for tests and the local stack."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# Enough for any test and a long local-stack session, without growing without bound.
MAX_MESSAGES = 10_000

# Why a message was sent, as it appears in the outbox.
MFA = "MFA"
MFA_SETUP = "MFA_SETUP"
SIGN_IN = "SIGN_IN"  # a passwordless first factor of USER_AUTH (EMAIL_OTP / SMS_OTP)
SIGN_UP = "SIGN_UP"
FORGOT_PASSWORD = "FORGOT_PASSWORD"
INVITATION = "INVITATION"
CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"  # sent by a Lambda trigger through context.send_code
# A user migrated by the UserMigration trigger was welcomed (no code: ``code`` is empty).
WELCOME = "WELCOME"
# A code to verify an email / phone number (UpdateUserAttributes,
# GetUserAttributeVerificationCode).
VERIFY_ATTRIBUTE = "VERIFY_ATTRIBUTE"


@dataclass
class Message:
    pool_id: str
    username: str
    medium: str  # "SMS" | "EMAIL"
    destination: str
    code: str
    purpose: str
    sent_at: float
    # The text a CustomMessage trigger composed (its ``{####}`` replaced by the code) and, for
    # an email, its subject; left out of the JSON when no CustomMessage trigger ran.
    message: str | None = None
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        view = asdict(self)
        for key in ("message", "subject"):
            if view[key] is None:
                del view[key]
        return view


class Outbox:
    def __init__(self) -> None:
        self.messages: deque[Message] = deque(maxlen=MAX_MESSAGES)

    def send(self, message: Message) -> None:
        self.messages.append(message)

    def clear(self) -> None:
        self.messages.clear()

    def sender(self, pool_id: str, username: str,
               now: Callable[[], float]) -> Callable[[str, str, str], None]:
        """A trigger's ``context.send_code(medium, destination, code)`` for this user."""
        def send_code(medium: str, destination: str, code: str) -> None:
            self.send(Message(pool_id=pool_id, username=username, medium=medium,
                              destination=destination, code=code, purpose=CUSTOM_CHALLENGE,
                              sent_at=now()))
        return send_code
