"""The sign-in state machine, as pure functions: no aiohttp, botocore or redis in here.

Three questions are answered here and nowhere else:

* :func:`next_step` — what did Cognito just ask for (tokens, or which challenge)?
* :func:`prompt_for` — what must the person be asked to answer that challenge?
* :func:`plan` — given their answers, what does the gateway do next?

Every ``ChallengeNameType`` value is handled by an exhaustive ``match``; the ones a password
sign-in cannot produce are refused explicitly rather than by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, assert_never

from gateway.errors import InvalidRequest, MfaUnavailable, UnsupportedChallenge


class ChallengeName(StrEnum):
    SMS_MFA = "SMS_MFA"
    EMAIL_OTP = "EMAIL_OTP"
    SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
    SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
    MFA_SETUP = "MFA_SETUP"
    PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
    CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
    SELECT_CHALLENGE = "SELECT_CHALLENGE"
    DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
    DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"
    ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"
    NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
    SMS_OTP = "SMS_OTP"
    PASSWORD = "PASSWORD"
    WEB_AUTHN = "WEB_AUTHN"
    PASSWORD_SRP = "PASSWORD_SRP"


# One-time-code challenges and the ChallengeResponses key that carries the code.
CODE_KEYS: Mapping[ChallengeName, str] = {
    ChallengeName.SMS_MFA: "SMS_MFA_CODE",
    ChallengeName.EMAIL_OTP: "EMAIL_OTP_CODE",
    ChallengeName.SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE",
    ChallengeName.SMS_OTP: "SMS_OTP_CODE",
}

# MFA methods a person can pick (SELECT_MFA_TYPE) or set up (MFA_SETUP). SMS setup needs a
# verified phone number first, which Cognito does not let a sign-in add, so it is not offered.
CHOOSABLE_MFA = (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.SMS_MFA, ChallengeName.EMAIL_OTP)
SETUP_MFA = (ChallengeName.SOFTWARE_TOKEN_MFA, ChallengeName.EMAIL_OTP)

_CODE = re.compile(r"^[0-9]{4,10}$")
_TOTP = re.compile(r"^[0-9]{6}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_MAX_PASSWORD = 256
_MAX_ATTRIBUTE = 2048


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int

    def __repr__(self) -> str:
        return "Tokens(…)"


@dataclass(frozen=True, slots=True)
class Challenge:
    """A challenge Cognito is waiting for, with everything needed to answer it."""

    name: ChallengeName
    session: str | None
    username: str  # the internal username: what every answer must send as USERNAME
    parameters: Mapping[str, str]
    # MFA_SETUP progress: the chosen method and, for TOTP, the secret to enrol.
    setup_method: ChallengeName | None = None
    setup_secret: str | None = None

    def __repr__(self) -> str:  # the Cognito Session and the TOTP secret stay out of logs
        return f"Challenge({self.name})"

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "session": self.session,
            "username": self.username,
            "parameters": dict(self.parameters),
            "setup_method": self.setup_method.value if self.setup_method else None,
            "setup_secret": self.setup_secret,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Challenge:
        method = record.get("setup_method")
        return cls(
            name=ChallengeName(record["name"]),
            session=record.get("session"),
            username=record["username"],
            parameters=dict(record.get("parameters") or {}),
            setup_method=ChallengeName(method) if method else None,
            setup_secret=record.get("setup_secret"),
        )


Step = Tokens | Challenge


class ProtocolError(Exception):
    """Cognito answered with something the protocol does not allow."""


def next_step(response: Mapping[str, Any], username: str) -> Step:
    """Read an InitiateAuth / RespondToAuthChallenge / VerifySoftwareToken response.

    ``username`` is the internal username known so far (what the person typed, before the
    first challenge): Cognito names the internal one in USERNAME or USER_ID_FOR_SRP, and once
    named it must be used for every later answer and SECRET_HASH (protocol section 3.1).
    """
    result = response.get("AuthenticationResult")
    if result:
        return Tokens(
            access_token=result["AccessToken"],
            id_token=result["IdToken"],
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
        )
    raw_name = str(response.get("ChallengeName"))
    try:
        name = ChallengeName(raw_name)
    except ValueError as error:
        raise ProtocolError(f"unknown challenge {raw_name!r}") from error
    parameters = {str(k): str(v) for k, v in (response.get("ChallengeParameters") or {}).items()}
    internal = parameters.get("USERNAME") or parameters.get("USER_ID_FOR_SRP") or username
    return Challenge(name, response.get("Session"), internal, parameters)


def json_list(parameters: Mapping[str, str], key: str) -> list[str]:
    """Challenge parameters carry lists as JSON strings (protocol section 3.1, rule 6)."""
    try:
        value = json.loads(parameters.get(key, "[]"))
    except json.JSONDecodeError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


def required_attributes(challenge: Challenge) -> list[str]:
    """NEW_PASSWORD_REQUIRED's attributes to collect, without the ``userAttributes.`` prefix."""
    names = json_list(challenge.parameters, "requiredAttributes")
    return [name.removeprefix("userAttributes.") for name in names]


