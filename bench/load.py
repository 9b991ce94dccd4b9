"""The load client: complete SRP + TOTP sign-ins through the gateway's JSON API.

Each simulated browser is its own aiohttp session (its own cookie jar and keep-alive
connection) and signs in as an SPA would: ``POST /auth/login`` with username and password, then
``POST /auth/challenge`` with the TOTP code an authenticator app would show at that moment.

With a remembered device (:class:`RememberedDevices`), each user is first signed in once that
way by a gateway that remembers every device (not measured), and the sealed device cookie the
gateway sets is kept; from then on a sign-in is ``POST /auth/login`` alone, presenting that
cookie: the gateway answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER itself and replies
``{"status": "authenticated"}``, no MFA step. The session cookie is discarded after each
sign-in (not signed out). The device stays usable: a sign-in with a known device gets no
NewDeviceMetadata, so the gateway confirms nothing and writes no new device cookie.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
import pyotp
from yarl import URL

from bench.seed import PASSWORD, BenchUser

API_HEADERS = {"X-CSRF": "1"}
TOTP_STEP = 30  # seconds; RFC 6238's default, which Cognito and the emulator use


class SignInFailed(Exception):
    pass


class Authenticators:
    """TOTP codes for the seeded users, one code per user per 30-second step.

    A code is refused once its user has spent a code from that step or a later one, so users
    are handed out least recently used first, and a user whose last code is from the current
    step is not handed out again until the step changes.
    """

    def __init__(self, users: Sequence[BenchUser], clock_offset: float = 0.0) -> None:
        self._queue = deque(users)
        self._totp = {user.username: pyotp.TOTP(user.totp_secret) for user in users}
        self._last_step: dict[str, int] = {}
        self._offset = clock_offset  # the emulator's clock offset, so codes match its "now"
        self.waits = 0  # how often every user had already signed in during the current step

    def _now(self) -> float:
        return time.time() + self._offset

    async def take(self) -> BenchUser:
        while True:
            user = self._queue[0]
            if self._last_step.get(user.username, -1) < int(self._now()) // TOTP_STEP:
                self._queue.rotate(-1)
                return user
            # Not enough users for this rate: wait for the next step (and report it).
            self.waits += 1
            await asyncio.sleep(TOTP_STEP - self._now() % TOTP_STEP + 0.05)

    def code(self, user: BenchUser) -> str:
        now = self._now()
        self._last_step[user.username] = int(now) // TOTP_STEP
        return str(self._totp[user.username].at(int(now)))


@dataclass
class BatchResult:
    completed: int = 0
    wall_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # whole sign-in, all requests


async def _post(
    session: aiohttp.ClientSession, url: str, body: dict[str, object]
) -> dict[str, object]:
    async with session.post(url, json=body, headers=API_HEADERS) as reply:
        answer = await reply.json()
        if reply.status != 200 or not isinstance(answer, dict):
            raise SignInFailed(f"{url} -> {reply.status} {answer}")
        return answer


async def sign_in(session: aiohttp.ClientSession, base_url: str, user: BenchUser,
                  authenticators: Authenticators) -> None:
    session.cookie_jar.clear()  # a new visitor each time: no flow or session cookie
    first = await _post(session, f"{base_url}/auth/login",
                        {"username": user.username, "password": PASSWORD})
    challenge = first.get("challenge")
    if first.get("status") != "challenge" or not isinstance(challenge, dict) or (
        challenge.get("name") != "SOFTWARE_TOKEN_MFA"
    ):
        raise SignInFailed(f"expected the TOTP challenge, got {first}")
    second = await _post(session, f"{base_url}/auth/challenge", {
        "challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": authenticators.code(user)},
    })
    if second.get("status") != "authenticated":
        raise SignInFailed(f"expected to be signed in, got {second}")


DEVICE_COOKIES = ("__Host-gw-device", "gw-device")  # with and without secure cookies


class NoDeviceCookie(SignInFailed):
    """The gateway signed the person in but set no device cookie: it does not remember devices
    (an older checkout, or GATEWAY_REMEMBER_DEVICES off)."""


def _device_cookie(session: aiohttp.ClientSession) -> tuple[str, str] | None:
    for morsel in session.cookie_jar:
        if morsel.key in DEVICE_COOKIES and morsel.value:
            return morsel.key, morsel.value
    return None


async def remember_device(session: aiohttp.ClientSession, base_url: str, user: BenchUser,
                          authenticators: Authenticators) -> tuple[str, str]:
    """A full sign-in (SRP, then TOTP) by a gateway that remembers the device; returns the
    device cookie (name, value) it set."""
    await sign_in(session, base_url, user, authenticators)
    cookie = _device_cookie(session)
    session.cookie_jar.clear()
    if cookie is None:
        raise NoDeviceCookie(f"{base_url}: signed in as {user.username}, but no device cookie")
    return cookie


async def device_sign_in(session: aiohttp.ClientSession, base_url: str, user: BenchUser,
                         cookie: tuple[str, str]) -> None:
    """A sign-in with a remembered device: one ``POST /auth/login`` presenting the device
    cookie, answered without MFA."""
    session.cookie_jar.clear()  # no flow or session cookie: only the device cookie
    name, value = cookie
    session.cookie_jar.update_cookies({name: value}, URL(base_url))
    answer = await _post(session, f"{base_url}/auth/login",
                         {"username": user.username, "password": PASSWORD})
    if answer.get("status") != "authenticated":
        raise SignInFailed(f"expected the remembered device to sign {user.username} in "
                           f"without MFA, got {answer}")


class RememberedDevices:
    """Users of the device pool, each with the device cookie one gateway set for it, handed
    out least recently used first (no user signs in twice at once while there are more users
    than browsers)."""

    def __init__(self, users: Sequence[BenchUser]) -> None:
        self.users = list(users)
        self._queue: deque[tuple[BenchUser, tuple[str, str]]] = deque()

    async def set_up(self, load: LoadClient) -> None:
        """Sign every user in once with TOTP through ``load``'s gateway; keep the cookies."""
        pending = deque(self.users)

        async def browser(session: aiohttp.ClientSession) -> None:
            while pending:
                user = pending.popleft()
                cookie = await remember_device(session, load.base_url, user,
                                               load.authenticators)
                self._queue.append((user, cookie))

        await asyncio.gather(*(browser(session) for session in load.sessions))

    def take(self) -> tuple[BenchUser, tuple[str, str]]:
        entry = self._queue[0]
        self._queue.rotate(-1)
        return entry


