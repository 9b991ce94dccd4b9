"""Example PreSignUp and CustomMessage triggers (the demo pool ``us-east-1_DemoSignUp1``).

``pre_sign_up`` confirms at once anyone signing up with an address of ``TRUSTED_DOMAIN`` and
marks that email verified (no code to type); everyone else gets the usual confirmation code.
``custom_message`` words every emailed code in a friendly way (SMS keeps Cognito's default).
Both are ordinary Lambda handlers: ``handler(event, context)`` returning the event.
"""

from __future__ import annotations

from typing import Any

TRUSTED_DOMAIN = "example.com"

_SUBJECTS = {
    "CustomMessage_SignUp": "Welcome! Confirm your email",
    "CustomMessage_ResendCode": "Your new confirmation code",
    "CustomMessage_ForgotPassword": "Reset your password",
    "CustomMessage_UpdateUserAttribute": "Confirm your new email address",
    "CustomMessage_VerifyUserAttribute": "Confirm your email address",
    "CustomMessage_Authentication": "Your sign-in code",
}


def pre_sign_up(event: dict[str, Any], context: Any) -> dict[str, Any]:
    email = event["request"]["userAttributes"].get("email", "")
    if email.lower().endswith("@" + TRUSTED_DOMAIN):
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event


def custom_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    source = event["triggerSource"]
    attributes = event["request"]["userAttributes"]
    name = attributes.get("name") or attributes.get("email") or event["userName"]
    code = event["request"]["codeParameter"]
    subject = _SUBJECTS.get(source)
    if subject is None:  # e.g. an invitation: Cognito's default message
        return event
    event["response"]["emailSubject"] = subject
    event["response"]["emailMessage"] = (
        f"Hello {name},\n\nyour code is {code}. It is for you alone: nobody from us will ever "
        "ask you for it.\n\nSee you soon!"
    )
    return event
