"""What a sign-in is made of, as plain data: Cognito's challenge names, the challenge being
waited on, the tokens at the end, and what the person is asked. No I/O in here.

:func:`read_reply` is the one reader of an InitiateAuth / RespondToAuthChallenge reply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gateway.errors import UpstreamProtocolError

# A Cognito reply the protocol does not allow: answered 502 like any unusable upstream reply.
ProtocolError = UpstreamProtocolError


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
    # Not Cognito challenges: the steps of the gateway's own journeys (sign-up, a forgotten
    # password), answered like one and named like one on both faces.
    CONFIRM_SIGN_UP = "CONFIRM_SIGN_UP"
    CONFIRM_FORGOT_PASSWORD = "CONFIRM_FORGOT_PASSWORD"


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int
    # NewDeviceMetadata: a device Cognito handed out that may be confirmed (remembered).
    new_device_key: str | None = None
    new_device_group_key: str | None = None

    def __repr__(self) -> str:
        return "Tokens(…)"


@dataclass(frozen=True, slots=True)
class Challenge:
    """A challenge Cognito is waiting for, with everything needed to answer it.

    ``state`` belongs to the challenge's step handler (for MFA_SETUP: the chosen method and the
    secret being enrolled); nothing else reads it. It is stored sealed with the flow.
    """

    name: ChallengeName
    session: str | None
    username: str  # the internal username: what every answer must send as USERNAME
    parameters: Mapping[str, str]
    state: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # the Cognito Session and handler state stay out of logs
        return f"Challenge({self.name})"

    def with_state(self, session: str | None = None, **state: str) -> Challenge:
        """The same challenge with more handler state (and, when given, a newer Session)."""
        return Challenge(self.name, session or self.session, self.username, self.parameters,
                         {**self.state, **state})

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "session": self.session,
            "username": self.username,
            "parameters": dict(self.parameters),
            "state": dict(self.state),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Challenge:
        state = {str(k): str(v) for k, v in (record.get("state") or {}).items()}
        # Flows stored before handler state existed kept MFA_SETUP's progress in two fields;
        # read them for as long as such a flow can live (15 minutes after a deploy).
        legacy = {"method": record.get("setup_method"), "secret": record.get("setup_secret")}
        state.update({k: str(v) for k, v in legacy.items() if v})
        return cls(
            name=ChallengeName(record["name"]),
            session=record.get("session"),
            username=record["username"],
            parameters={str(k): str(v) for k, v in (record.get("parameters") or {}).items()},
            state=state,
        )


Step = Tokens | Challenge
# Where a SELECT_CHALLENGE's top-level AvailableChallenges are kept among its parameters.
AVAILABLE = "AvailableChallenges"


def read_reply(reply: Mapping[str, Any], username: str) -> Step:
    """Read an InitiateAuth / RespondToAuthChallenge reply: tokens, or the next challenge.

    ``username`` is the internal username known so far (what the person typed, before the
    first challenge): Cognito names the internal one in USERNAME or USER_ID_FOR_SRP, and once
    named it must be used for every later answer and SECRET_HASH (protocol section 3.1).
    """
    result = reply.get("AuthenticationResult")
    if result:
        try:
            return Tokens(
                access_token=result["AccessToken"],
                id_token=result["IdToken"],
                refresh_token=result.get("RefreshToken"),
                expires_in=int(result.get("ExpiresIn", 3600)),
                new_device_key=(result.get("NewDeviceMetadata") or {}).get("DeviceKey"),
                new_device_group_key=(
                    (result.get("NewDeviceMetadata") or {}).get("DeviceGroupKey")),
            )
        except (KeyError, TypeError, ValueError):
            raise ProtocolError("AuthenticationResult without its tokens") from None
    raw_name = str(reply.get("ChallengeName"))
    try:
        name = ChallengeName(raw_name)
    except ValueError:
        raise ProtocolError(f"unknown challenge {raw_name!r}") from None
    parameters = {str(k): str(v) for k, v in (reply.get("ChallengeParameters") or {}).items()}
    if "AvailableChallenges" in reply:
        # SELECT_CHALLENGE's choices come beside the parameters, not among them: kept with
        # them, as challenge parameters keep every list (a JSON string).
        parameters[AVAILABLE] = json.dumps([str(c) for c in reply["AvailableChallenges"] or []])
    internal = parameters.get("USERNAME") or parameters.get("USER_ID_FOR_SRP") or username
    return Challenge(name, reply.get("Session"), internal, parameters)


def json_list(parameters: Mapping[str, str], key: str) -> list[str]:
    """Challenge parameters carry lists as JSON strings (protocol section 3.1, rule 6)."""
    try:
        value = json.loads(parameters.get(key, "[]"))
    except json.JSONDecodeError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


# --- What to ask -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str  # text | password | new_password | code | choice | email
    options: tuple[str, ...] = ()
    max_length: int = 256


@dataclass(frozen=True, slots=True)
class Prompt:
    """What the person is asked now. ``step`` names the form: the page at ``/login/{step}``,
    its template ``challenges/{step}.html`` and the JSON API's ``challenge.step``."""

    challenge: ChallengeName
    step: str
    fields: tuple[Field, ...]
    # Only what is safe to show the person: masked destinations, choices, the TOTP secret
    # they are enrolling. Never the Cognito Session or internal state.
    public: Mapping[str, Any] = field(default_factory=dict)
    # A template chosen for this very challenge (a custom challenge names one in its public
    # parameters), tried before the step's own: ``challenges/{view}.html``.
    view: str | None = None
    # What the person should know about their last answer: ``answer_not_accepted`` when a
    # custom challenge is asked again (the catalog's ``notice.*`` says it, the API sends it).
    notice: str | None = None

    @property
    def templates(self) -> tuple[str, ...]:
        """The templates that may render this prompt, first found wins."""
        own = f"challenges/{self.step}.html"
        return (f"challenges/{self.view}.html", own) if self.view else (own,)
