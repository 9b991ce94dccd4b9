"""The vocabulary shared by the sign-in driver, its step handlers and the runner.

The driver and the handlers are generators in the style of httpx's ``Auth.auth_flow``: they
*yield* an :data:`Effect` (call a Cognito operation, compute something in the worker pool) and
receive its result from whoever drives them; a failed Cognito call is thrown back in as its
:class:`~gateway.errors.GatewayError`. They never do I/O themselves, so a unit test can drive
them with canned replies and no network (``tests/unit/test_signin_driver.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from gateway.signin.devices import Device
from gateway.signin.model import Challenge, ChallengeName, Prompt
from gateway.signin.srp import Ephemeral

R = TypeVar("R")


# --- effects ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InitiateAuth:
    """InitiateAuth; USERNAME, SECRET_HASH and UserContextData are added by the runner's
    Cognito boundary. The reply is Cognito's response mapping."""

    flow: str
    username: str
    parameters: Mapping[str, str]
    # USER_AUTH straight after ConfirmSignUp: the Session that confirmation handed out.
    session: str | None = None

    def __repr__(self) -> str:  # parameters can hold a password
        return f"InitiateAuth({self.flow})"


@dataclass(frozen=True, slots=True)
class RespondToChallenge:
    """RespondToAuthChallenge for ``name`` as ``username`` with ``session``."""

    name: ChallengeName
    username: str
    responses: Mapping[str, str]
    session: str | None

    def __repr__(self) -> str:
        return f"RespondToChallenge({self.name}, {sorted(self.responses)})"


@dataclass(frozen=True, slots=True)
class AssociateSoftwareToken:
    """AssociateSoftwareToken; the reply is ``(secret code, new session)``."""

    session: str


@dataclass(frozen=True, slots=True)
class VerifySoftwareToken:
    """VerifySoftwareToken; the reply is the new session (a wrong code is thrown back in)."""

    session: str
    code: str

    def __repr__(self) -> str:
        return "VerifySoftwareToken(…)"


@dataclass(frozen=True, slots=True)
class ConfirmDevice:
    """ConfirmDevice with the new access token; the reply is UserConfirmationNecessary."""

    access_token: str
    device_key: str
    verifier: str
    salt: str

    def __repr__(self) -> str:
        return "ConfirmDevice(…)"


@dataclass(frozen=True, slots=True)
class RememberDevice:
    """UpdateDeviceStatus ``remembered``; the reply is None."""

    access_token: str
    device_key: str

    def __repr__(self) -> str:
        return "RememberDevice(…)"


@dataclass(frozen=True, slots=True)
class Compute:
    """Run ``function(*arguments)`` in the worker pool (SRP arithmetic): its return value comes
    back. Kept off the event loop, where 3072-bit exponentiation would stall every request."""

    function: Callable[..., Any]
    arguments: tuple[Any, ...] = ()

    def __repr__(self) -> str:
        return f"Compute({getattr(self.function, '__name__', 'function')})"


@dataclass(frozen=True, slots=True)
class AccountCall:
    """One of Cognito's account operations of a journey (SignUp, ConfirmSignUp,
    ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword), by its botocore name;
    USERNAME's SECRET_HASH, UserContextData and ClientMetadata are added by the boundary. The
    reply is Cognito's response mapping."""

    operation: str
    username: str
    parameters: Mapping[str, Any]

    def __repr__(self) -> str:  # parameters can hold a password or a code
        return f"AccountCall({self.operation})"


CognitoCall = (InitiateAuth | RespondToChallenge | AssociateSoftwareToken | VerifySoftwareToken
               | ConfirmDevice | RememberDevice | AccountCall)
Effect = CognitoCall | Compute
# A generator that yields effects and finally returns an R.
Effects = Generator[Effect, Any, R]


def done(result: R) -> Effects[R]:
    """An effect sequence that yields nothing and returns ``result``, for the steps that need
    no call: every handler method keeps the one shape the driver delegates to."""
    return result
    yield  # unreachable: its presence makes this function a generator


# --- one request's memory --------------------------------------------------------------------


@dataclass(slots=True)
class Turn:
    """What one request knows beyond the stored flow: the pool's SRP realm, the clock, and the
    secrets that exist only while the request runs (the password, the SRP ephemeral, the
    device cookie's secret). A Turn is never stored; its secrets are gone when the request ends.

    Devices: ``remember`` is the deployment's GATEWAY_REMEMBER_DEVICES (off, ask, always);
    ``device`` the browser's remembered device (from its cookie), offered to Cognito as
    DEVICE_KEY; the driver sets ``remember_asked`` (the person ticked "Remember this device"),
    ``remembered`` (a device just confirmed: the outcome writes its cookie) and
    ``device_refused`` (Cognito no longer knows the cookie's device: the outcome clears it)."""

    pool_name: str
    now: Callable[[], datetime]
    password: str | None = field(default=None, repr=False)
    ephemeral: Ephemeral | None = field(default=None, repr=False)
    remember: str = "off"
    device: Device | None = field(default=None, repr=False)
    remember_asked: bool = False
    remembered: Device | None = field(default=None, repr=False)
    device_refused: bool = False
    device_used: bool = False
    # The challenge the person answered in this request (set by the driver): a custom
    # challenge asked again right after one was answered means the answer was not accepted.
    answered: ChallengeName | None = None


# --- what a handler's step ends in -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ask:
    """Stop and ask the person: store ``challenge`` and show its prompt."""

    challenge: Challenge


@dataclass(frozen=True, slots=True)
class Reply:
    """Cognito answered (a handler sent something): read ``reply`` for what comes next."""

    reply: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Done:
    """The journey is over without a session (a password reset, a sign-up to sign in after):
    back to the login form, saying ``notice``."""

    notice: str


Arrival = Ask | Reply | Done


class StepHandler(Protocol):
    """One challenge's whole behaviour. Registered in :mod:`gateway.signin.steps`."""

    @property
    def challenges(self) -> tuple[ChallengeName, ...]:
        """The challenges this handler answers."""
        ...

    @property
    def forms(self) -> tuple[str, ...]:
        """The forms (``Prompt.step``) it may show; none for a challenge never asked."""
        ...

    def arrive(self, challenge: Challenge, turn: Turn) -> Effects[Arrival]:
        """Cognito just asked for ``challenge``: ask the person, or answer without asking."""
        ...

    def prompt(self, challenge: Challenge) -> Prompt:
        """What to ask the person while ``challenge`` waits (raises when it cannot be asked)."""
        ...

    def answer(
        self, challenge: Challenge, answers: Mapping[str, str], turn: Turn
    ) -> Effects[Arrival]:
        """The person answered the prompt: validate (before any effect), then act."""
        ...