def mfa_choices(challenge: Challenge) -> list[ChallengeName]:
    return [m for m in CHOOSABLE_MFA if m in json_list(challenge.parameters, "MFAS_CAN_CHOOSE")]


def setup_choices(challenge: Challenge) -> list[ChallengeName]:
    return [m for m in SETUP_MFA if m in json_list(challenge.parameters, "MFAS_CAN_SETUP")]


# --- What to ask -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str  # text | password | new_password | code | choice | email
    options: tuple[str, ...] = ()
    max_length: int = 256


@dataclass(frozen=True, slots=True)
class Prompt:
    challenge: ChallengeName
    view: str  # names the page (and its template) that asks for this
    fields: tuple[Field, ...]
    # Only what is safe to show the person: masked destinations, choices, the TOTP secret
    # they are enrolling. Never the Cognito Session or internal state.
    public: Mapping[str, Any] = field(default_factory=dict)


_CODE_FIELD = Field("code", "code", max_length=16)


def prompt_for(challenge: Challenge) -> Prompt:
    name = challenge.name
    match name:
        case ChallengeName.SMS_MFA | ChallengeName.EMAIL_OTP | ChallengeName.SMS_OTP:
            public = {
                "delivery_medium": challenge.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM"),
                "destination": challenge.parameters.get("CODE_DELIVERY_DESTINATION"),
            }
            view = "email-code" if name is ChallengeName.EMAIL_OTP else "sms-code"
            return Prompt(name, view, (_CODE_FIELD,), public)
        case ChallengeName.SOFTWARE_TOKEN_MFA:
            return Prompt(name, "authenticator-code", (_CODE_FIELD,))
        case ChallengeName.SELECT_MFA_TYPE:
            options = tuple(mfa_choices(challenge))
            if not options:
                raise MfaUnavailable("SELECT_MFA_TYPE offered no method we can use")
            return Prompt(name, "choose-mfa", (Field("mfa_type", "choice", options),),
                          {"options": list(options)})
        case ChallengeName.NEW_PASSWORD_REQUIRED:
            attributes = tuple(
                Field(attr, "email" if attr == "email" else "text", max_length=_MAX_ATTRIBUTE)
                for attr in required_attributes(challenge)
            )
            return Prompt(name, "new-password",
                          (Field("new_password", "new_password", max_length=_MAX_PASSWORD),
                           *attributes),
                          {"required_attributes": [a.name for a in attributes]})
        case ChallengeName.MFA_SETUP:
            return _setup_prompt(challenge)
        case (
            ChallengeName.PASSWORD_VERIFIER
            | ChallengeName.CUSTOM_CHALLENGE
            | ChallengeName.SELECT_CHALLENGE
            | ChallengeName.DEVICE_SRP_AUTH
            | ChallengeName.DEVICE_PASSWORD_VERIFIER
            | ChallengeName.ADMIN_NO_SRP_AUTH
            | ChallengeName.PASSWORD
            | ChallengeName.WEB_AUTHN
            | ChallengeName.PASSWORD_SRP
        ):
            # PASSWORD_VERIFIER is answered inside the login step and never shown; the others
            # belong to flows (custom auth, devices, passwordless) this gateway does not start.
            raise UnsupportedChallenge(f"no page for challenge {name}")
        case _:
            assert_never(name)


def _setup_prompt(challenge: Challenge) -> Prompt:
    name = ChallengeName.MFA_SETUP
    match challenge.setup_method:
        case None:
            options = tuple(setup_choices(challenge))
            if not options:
                raise MfaUnavailable("MFA_SETUP offered no method we can enrol")
            return Prompt(name, "setup-mfa", (Field("mfa_type", "choice", options),),
                          {"options": list(options)})
        case ChallengeName.SOFTWARE_TOKEN_MFA:
            return Prompt(name, "setup-authenticator", (_CODE_FIELD,),
                          {"secret_code": challenge.setup_secret})
        case ChallengeName.EMAIL_OTP:
            return Prompt(name, "setup-email", (Field("email", "email"),))
        case _:
            raise MfaUnavailable(f"cannot set up {challenge.setup_method}")


