"""One sign-in step: load the flow, call Cognito, work out the next step, store it.

This is the seam shared by the hosted pages (:mod:`gateway.views`) and the JSON API
(:mod:`gateway.api`): both call :meth:`SignInFlow.start` and :meth:`SignInFlow.answer` and only
render the :data:`Outcome` differently. No challenge-specific logic lives in either face.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from gateway.cognito.client import Cognito
from gateway.config import Settings
from gateway.errors import (
    ChallengeMismatch,
    CodeAlreadyUsed,
    FlowExpired,
    GatewayError,
    InvalidCode,
    InvalidRequest,
    TooManyAttempts,
    UpstreamUnavailable,
)
from gateway.security.client import RequestContext
from gateway.security.limits import Limits
from gateway.security.signing import Ticket
from gateway.session.store import Sessions, UserSession
from gateway.signin import model as ch
from gateway.signin import srp
from gateway.signin.journey import Flow, Flows

log = logging.getLogger("gateway.flow")
P = ParamSpec("P")
T = TypeVar("T")

MAX_USERNAME = 128  # Cognito's UsernameType
MAX_PASSWORD = 256  # Cognito's PasswordType


@dataclass(frozen=True, slots=True)
class Pending:
    """Cognito is waiting for the person to answer ``prompt``."""

    ticket: Ticket
    flow: Flow
    prompt: ch.Prompt


@dataclass(frozen=True, slots=True)
class SignedIn:
    ticket: Ticket  # the new session's ticket
    session: UserSession
    return_to: str


Outcome = Pending | SignedIn


class SignInFlow:
    def __init__(
        self,
        *,
        settings: Settings,
        cognito: Cognito,
        flows: Flows,
        sessions: Sessions,
        limits: Limits,
        executor: Executor | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._cognito = cognito
        self._flows = flows
        self._sessions = sessions
        self._limits = limits
        self._executor = executor
        self._clock = clock

    async def _offload(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        # 3072-bit modular exponentiation takes milliseconds; in a worker thread (gmpy2 drops
        # the GIL) it does not hold up every other request on the event loop.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    # --- first factor -----------------------------------------------------------------------

    async def start(
        self,
        username: str,
        password: str,
        return_to: str,
        context: RequestContext,
        previous: Ticket | None = None,
    ) -> Outcome:
        """Begin a new sign-in with a username and password.

        Every attempt gets a fresh flow id; a flow the browser was carrying is discarded.
        """
        username = username.strip()
        if not username or len(username) > MAX_USERNAME:
            raise InvalidRequest("username missing or too long", field="username")
        if not password or len(password) > MAX_PASSWORD:
            raise InvalidRequest("password missing or too long", field="password")
        if previous is not None:
            await self._flows.delete(previous)

        await self._limits.start(context.ip, username)
        try:
            response = await self._first_factor(username, password, context)
        except GatewayError as error:
            if error.code in {"invalid_credentials", "too_many_attempts"}:
                await self._limits.failed(context.ip, username)
            raise
        flow = Flow(username=username, return_to=return_to)
        return await self._advance(Ticket.new(), flow, response)

    async def _first_factor(
        self, username: str, password: str, context: RequestContext
    ) -> dict[str, Any]:
        cognito = self._cognito
        if self._settings.auth_flow == "USER_PASSWORD_AUTH":
            return await cognito.initiate_auth(
                "USER_PASSWORD_AUTH", username, {"PASSWORD": password}, context
            )
        ephemeral = await self._offload(srp.new_ephemeral)
        response = await cognito.initiate_auth(
            "USER_SRP_AUTH", username, {"SRP_A": ephemeral.srp_a}, context
        )
        step = self._read(response, username)
        if not (isinstance(step, ch.Challenge) and step.name is ch.ChallengeName.PASSWORD_VERIFIER):
            return response
        claim = await self._offload(
            srp.password_claim,
            self._settings.pool_name,
            step.parameters,
            password,
            ephemeral,
            self._clock(),
        )
        return await cognito.respond(step.name, step.username, claim, step.session, context)

    # --- later steps ------------------------------------------------------------------------

    async def answer(
        self,
        ticket: Ticket | None,
        challenge: str,
        answers: dict[str, str],
        context: RequestContext,
        view: str | None = None,
    ) -> Outcome:
        """Answer the challenge the flow is waiting for. ``challenge`` (and ``view``, for a page)
        must name it: an answer meant for another step (a stale tab, a replay) is refused
        without calling Cognito."""
        if ticket is None:
            raise FlowExpired("no flow cookie")
        async with self._flows.step(ticket):
            flow = await self._flows.load(ticket)
            if flow is None or flow.challenge is None:
                raise FlowExpired("flow not found")
            current = flow.challenge
            prompt = ch.prompt_for(current)
            if challenge != current.name.value or view not in (None, prompt.view):
                raise ChallengeMismatch(f"answer for another step while waiting for {current.name}")
            action = ch.plan(prompt, current, answers)
            await self._limits.check(context.ip, flow.username)
            try:
                return await self._act(ticket, flow, action, context)
            except (InvalidCode, CodeAlreadyUsed) as wrong:
                await self._limits.failed(context.ip, flow.username)
                flow.failures += 1
                if flow.failures >= self._settings.max_code_attempts:
                    await self._restart(ticket, flow, TooManyAttempts.code)
                    raise TooManyAttempts("too many wrong codes in one flow") from wrong
                await self._flows.save(ticket, flow)
                raise
            except GatewayError as error:
                if error.restart:
                    await self._restart(ticket, flow, error.code)
                raise

    async def _act(
        self, ticket: Ticket, flow: Flow, action: ch.Action, context: RequestContext
    ) -> Outcome:
        current = flow.challenge
        assert current is not None
        match action:
            case ch.Respond(responses):
                response = await self._cognito.respond(
                    current.name, current.username, responses, current.session, context
                )
            case ch.Stay(challenge):
                return await self._wait(ticket, flow, challenge)
            case ch.BeginTotpSetup():
                return await self._wait(ticket, flow, await self._begin_totp(current))
            case ch.FinishTotpSetup(code):
                session = await self._cognito.verify_software_token(self._session(current), code)
                flow.challenge = replace(current, session=session)
                response = await self._cognito.respond(
                    current.name, current.username, {}, session, context
                )
        return await self._advance(ticket, flow, response)

    async def _begin_totp(self, challenge: ch.Challenge) -> ch.Challenge:
        secret, session = await self._cognito.associate_software_token(self._session(challenge))
        return replace(
            challenge,
            session=session,
            setup_method=ch.ChallengeName.SOFTWARE_TOKEN_MFA,
            setup_secret=secret,
        )

    # --- moving on --------------------------------------------------------------------------

    def _read(self, response: dict[str, Any], username: str) -> ch.Step:
        try:
            return ch.next_step(response, username)
        except ch.ProtocolError as error:
            raise UpstreamUnavailable(str(error)) from None

    async def _advance(self, ticket: Ticket, flow: Flow, response: dict[str, Any]) -> Outcome:
        known = flow.challenge.username if flow.challenge else flow.username
        step = self._read(response, known)
        if isinstance(step, ch.Tokens):
            session = UserSession.from_tokens(step)
            session_ticket = await self._sessions.create(session)
            await self._flows.delete(ticket)
            log.info("signed in", extra={"sub": session.user.get("sub")})
            return SignedIn(session_ticket, session, flow.return_to)
        if step.name is ch.ChallengeName.PASSWORD_VERIFIER:
            raise UpstreamUnavailable("PASSWORD_VERIFIER outside the password step")
        flow.notice = None
        method = ch.automatic_setup(step)
        if method is not None:
            # Only one way to enrol: start it rather than ask the person to pick from one.
            match ch.choose_setup(step, method):
                case ch.BeginTotpSetup():
                    step = await self._begin_totp(step)
                case ch.Stay(challenge):
                    step = challenge
        return await self._wait(ticket, flow, step)

    async def _wait(self, ticket: Ticket, flow: Flow, challenge: ch.Challenge) -> Pending:
        prompt = ch.prompt_for(challenge)  # refuses challenges we cannot ask before storing
        flow.challenge = challenge
        await self._flows.save(ticket, flow)
        log.info("challenge", extra={"challenge": challenge.name.value, "view": prompt.view})
        return Pending(ticket, flow, prompt)

    async def _restart(self, ticket: Ticket, flow: Flow, notice: str) -> None:
        """Back to the login form, keeping the username and saying why."""
        fresh = Flow(username=flow.username, return_to=flow.return_to, notice=notice)
        await self._flows.save(ticket, fresh)

    @staticmethod
    def _session(challenge: ch.Challenge) -> str:
        if not challenge.session:
            raise UpstreamUnavailable(f"{challenge.name} arrived without a Session")
        return challenge.session

    async def current(self, ticket: Ticket | None) -> Pending | None:
        """The step a flow is waiting on, to show its page again (GET)."""
        flow = await self._flows.load(ticket)
        if ticket is None or flow is None or flow.challenge is None:
            return None
        return Pending(ticket, flow, ch.prompt_for(flow.challenge))

    async def notice(self, ticket: Ticket | None) -> Flow | None:
        """A flow that was sent back to the start, with its username and reason."""
        flow = await self._flows.load(ticket)
        return flow if flow is not None and flow.challenge is None else None

    async def cancel(self, ticket: Ticket | None) -> None:
        if ticket is not None:
            await self._flows.delete(ticket)