class LoadClient:
    """``concurrency`` browsers signing in back to back until a batch's count is reached:
    password + TOTP sign-ins, or, given ``devices``, sign-ins with a remembered device."""

    def __init__(self, base_url: str, authenticators: Authenticators, concurrency: int,
                 devices: RememberedDevices | None = None) -> None:
        self.base_url = base_url
        self.authenticators = authenticators
        self.concurrency = concurrency
        self.devices = devices
        self._sessions: list[aiohttp.ClientSession] = []

    @property
    def sessions(self) -> list[aiohttp.ClientSession]:
        return self._sessions

    async def __aenter__(self) -> LoadClient:
        for _ in range(self.concurrency):
            # unsafe=True: the gateway is at 127.0.0.1, and aiohttp's jar otherwise ignores
            # cookies set by an IP address.
            jar = aiohttp.CookieJar(unsafe=True)
            self._sessions.append(aiohttp.ClientSession(
                cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=30)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self._sessions:
            await session.close()

    async def batch(self, count: int) -> BatchResult:
        result = BatchResult()
        remaining = count

        async def browser(session: aiohttp.ClientSession) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                if self.devices is not None:
                    user, cookie = self.devices.take()
                    started = time.perf_counter()
                    await device_sign_in(session, self.base_url, user, cookie)
                else:
                    user = await self.authenticators.take()
                    started = time.perf_counter()
                    await sign_in(session, self.base_url, user, self.authenticators)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.completed += 1

        started = time.perf_counter()
        await asyncio.gather(*(browser(session) for session in self._sessions))
        result.wall_seconds = time.perf_counter() - started
        return result
