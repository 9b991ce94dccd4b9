"""Sending one-time codes by SMS or email: into the outbox, with Cognito's masked destination."""

from __future__ import annotations

from dataclasses import dataclass

from cognito_emulator.clock import Clock
from cognito_emulator.entropy import Entropy
from cognito_emulator.models import Pool, User
from cognito_emulator.outbox import Message, Outbox

CODE_DIGITS = 6
SMS = "SMS"
EMAIL = "EMAIL"


def mask_phone(number: str) -> str:
    """``+15555550100`` -> ``+*******0100``: Cognito shows only the last four digits."""
    return number[:1] + "*" * max(len(number) - 5, 0) + number[-4:]


def mask_email(address: str) -> str:
    """``alice@example.com`` -> ``a***@e***``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def mask(medium: str, destination: str) -> str:
    return mask_phone(destination) if medium == SMS else mask_email(destination)


@dataclass
class Delivery:
    code: str
    medium: str
    destination: str

    @property
    def masked(self) -> str:
        return mask(self.medium, self.destination)

    def details(self, attribute: str) -> dict[str, str]:
        """CodeDeliveryDetailsType, as SignUp / ForgotPassword return it."""
        return {"Destination": self.masked, "DeliveryMedium": self.medium,
                "AttributeName": attribute}


@dataclass(frozen=True)
class MessageTemplate:
    """A CustomMessage trigger's text for one code: ``{####}`` stands for the code (and
    ``{username}`` for the username, in an invitation)."""

    message: str
    subject: str | None = None

    def render(self, code: str, username: str) -> str:
        return self.message.replace(CODE_PARAMETER, code).replace(USERNAME_PARAMETER, username)


CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"


class Courier:
    def __init__(self, outbox: Outbox, clock: Clock, entropy: Entropy) -> None:
        self._outbox = outbox
        self._clock = clock
        self._entropy = entropy

    def send_code(self, pool: Pool, user: User, medium: str, purpose: str,
                  destination: str | None = None, code: str | None = None,
                  template: MessageTemplate | None = None) -> Delivery:
        if destination is None:
            attribute = "phone_number" if medium == SMS else "email"
            destination = user.attributes[attribute]
        code = code if code is not None else self._entropy.digits(CODE_DIGITS)
        self._outbox.send(Message(pool_id=pool.id, username=user.username, medium=medium,
                                  destination=destination, code=code, purpose=purpose,
                                  sent_at=self._clock.now(),
                                  message=None if template is None
                                  else template.render(code, user.username),
                                  subject=None if template is None else template.subject))
        return Delivery(code=code, medium=medium, destination=destination)