def automatic_setup(challenge: Challenge) -> ChallengeName | None:
    """The MFA method to start enrolling without asking, when there is only one."""
    if challenge.name is not ChallengeName.MFA_SETUP or challenge.setup_method is not None:
        return None
    options = setup_choices(challenge)
    return options[0] if len(options) == 1 else None


# --- What to do with the answers -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Respond:
    """Answer the challenge with RespondToAuthChallenge (USERNAME/SECRET_HASH added later)."""

    responses: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Respond({sorted(self.responses)})"


@dataclass(frozen=True, slots=True)
class BeginTotpSetup:
    """AssociateSoftwareToken, then show the secret."""


@dataclass(frozen=True, slots=True)
class Stay:
    """No Cognito call: the challenge moves to a new state (a choice was made)."""

    challenge: Challenge


@dataclass(frozen=True, slots=True)
class FinishTotpSetup:
    """VerifySoftwareToken with the first code, then RespondToAuthChallenge(MFA_SETUP)."""

    code: str

    def __repr__(self) -> str:
        return "FinishTotpSetup(…)"


Action = Respond | BeginTotpSetup | Stay | FinishTotpSetup


def _answer(answers: Mapping[str, str], name: str) -> str:
    value = answers.get(name)
    if value is None or not str(value).strip():
        raise InvalidRequest(f"missing {name}", field=name)
    return str(value)


def _code(answers: Mapping[str, str], pattern: re.Pattern[str] = _CODE) -> str:
    code = "".join(_answer(answers, "code").split())  # people paste "123 456"
    if not pattern.match(code):
        raise InvalidRequest("malformed code", field="code")
    return code


def _choice(answers: Mapping[str, str], options: list[ChallengeName]) -> ChallengeName:
    chosen = _answer(answers, "mfa_type")
    for option in options:
        if option.value == chosen:
            return option
    raise InvalidRequest("mfa_type is not one of the offered methods", field="mfa_type")


def plan(prompt: Prompt, challenge: Challenge, answers: Mapping[str, str]) -> Action:
    """Validate the answers for the prompt that was shown and decide the next action.

    Raises :class:`InvalidRequest` (naming the field) before any call to Cognito when an answer
    is missing or malformed.
    """
    for spec in prompt.fields:
        value = answers.get(spec.name)
        if value is not None and len(str(value)) > spec.max_length:
            raise InvalidRequest(f"{spec.name} is too long", field=spec.name)

    name = challenge.name
    match name:
        case ChallengeName.SMS_MFA | ChallengeName.EMAIL_OTP | ChallengeName.SMS_OTP:
            return Respond({CODE_KEYS[name]: _code(answers)})
        case ChallengeName.SOFTWARE_TOKEN_MFA:
            return Respond({CODE_KEYS[name]: _code(answers, _TOTP)})
        case ChallengeName.SELECT_MFA_TYPE:
            return Respond({"ANSWER": _choice(answers, mfa_choices(challenge)).value})
        case ChallengeName.NEW_PASSWORD_REQUIRED:
            responses = {"NEW_PASSWORD": _answer(answers, "new_password")}
            for attr in required_attributes(challenge):
                responses[f"userAttributes.{attr}"] = _answer(answers, attr).strip()
            return Respond(responses)
        case ChallengeName.MFA_SETUP:
            return _plan_setup(challenge, answers)
        case _:
            raise UnsupportedChallenge(f"cannot answer {name}")


def _plan_setup(challenge: Challenge, answers: Mapping[str, str]) -> Action:
    match challenge.setup_method:
        case None:
            method = _choice(answers, setup_choices(challenge))
            return choose_setup(challenge, method)
        case ChallengeName.SOFTWARE_TOKEN_MFA:
            return FinishTotpSetup(_code(answers, _TOTP))
        case ChallengeName.EMAIL_OTP:
            email = _answer(answers, "email").strip()
            if not _EMAIL.match(email):
                raise InvalidRequest("malformed email", field="email")
            return Respond({"EMAIL": email})
        case _:
            raise MfaUnavailable(f"cannot set up {challenge.setup_method}")


def choose_setup(challenge: Challenge, method: ChallengeName) -> Action:
    if method is ChallengeName.SOFTWARE_TOKEN_MFA:
        return BeginTotpSetup()
    return Stay(replace(challenge, setup_method=method))
