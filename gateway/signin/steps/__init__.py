"""The registry of step handlers: one per challenge (or family of challenges).

Adding a challenge is one handler module here (``arrive``, ``prompt``, ``answer``), one
template per form it shows (``templates/challenges/{form}.html``) and its catalog keys
(``step.{form}.*`` in ``gateway/web/locales``). The OpenAPI document's enums and the step pages
are derived from this registry.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import UnsupportedChallenge
from gateway.signin.model import Challenge, ChallengeName, Prompt
from gateway.signin.protocol import StepHandler
from gateway.signin.steps.account import ConfirmForgotPassword, ConfirmSignUp
from gateway.signin.steps.codes import OneTimeCode
from gateway.signin.steps.custom import CustomChallenge
from gateway.signin.steps.devices import DeviceSrp
from gateway.signin.steps.mfa_setup import MfaSetup
from gateway.signin.steps.new_password import NewPasswordRequired
from gateway.signin.steps.password_verifier import PasswordVerifier
from gateway.signin.steps.select_challenge import SelectChallenge
from gateway.signin.steps.select_mfa import SelectMfaType
from gateway.signin.steps.webauthn import Passkey

_HANDLERS: tuple[StepHandler, ...] = (
    PasswordVerifier(),
    DeviceSrp(),
    OneTimeCode(),
    SelectMfaType(),
    NewPasswordRequired(),
    MfaSetup(),
    CustomChallenge(),
    SelectChallenge(),
    Passkey(),
    ConfirmSignUp(),
    ConfirmForgotPassword(),
)

HANDLERS: Mapping[ChallengeName, StepHandler] = {
    name: handler for handler in _HANDLERS for name in handler.challenges
}
# Every form a person can be shown, in registry order: URL segments and the API's step enum.
FORMS: tuple[str, ...] = tuple(dict.fromkeys(f for h in _HANDLERS for f in h.forms))
# The challenges a person can answer (the API's challenge enum).
ANSWERABLE: tuple[ChallengeName, ...] = tuple(
    name for handler in _HANDLERS if handler.forms for name in handler.challenges
)


def handler_for(name: ChallengeName) -> StepHandler:
    handler = HANDLERS.get(name)
    if handler is None:
        # ADMIN_NO_SRP_AUTH, PASSWORD, PASSWORD_SRP: never asked of a client signing in.
        raise UnsupportedChallenge(f"no handler for challenge {name}")
    return handler


def prompt_for(challenge: Challenge) -> Prompt:
    return handler_for(challenge.name).prompt(challenge)
