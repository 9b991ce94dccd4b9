"""The sign-in's I/O: the thin runner around the pure driver (:mod:`gateway.signin.driver`).

It holds the journey's lock, loads and saves the journey, applies the abuse limits, performs
each effect the driver yields (a Cognito call through :class:`~gateway.cognito.port.CognitoPort`,
arithmetic in the worker pool) and turns the driver's result into an :data:`Outcome`: a new
signed-in session, or the step to ask next. Both faces (pages and JSON) call only this.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.cognito.jwks import TokenVerifier
from gateway.cognito.port import CognitoPort
from gateway.errors import (
    AccountDisabled,
    ChallengeMismatch,
    FlowExpired,
    GatewayError,
    InvalidCredentials,
    InvalidRequest,
    PasswordResetRequired,
    TooManyAttempts,
    WrongCode,
)
from gateway.security.client_context import RequestContext
from gateway.security.limits import Attempt, Limits
from gateway.security.signing import Ticket
from gateway.session.sessions import Sessions, UserSession, user_from_claims
from gateway.signin import accounts, driver, steps
from gateway.signin.devices import Device
from gateway.signin.journey import Journey, Journeys
from gateway.signin.model import ChallengeName, Prompt, Tokens
from gateway.signin.protocol import (
    AccountCall,
    AssociateSoftwareToken,
    Compute,
    ConfirmDevice,
    Effect,
    Effects,
    InitiateAuth,
    RememberDevice,
    RespondToChallenge,
    Turn,
    VerifySoftwareToken,
)
from gateway.signin.steps.custom import NOT_ACCEPTED

log = logging.getLogger("gateway.flow")

MAX_USERNAME = 128  # Cognito's UsernameType
MAX_PASSWORD = 256  # Cognito's PasswordType
# Challenges whose arrival means Cognito just sent a code (SMS or email): a code send counted.
_CODE_SENT = frozenset({ChallengeName.SMS_MFA, ChallengeName.EMAIL_OTP, ChallengeName.SMS_OTP})


@dataclass(frozen=True, slots=True)
class Pending:
    """Cognito is waiting for the person to answer ``prompt``."""

    ticket: Ticket
    journey: Journey
    prompt: Prompt
    # The browser's device cookie named a device Cognito no longer knows: clear it.
    forget_device: bool = False


@dataclass(frozen=True, slots=True)
class SignedIn:
    ticket: Ticket  # the new session's ticket
    session: UserSession
    return_to: str
    # A device confirmed in this sign-in: the outcome writes its sealed cookie.
    remembered: Device | None = None
    # What the person typed to sign in (a username or an alias): passkey autofill offers this
    # person's passkeys on the next visit.
    typed: str = ""


@dataclass(frozen=True, slots=True)
class Finished:
    """A journey that ended at the login form: ``journey`` holds the name and the notice."""

    ticket: Ticket
    journey: Journey


Outcome = Pending | SignedIn | Finished


@dataclass(frozen=True, slots=True)
class Rules:
    """The part of the configuration the sign-in needs."""

    auth_flow: str
    pool_name: str
    max_code_attempts: int
    # A disabled account answers like a wrong password unless the deployer opts in.
    reveal_disabled: bool = False
    # A refused password is answered no sooner than this (seconds) after the start began.
    failure_floor: float = 0.0
    # GATEWAY_REMEMBER_DEVICES: off, ask or always (the pool's DeviceConfiguration).
    remember_devices: str = "off"
    # USER_AUTH: the first factor asked for unless the request names one (GATEWAY_PREFERRED_...).
    preferred_challenge: str | None = None


class SignIn:
    def __init__(
        self,
        *,
        rules: Rules,
        cognito: CognitoPort,
        journeys: Journeys,
        sessions: Sessions,
        limits: Limits,
        verifier: TokenVerifier,
        executor: Executor | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._rules = rules
        self._cognito = cognito
        self._journeys = journeys
        self._sessions = sessions
        self._limits = limits
        self._verifier = verifier
        self._executor = executor
        self._clock = clock

    def _turn(self, password: str | None = None, device: Device | None = None) -> Turn:
        remember = self._rules.remember_devices
        return Turn(pool_name=self._rules.pool_name, now=self._clock, password=password,
                    remember=remember, device=device if remember != "off" else None)

    # --- the two ways in --------------------------------------------------------------------

    async def start(
        self,
        username: str,
        password: str,
        return_to: str,
        context: RequestContext,
        previous: Ticket | None = None,
        device: Device | None = None,
        preferred: str | None = None,
    ) -> Outcome:
        """Begin a new sign-in with a username and password; ``device`` is the browser's
        remembered device (its device cookie), offered to Cognito in place of MFA.

        Every attempt gets a fresh journey id; a journey the browser was carrying is discarded.
        """
        username = username.strip()
        if not username:
            raise InvalidRequest("username missing", field="username")
        if len(username) > MAX_USERNAME:
            raise InvalidRequest("username too long", field="username", detail="too_long")
        flow = self._rules.auth_flow
        asks_password = flow not in {"CUSTOM_AUTH", "USER_AUTH"}
        if asks_password and not password:
            raise InvalidRequest("password missing", field="password")
        if flow == "CUSTOM_AUTH":
            password = ""  # plain CUSTOM_AUTH: the pool's triggers ask what they ask
        # None: the deployment's preference; "": none at all (the person asked for the choices).
        preferred = self._rules.preferred_challenge if preferred is None else (preferred or None)
        if preferred is not None and (flow != "USER_AUTH" or preferred not in driver.PREFERRED):
            raise InvalidRequest("preferred is not a first factor of this sign-in",
                                 field="preferred")
        if len(password) > MAX_PASSWORD:
            raise InvalidRequest("password too long", field="password", detail="too_long")
        if previous is not None:
            await self._journeys.delete(previous)

        began = asyncio.get_running_loop().time()
        attempt = await self._limits.start(context.ip, username)
        turn = self._turn(password, device)
        effects = driver.start(flow, username, turn, preferred)
        failed = code_sent = reset = False
        try:
            result = await self._run(effects, context, self._begin(effects), attempt)
            code_sent = _sends_code(result, starting=True)
        except PasswordResetRequired:
            reset = True  # the right password, and an administrator asked for a new one
        except AccountDisabled:
            failed = True
            if self._rules.reveal_disabled:
                raise
            await self._floor(began)
            raise InvalidCredentials("disabled account, answered as a wrong password") from None
        except (InvalidCredentials, TooManyAttempts) as refused:
            failed = True
            if not password and isinstance(refused, InvalidCredentials):
                # The one thing typed: the triggers refused it, and no password was asked.
                refused.field, refused.detail = "username", "username"
            await self._floor(began)
            raise
        finally:
            await attempt.settle(failed=failed, code_sent=code_sent)
        if reset:
            return await self._into_recovery(username, return_to, context)
        return await self._settle(Ticket.new(), Journey(username, return_to), result, turn,
                                  context)

    async def _into_recovery(self, username: str, return_to: str,
                             context: RequestContext) -> Outcome:
        """A password reset the pool asks for (PasswordResetRequiredException): straight into
        the forgotten-password journey, its step saying why."""
        outcome = await self.forgot_password(username, return_to, context)
        if isinstance(outcome, Pending):
            outcome.journey.notice = "password_reset_required"
            await self._journeys.save(outcome.ticket, outcome.journey)
        return outcome

    async def _floor(self, began: float) -> None:
        """Answer a refused password no sooner than the floor: an unknown name (refused at
        once by a LEGACY app client) then takes as long as a wrong password (an SRP exchange)."""
        remaining = began + self._rules.failure_floor - asyncio.get_running_loop().time()
        if remaining > 0:
            await asyncio.sleep(remaining)

    async def answer(
        self,
        ticket: Ticket | None,
        challenge: str,
        answers: Mapping[str, str],
        context: RequestContext,
        step: str | None = None,
    ) -> Outcome:
        """Answer the challenge the journey is waiting for. ``challenge`` (and ``step``, when
        given) must name it: an answer meant for another step (a stale tab, a replay) is
        refused without calling Cognito.

        A refusal that leaves the person on this step carries it in ``error.step`` (a
        :class:`Pending`), so a face can show the step again without reading the journey back.
        """
        if ticket is None:
            # Never started, or ended by a sign-out (which clears the flow cookie): say that,
            # not "that took too long".
            raise FlowExpired("no flow cookie", detail="no_flow")
        async with self._journeys.step(ticket):
            journey = await self._journeys.load(ticket)
            if journey is None or journey.challenge is None:
                raise FlowExpired("flow not found")
            current = journey.challenge
            here = Pending(ticket, journey, steps.prompt_for(current))
            try:
                if challenge != current.name.value or step not in (None, here.prompt.step):
                    raise ChallengeMismatch(
                        f"answer for another step while waiting for {current.name}"
                    )
                turn = self._turn()
                effects = driver.answer(current, answers, turn)
                # The driver validates the answers before its first effect; only a valid
                # answer reserves its place in the limits and is sent.
                begun = self._begin(effects)
                result = await self._answer(effects, context, begun, journey, current.username)
                if _not_accepted(result):
                    # A custom challenge asked again: a wrong answer, counted like a wrong
                    # code, though the triggers usually end the sign-in sooner.
                    journey.failures += 1
                    if journey.failures >= self._rules.max_code_attempts:
                        raise TooManyAttempts("too many answers not accepted in one flow")
            except WrongCode as wrong:
                journey.failures += 1
                if journey.failures >= self._rules.max_code_attempts:
                    await self._journeys.save(ticket, journey.restarted(TooManyAttempts.code))
                    raise TooManyAttempts("too many wrong codes in one flow") from wrong
                journey.notice = wrong.code  # the step's page says so until the next answer
                await self._journeys.save(ticket, journey)
                wrong.step = here
                raise
            except GatewayError as error:
                if error.restart:
                    await self._journeys.save(ticket, journey.restarted(error.code))
                else:
                    error.step = here
                raise
            return await self._settle(ticket, journey, result, turn, context)

    async def _answer(
        self,
        effects: Effects[driver.Result],
        context: RequestContext,
        begun: Effect | driver.Result,
        journey: Journey,
        internal: str,
    ) -> driver.Result:
        attempt = await self._limits.answer(context.ip, journey.username)
        failed = code_sent = False
        try:
            await attempt.cover(internal)
            result = await self._run(effects, context, begun, attempt)
            code_sent = _sends_code(result)
            # An answer a custom challenge did not accept is a failed answer for the limits
            # too: the triggers' own tries reset with every sign-in, the budgets do not.
            failed = _not_accepted(result)
            return result
        except WrongCode:
            failed = True
            raise
        finally:
            await attempt.settle(failed=failed, code_sent=code_sent)

    # --- reading a journey ------------------------------------------------------------------

    async def current(self, ticket: Ticket | None) -> Pending | None:
        """The step a journey is waiting on, to show its page again (GET)."""
        journey = await self._journeys.load(ticket)
        if ticket is None or journey is None or journey.challenge is None:
            return None
        return Pending(ticket, journey, steps.prompt_for(journey.challenge))

    async def notice(self, ticket: Ticket | None) -> Journey | None:
        """A journey that was sent back to the start, with its username and reason."""
        journey = await self._journeys.load(ticket)
        return journey if journey is not None and journey.challenge is None else None

    async def cancel(self, ticket: Ticket | None) -> None:
        if ticket is not None:
            await self._journeys.delete(ticket)

    async def restart(self, ticket: Ticket | None, notice: str) -> None:
        """Send a journey back to the login form, keeping its username and saying why
        (``notice``): how a person gets a new code, which Cognito sends only when a sign-in
        starts. No call to Cognito; a journey that is gone stays gone."""
        journey = await self._journeys.load(ticket)
        if ticket is not None and journey is not None:
            await self._journeys.save(ticket, journey.restarted(notice))

    # --- the account journeys: a sign-up, a forgotten password --------------------------------

    async def sign_up(
        self, username: str, password: str, attributes: Mapping[str, str], return_to: str,
        context: RequestContext, previous: Ticket | None = None,
    ) -> Outcome:
        """Create an account; the next step confirms it with the code Cognito sends. After the
        code the person is signed in when this deployment signs in by USER_AUTH (Cognito's
        sign-up Session), else sent to sign in with the name kept."""
        username = _checked_username(username)
        if not password:
            raise InvalidRequest("password missing", field="password")
        if len(password) > MAX_PASSWORD:
            raise InvalidRequest("password too long", field="password", detail="too_long")
        turn = self._turn(password)
        effects = accounts.sign_up(username, attributes, turn,
                                   then_sign_in=self._rules.auth_flow == "USER_AUTH")
        return await self._begin_journey(accounts.SIGN_UP, username, return_to, context,
                                         previous, effects, turn)

    async def forgot_password(
        self, username: str, return_to: str, context: RequestContext,
        previous: Ticket | None = None,
    ) -> Outcome:
        """"Forgot your password?": Cognito sends a code, the next step takes it with the new
        password, and the journey ends at the login form. The same answer for every name."""
        username = _checked_username(username)
        effects = accounts.forgot_password(username)
        return await self._begin_journey(accounts.RECOVERY, username, return_to, context,
                                         previous, effects, self._turn())

    async def _begin_journey(
        self, kind: str, username: str, return_to: str, context: RequestContext,
        previous: Ticket | None, effects: Effects[driver.Result], turn: Turn,
    ) -> Outcome:
        if previous is not None:
            await self._journeys.delete(previous)
        # A journey begins like a sign-in: one start of this client and this account, and a
        # code sent (the budgets that keep the gateway from being a mail and text cannon).
        attempt = await self._limits.start(context.ip, username)
        failed = code_sent = False
        try:
            result = await self._run(effects, context, self._begin(effects), attempt)
            code_sent = isinstance(result, driver.Waiting)
        except (InvalidCredentials, TooManyAttempts):
            failed = True
            raise
        finally:
            await attempt.settle(failed=failed, code_sent=code_sent)
        return await self._settle(Ticket.new(), Journey(username, return_to, kind=kind),
                                  result, turn, context)

    async def resend(self, ticket: Ticket | None, context: RequestContext) -> Outcome | None:
        """"Send a new code" on a journey's own step: sent again (counted as a code sent), the
        step kept. None for a sign-in, whose codes come only with a new start."""
        async with self._journeys.step(ticket) if ticket else _nothing():
            journey = await self._journeys.load(ticket)
            if (ticket is None or journey is None or journey.challenge is None
                    or journey.kind not in {accounts.SIGN_UP, accounts.RECOVERY}):
                return None
            attempt = await self._limits.start(context.ip, journey.username)
            effects = accounts.resend(journey.kind, journey.challenge)
            try:
                result = await self._run(effects, context, self._begin(effects), attempt)
            finally:
                await attempt.settle(failed=False, code_sent=True)
            return await self._settle(ticket, journey, result, self._turn(), context)

    # --- the I/O loop -----------------------------------------------------------------------

    @staticmethod
    def _begin(effects: Effects[driver.Result]) -> Effect | driver.Result:
        """Run the driver to its first effect (or its result, when it needs none)."""
        try:
            return next(effects)
        except StopIteration as finished:
            result: driver.Result = finished.value
            return result

    async def _run(
        self,
        effects: Effects[driver.Result],
        context: RequestContext,
        begun: Effect | driver.Result,
        attempt: Attempt,
    ) -> driver.Result:
        """Perform each effect and send its result back in (a failure is thrown back in, so a
        handler may recover), until the driver returns. Every answer sent to Cognito is first
        covered by the failure budgets of the account it names."""
        step = begun
        while not isinstance(step, driver.Waiting | Tokens | driver.Finished):
            try:
                if isinstance(step, InitiateAuth | RespondToChallenge):
                    await attempt.cover(step.username)
                result = await self._perform(step, context)
            except GatewayError as error:
                step = _resume(effects.throw, error)
            else:
                step = _resume(effects.send, result)
        return step

    async def _perform(self, effect: Effect, context: RequestContext) -> Any:
        cognito = self._cognito
        match effect:
            case Compute(function, arguments):
                # 3072-bit modular exponentiation takes milliseconds; in a worker thread
                # (gmpy2 drops the GIL) it does not hold up every other request.
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, function, *arguments)
            case InitiateAuth(flow, username, parameters, session):
                return await cognito.initiate_auth(flow, username, parameters, context, session)
            case AccountCall(operation, username, parameters):
                return await cognito.account_call(operation, username, parameters, context)
            case RespondToChallenge(name, username, responses, session):
                return await cognito.respond(name, username, responses, session, context)
            case AssociateSoftwareToken(session):
                return await cognito.associate_software_token(session)
            case VerifySoftwareToken(session, code):
                return await cognito.verify_software_token(session, code)
            case ConfirmDevice(access_token, device_key, verifier, salt):
                return await cognito.confirm_device(access_token, device_key, verifier, salt)
            case RememberDevice(access_token, device_key):
                return await cognito.remember_device(access_token, device_key)

    async def _settle(
        self, ticket: Ticket, journey: Journey, result: driver.Result, turn: Turn,
        context: RequestContext | None = None,
    ) -> Outcome:
        if isinstance(result, Tokens):
            # The device this session signed in with (or just remembered), for later refresh.
            used = turn.device if turn.device_used else None
            device = turn.remembered or used
            # Checked against the pool's keys before anything of them is kept.
            claims = await self._verifier.verify(result)
            session = UserSession.from_tokens(result, device.key if device else None,
                                              user=user_from_claims(claims))
            session_ticket = await self._sessions.create(session, context)
            await self._journeys.delete(ticket)
            log.info("signed in", extra={"sub": session.user.get("sub"),
                                         "device": "remembered" if turn.remembered else
                                         "used" if used else "none"})
            return SignedIn(session_ticket, session, journey.return_to, turn.remembered,
                            journey.username)
        if isinstance(result, driver.Finished):
            # Back to the login form, the name kept, saying why (a password changed...).
            back = Journey(journey.username, journey.return_to, notice=result.notice)
            await self._journeys.save(ticket, back)
            log.info("journey finished", extra={"kind": journey.kind, "notice": result.notice})
            return Finished(ticket, back)
        journey.challenge = result.challenge
        journey.notice = None
        await self._journeys.save(ticket, journey)
        log.info("challenge", extra={"challenge": result.challenge.name.value,
                                     "view": result.prompt.step})
        return Pending(ticket, journey, result.prompt, forget_device=turn.device_refused)


def _checked_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise InvalidRequest("username missing", field="username")
    if len(username) > MAX_USERNAME:
        raise InvalidRequest("username too long", field="username", detail="too_long")
    return username


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def _resume(resume: Callable[[Any], Effect], value: Any) -> Effect | driver.Result:
    """Send (or throw) ``value`` into the driver: its next effect, or its result."""
    try:
        return resume(value)
    except StopIteration as finished:
        result: driver.Result = finished.value
        return result


def _sends_code(result: driver.Result, *, starting: bool = False) -> bool:
    """Whether Cognito just sent a code. A custom challenge may have (its trigger decides): the
    first one of a sign-in is counted, as triggers usually send one code and reuse it."""
    if not isinstance(result, driver.Waiting):
        return False
    name = result.challenge.name
    return name in _CODE_SENT or (starting and name is ChallengeName.CUSTOM_CHALLENGE)


def _not_accepted(result: driver.Result) -> bool:
    return isinstance(result, driver.Waiting) and result.prompt.notice == NOT_ACCEPTED
