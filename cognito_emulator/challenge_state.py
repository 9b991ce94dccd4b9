"""What a Session remembers between a challenge and its answer: one typed record per challenge.

A record names its challenge (``challenge_name``, the ChallengeName sent) and holds only what
answering it needs. Records are frozen: a step that moves on issues a new Session with a new
record. A new challenge is one more record here and one more member of ``ChallengeState``;
mypy then points at the answer dispatch in challenge_answers.py that lacks its case.

The first-factor records of choice-based sign-in (USER_AUTH) carry ``user_exists``: with
PreventUserExistenceErrors ENABLED a name that matches no user gets the same challenges, which
can never be answered (user_auth.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

from cognito_emulator.models import (
    CUSTOM_CHALLENGE,
    DEVICE_PASSWORD_VERIFIER,
    DEVICE_SRP_AUTH,
    MFA_SETUP_CHALLENGE,
    NEW_PASSWORD_REQUIRED,
    PASSWORD_CHALLENGE,
    PASSWORD_SRP,
    PASSWORD_VERIFIER,
    SELECT_CHALLENGE,
    SELECT_MFA_TYPE,
    SOFTWARE_TOKEN_MFA,
    WEB_AUTHN,
)
from cognito_emulator.srp_server import SrpExchange


@dataclass(frozen=True)
class ChallengeResult:
    """One entry of a custom-auth ``request.session``: a challenge answered and how."""

    challenge_name: str
    challenge_result: bool
    challenge_metadata: str | None = None

    def to_event(self) -> dict[str, object]:
        return {"challengeName": self.challenge_name, "challengeResult": self.challenge_result,
                "challengeMetadata": self.challenge_metadata}


@dataclass(frozen=True)
class PasswordVerifierState:
    """PASSWORD_VERIFIER: the server's half of the SRP exchange InitiateAuth started."""

    challenge_name: ClassVar[str] = PASSWORD_VERIFIER
    srp: SrpExchange
    # False for the stand-in answered to a name that matches no user: it never verifies.
    user_exists: bool
    # The DEVICE_KEY InitiateAuth carried, if any (the answer may repeat it).
    device_key: str | None = None
    # Set when CUSTOM_AUTH started with SRP: the custom-auth session list so far (SRP_A); a
    # verified claim then goes back to DefineAuthChallenge instead of on to MFA.
    custom_session: tuple[ChallengeResult, ...] | None = None


@dataclass(frozen=True)
class NewPasswordState:
    """NEW_PASSWORD_REQUIRED: nothing beyond who is signing in."""

    challenge_name: ClassVar[str] = NEW_PASSWORD_REQUIRED


@dataclass(frozen=True)
class SelectMfaTypeState:
    """SELECT_MFA_TYPE: the methods offered (MFAS_CAN_CHOOSE)."""

    challenge_name: ClassVar[str] = SELECT_MFA_TYPE
    choices: tuple[str, ...]


@dataclass(frozen=True)
class MfaCodeState:
    """SMS_MFA or EMAIL_OTP (MFA, or USER_AUTH's passwordless first factor), or SMS_OTP: the
    code sent and until when it counts."""

    method: str
    code: str
    expires_at: float
    # Set when the code proves an address being enrolled for email MFA during MFA_SETUP.
    setup_email: str | None = None
    # False for the stand-in sent to a name that matches no user: no code ever matches.
    user_exists: bool = True

    @property
    def challenge_name(self) -> str:
        return self.method


@dataclass(frozen=True)
class SoftwareTokenMfaState:
    """SOFTWARE_TOKEN_MFA: nothing; the code comes from the user's authenticator app."""

    challenge_name: ClassVar[str] = SOFTWARE_TOKEN_MFA


# AssociateSoftwareToken moves "start" (or "associated", to associate again) to "associated",
# VerifySoftwareToken "associated" to "verified"; only a "verified" one answers with TOTP.
MfaSetupStage: TypeAlias = Literal["start", "associated", "verified"]


@dataclass(frozen=True)
class MfaSetupState:
    """MFA_SETUP: the methods that may be set up, and how far a software token has got."""

    challenge_name: ClassVar[str] = MFA_SETUP_CHALLENGE
    can_setup: tuple[str, ...]
    stage: MfaSetupStage = "start"


@dataclass(frozen=True)
class DeviceSrpAuthState:
    """DEVICE_SRP_AUTH: the remembered device that may stand in for MFA; answered with SRP_A."""

    challenge_name: ClassVar[str] = DEVICE_SRP_AUTH
    device_key: str


@dataclass(frozen=True)
class DevicePasswordVerifierState:
    """DEVICE_PASSWORD_VERIFIER: the server's half of the device SRP exchange (realm =
    DeviceGroupKey, user id = DeviceKey)."""

    challenge_name: ClassVar[str] = DEVICE_PASSWORD_VERIFIER
    srp: SrpExchange
    device_key: str


@dataclass(frozen=True)
class CustomChallengeState:
    """CUSTOM_CHALLENGE: what CreateAuthChallenge made for this round. The private parameters
    never leave the emulator; VerifyAuthChallengeResponse gets them with the ANSWER."""

    challenge_name: ClassVar[str] = CUSTOM_CHALLENGE
    # The challenges before this one, as DefineAuthChallenge saw them.
    session: tuple[ChallengeResult, ...]
    private_parameters: tuple[tuple[str, str], ...]
    challenge_metadata: str | None = None


@dataclass(frozen=True)
class SelectChallengeState:
    """SELECT_CHALLENGE: the first factors offered (AvailableChallenges)."""

    challenge_name: ClassVar[str] = SELECT_CHALLENGE
    choices: tuple[str, ...]
    user_exists: bool = True


@dataclass(frozen=True)
class PasswordFactorState:
    """PASSWORD or PASSWORD_SRP: the factor was chosen without its PASSWORD / SRP_A."""

    srp: bool
    user_exists: bool = True

    @property
    def challenge_name(self) -> str:
        return PASSWORD_SRP if self.srp else PASSWORD_CHALLENGE


@dataclass(frozen=True)
class WebAuthnState:
    """WEB_AUTHN: the assertion challenge sent in CREDENTIAL_REQUEST_OPTIONS, the passkeys it
    allows, and whether the authenticator must have verified the user."""

    challenge_name: ClassVar[str] = WEB_AUTHN
    challenge: bytes
    allowed: tuple[bytes, ...]
    require_user_verification: bool
    user_exists: bool = True


@dataclass(frozen=True)
class SignUpState:
    """Not a challenge: the Session SignUp (and then ConfirmSignUp) hands out for signing in
    right after sign-up (InitiateAuth USER_AUTH with ``Session``). ``confirmed``: the user was
    confirmed when it was issued, so InitiateAuth may take it; an unconfirmed one is only for
    ConfirmSignUp. Its name is no ChallengeNameType, so RespondToAuthChallenge never takes it."""

    challenge_name: ClassVar[str] = "SIGN_UP"
    confirmed: bool


ChallengeState: TypeAlias = (
    PasswordVerifierState
    | NewPasswordState
    | SelectMfaTypeState
    | MfaCodeState
    | SoftwareTokenMfaState
    | MfaSetupState
    | DeviceSrpAuthState
    | DevicePasswordVerifierState
    | CustomChallengeState
    | SelectChallengeState
    | PasswordFactorState
    | WebAuthnState
    | SignUpState
)
