"""Codes Cognito itself sends (sign-up, resend, forgotten password, attribute verification,
MFA and passwordless sign-in), worded by the pool's CustomMessage trigger when it has one.

The trigger (``CustomMessage_<source>``) gets ``codeParameter`` ``{####}`` and answers with
``smsMessage`` / ``emailMessage`` / ``emailSubject``; the outbox keeps the text with the code
put in (``message``, ``subject``) next to the code itself. Without a trigger, or when its text
for the medium is missing or has no ``{####}``, Cognito's default message goes out (the outbox
then has no ``message``).
"""

from __future__ import annotations

from cognito_emulator import triggers
from cognito_emulator.delivery import Delivery
from cognito_emulator.models import Pool, User
from cognito_emulator.state import Emulator

SIGN_UP = "CustomMessage_SignUp"
RESEND_CODE = "CustomMessage_ResendCode"
FORGOT_PASSWORD = "CustomMessage_ForgotPassword"  # noqa: S105 - a trigger source
UPDATE_USER_ATTRIBUTE = "CustomMessage_UpdateUserAttribute"
VERIFY_USER_ATTRIBUTE = "CustomMessage_VerifyUserAttribute"
AUTHENTICATION = "CustomMessage_Authentication"


def send_code(emulator: Emulator, pool: Pool, client_id: str | None, user: User, medium: str,
              purpose: str, source: str, client_metadata: dict[str, str] | None = None,
              destination: str | None = None) -> Delivery:
    """Send a fresh code to ``user`` (to ``destination``, else their email / phone number),
    after CustomMessage ``source`` has had its say."""
    attributes = triggers.user_attributes(user)
    if destination is not None:
        # The code goes to an address the user does not have yet (a pending change): the
        # trigger sees the address it is sent to.
        attributes["phone_number" if medium == "SMS" else "email"] = destination
    template = triggers.custom_message(
        emulator.functions, pool, client_id, user.username, attributes, source, medium,
        dict(client_metadata or {}),
        emulator.outbox.sender(pool.id, user.username, emulator.now))
    return emulator.courier.send_code(pool, user, medium, purpose, destination=destination,
                                      template=template)
