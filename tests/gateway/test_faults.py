"""The faults the gateway must survive (security.md, "Faults it must survive"), made for real on
one machine: a private redis-server that is stopped and started, a TCP relay that slows Redis
down or cuts it off, the emulator's fault injection for Cognito, a closed port, and a second
gateway instance taking over a flow from the first.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from yarl import URL

from tests.demo import PASSWORD, SIGNING_KEY
from tests.gateway.drivers import (
    API_HEADERS,
    Driver,
    GatewayFactory,
    HtmlDriver,
    JsonDriver,
    Step,
    drive,
)
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import error_code
from tests.servers import RedisServer, free_port

STORE_DOWN_TEXT = "Sign-in is temporarily unavailable. Please try again in a few seconds."
COGNITO_DOWN_TEXT = "Sign-in is temporarily unavailable. Please try again."
FLOW_EXPIRED_TEXT = "That took too long, please sign in again."
NEWER_SIGNING_KEY = "rotated-signing-key-abcdefghijklmnop012345"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop and start without disturbing the others."""
    server = RedisServer()
    server.start()
    yield server
    server.close()


class SlowLink:
    """A TCP relay in front of redis-server that holds every reply for ``delay`` seconds (a
    slow network or a stalled Redis, as the gateway's client sees it), and that can drop off
    the network and come back on the same port (a blip, with Redis' data intact behind it)."""

    def __init__(self, target_port: int, delay: float = 0.0) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in self._writers:
            writer.close()
        for task in self._connections:
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        self._writers.clear()
        self._connections.clear()

    async def _relay(self, client_reader: asyncio.StreamReader,
                     client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(client_writer)
        try:
            redis_reader, redis_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            client_writer.close()
            return
        self._writers.add(redis_writer)
        await asyncio.gather(self._pipe(client_reader, redis_writer, slow=False),
                             self._pipe(redis_reader, client_writer, slow=True))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                    slow: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if slow and self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        except OSError:
            pass  # the other side went away; closing ours passes that on
        finally:
            writer.close()


@pytest.fixture
async def slow_link(own_redis: RedisServer) -> AsyncIterator[SlowLink]:
    link = SlowLink(own_redis.port)
    await link.start()
    yield link
    await link.stop()


# --- small readers for what a browser or an SPA gets back ------------------------------------


async def json_error(response: ClientResponse) -> dict[str, Any]:
    assert response.content_type == "application/json"
    body = await response.json()
    return dict(body["error"])


async def assert_store_unavailable(response: ClientResponse) -> None:
    """503 with Retry-After, a plain sentence and a reference, and nothing internal."""
    assert response.status == 503
    assert int(response.headers["Retry-After"]) > 0
    text = await response.text()
    assert "Traceback" not in text and "redis" not in text.lower()
    if response.content_type == "application/json":
        error = await json_error(response)
        assert error["code"] == "store_unavailable"
        assert error["message"] == STORE_DOWN_TEXT
        assert error["request_id"] == response.headers["X-Request-Id"]
    else:
        assert error_code(text) == "store_unavailable"
        assert response.headers["X-Request-Id"] in text


async def health(client: TestClient) -> tuple[int, int]:
    live = await client.get("/healthz")
    ready = await client.get("/readyz")
    return live.status, ready.status


def invalid_fields(step: Step) -> list[str]:
    assert step.page is not None
    return [e.get("name", "") for e in step.page.elements_named("input")
            if e.get("aria-invalid") == "true"]


async def post_answer(driver: Driver, step: Step, answers: dict[str, str]) -> ClientResponse:
    """Answer a step and return the raw response, for answers that end in an error page."""
    if isinstance(driver, HtmlDriver):
        assert step.page is not None and step.view is not None
        return await driver.submit(step.page, f"/login/{step.view}", answers)
    assert isinstance(driver, JsonDriver)
    return await driver.client.post(
        "/auth/challenge", json={"challenge": step.challenge, "answers": answers},
        headers=API_HEADERS,
    )


# --- Redis down at start -----------------------------------------------------------------------


async def test_redis_down_at_start_answers_503_then_recovers(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    redis = RedisServer()  # a port nothing listens on yet
    try:
        client = await make_gateway(redis_url=redis.url, redis_timeout="0.25")

        assert await health(client) == (200, 503)
        ready = await client.get("/readyz")
        assert int(ready.headers["Retry-After"]) > 0
        if face == "html":
            # No form is offered that nobody could accept.
            await assert_store_unavailable(await client.get("/login"))
        else:
            # An SPA's first question, and its first sign-in attempt.
            await assert_store_unavailable(await client.get("/auth/session", headers=API_HEADERS))
            refused = await client.post("/auth/login", headers=API_HEADERS,
                                        json={"username": "password-user", "password": PASSWORD})
            await assert_store_unavailable(refused)
        assert (await hooks.calls()) == []  # nothing reached Cognito

        redis.start()  # no gateway restart
        assert await health(client) == (200, 200)
        driver = drive(client, face)
        assert (await driver.login("password-user", PASSWORD)).signed_in
    finally:
        redis.close()


# --- Redis goes away while someone signs in ---------------------------------------------------


async def test_redis_dies_mid_flow_then_sign_in_starts_again(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, own_redis: RedisServer, face: str
) -> None:
    driver = drive(await make_gateway(redis_url=own_redis.url, redis_timeout="0.25"), face)
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    own_redis.stop()
    calls_before = len(await hooks.calls())

    await assert_store_unavailable(
        await post_answer(driver, step, {"code": await hooks.totp("totp-user")})
    )
    assert len(await hooks.calls()) == calls_before  # no answer sent without its flow
    assert await health(driver.client) == (200, 503)

    own_redis.start()  # empty: the flow went with the old process
    assert await health(driver.client) == (200, 200)
    expired = await driver.answer(step, {"code": await hooks.totp("totp-user")})
    if isinstance(driver, HtmlDriver):
        assert expired.view == "login"
        assert expired.page is not None and FLOW_EXPIRED_TEXT in expired.page.text
    else:
        assert (expired.status, expired.error) == (410, "flow_expired")
        assert expired.parameters["restart"] is True
    assert len(await hooks.calls()) == calls_before

    fresh = await driver.login("totp-user", PASSWORD)
    assert (await driver.answer(fresh, {"code": await hooks.totp("totp-user")})).signed_in


async def test_redis_blip_mid_flow_keeps_the_flow(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, slow_link: SlowLink, face: str
) -> None:
    driver = drive(await make_gateway(redis_url=slow_link.url, redis_timeout="0.25"), face)
    step = await driver.login("sms-user", PASSWORD)
    code = await hooks.latest_code("sms-user")
    await slow_link.stop()

    await assert_store_unavailable(await post_answer(driver, step, {"code": code}))

    await slow_link.start()  # same port, Redis and its data never went away
    assert (await driver.answer(step, {"code": code})).signed_in


async def test_signed_in_requests_are_refused_not_anonymous_while_redis_is_down(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, own_redis: RedisServer, face: str
) -> None:
    driver = drive(await make_gateway(redis_url=own_redis.url, redis_timeout="0.25"), face)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    own_redis.stop()

    if face == "html":
        # Neither the signed-in page without a check, nor "you are not signed in".
        response = await driver.client.get("/", allow_redirects=False)
    else:
        response = await driver.client.get("/auth/session", headers=API_HEADERS)
    await assert_store_unavailable(response)
    assert not response.cookies  # the session cookie is kept for when Redis is back


# --- Redis slow -----------------------------------------------------------------------------


async def test_slow_redis_is_bounded_by_its_timeout_and_the_loop_keeps_answering(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, slow_link: SlowLink
) -> None:
    timeout = 0.3
    client = await make_gateway(redis_url=slow_link.url, redis_timeout=str(timeout))
    slow_link.delay = 5.0  # far longer than anyone should wait

    started = time.monotonic()
    login = asyncio.create_task(client.post(
        "/auth/login", headers=API_HEADERS,
        json={"username": "password-user", "password": PASSWORD},
    ))
    probes: list[float] = []
    while not login.done():
        probe_started = time.monotonic()
        live = await client.get("/healthz")
        assert live.status == 200
        probes.append(time.monotonic() - probe_started)
        await asyncio.sleep(0.02)
    response = await login
    elapsed = time.monotonic() - started

    await assert_store_unavailable(response)
    # One attempt and the one reconnect the client allows, each cut off by the timeout.
    assert elapsed < 2 * timeout + 0.5
    # A client that blocked the event loop would hold every probe for a whole timeout.
    assert len(probes) >= 5 and max(probes) < timeout / 2
    ready_started = time.monotonic()
    assert (await client.get("/readyz")).status == 503
    assert time.monotonic() - ready_started < 2 * timeout + 0.5


async def test_redis_slower_than_usual_but_within_its_timeout_still_signs_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, slow_link: SlowLink, face: str
) -> None:
    slow_link.delay = 0.05
    driver = drive(await make_gateway(redis_url=slow_link.url, redis_timeout="1"), face)
    step = await driver.login("sms-user", PASSWORD)
    assert (await driver.answer(step, {"code": await hooks.latest_code("sms-user")})).signed_in


# --- Redis fails over --------------------------------------------------------------------------


class FailoverSet:
    """A master, its replica and one sentinel watching them (quorum 1, 200 ms to call the
    master dead): the smallest set of local redis-servers that fails over by itself."""

    SERVICE = "gateway"

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server") or "redis-server"
        self.dir = Path(tempfile.mkdtemp(prefix="gw-failover-"))
        self.master_port, self.replica_port, self.sentinel_port = (free_port() for _ in "mrs")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{self.SERVICE}/0"

    def _spawn(self, name: str, *arguments: str) -> None:
        self.processes[name] = subprocess.Popen(
            [self.binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def _server(self, port: int, *extra: str) -> tuple[str, ...]:
        return ("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.dir), "--dbfilename", f"{port}.rdb", *extra)

    def start(self) -> None:
        # Redis waits five seconds for more replicas before a full sync, by default.
        self._spawn("master", *self._server(self.master_port, "--repl-diskless-sync-delay", "0"))
        self._spawn("replica", *self._server(
            self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port)))
        # A sentinel learns of replicas from the master's INFO, which it reads at once and then
        # only every ten seconds: start it after the replica has attached.
        self._until(self._linked, "the replica to sync")
        config = self.dir / "sentinel.conf"  # sentinel rewrites its own file
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {self.dir}\n"
            f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {self.SERVICE} 200\n"
            f"sentinel failover-timeout {self.SERVICE} 2000\n"
        )
        self._spawn("sentinel", str(config), "--sentinel")
        self._until(self._watched, "the sentinel to see the replica")

    def _linked(self) -> bool:
        with redis.Redis(port=self.replica_port, socket_timeout=0.5) as replica:
            return bool(replica.info("replication").get("master_link_status") == "up")

    def _watched(self) -> bool:
        with redis.Redis(port=self.sentinel_port, socket_timeout=0.5) as sentinel:
            return bool(sentinel.sentinel_slaves(self.SERVICE))

    @staticmethod
    def _until(ready: Any, what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except redis.RedisError:
                pass  # not listening yet
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what}")

    def replicated(self) -> None:
        """Wait until the replica holds every write made so far (WAIT counts from this
        client's own last write, so make one)."""
        with redis.Redis(port=self.master_port) as master:
            master.set("failover-test:marker", "1")
            assert master.wait(1, 2000) == 1

    def kill_master(self) -> None:
        process = self.processes.pop("master")
        process.kill()
        process.wait(timeout=10)

    def close(self) -> None:
        for process in self.processes.values():
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def failover_set() -> Iterator[FailoverSet]:
    servers = FailoverSet()
    try:
        servers.start()
        yield servers
    finally:
        servers.close()


async def test_redis_failover_is_503_for_the_window_then_the_flow_continues(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, failover_set: FailoverSet
) -> None:
    driver = JsonDriver(await make_gateway(redis_url=failover_set.url, redis_timeout="0.25"))
    step = await driver.login("sms-user", PASSWORD)
    code = await hooks.latest_code("sms-user")
    failover_set.replicated()
    failover_set.kill_master()
    killed = time.monotonic()

    outage: list[float] = []
    while (response := await post_answer(driver, step, {"code": code})).status == 503:
        await assert_store_unavailable(response)
        outage.append(time.monotonic() - killed)
        assert outage[-1] < 10, "the gateway did not follow the promoted replica"
        await asyncio.sleep(0.1)

    assert outage, "answers during the failover window are refused, not lost"
    assert response.status == 200
    assert (await response.json())["status"] == "authenticated"  # the flow survived
    assert await driver.session() is not None
    assert (await driver.client.get("/readyz")).status == 200


# --- Cognito slow, busy, failing or unreachable -----------------------------------------------


async def test_cognito_timeout_on_an_answer_is_not_retried(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await make_gateway(cognito_read_timeout="0.3"), face)
    step = await driver.login("totp-user", PASSWORD)
    answers_before = len(await hooks.calls("RespondToAuthChallenge"))
    await hooks.fault("RespondToAuthChallenge", latency_ms=1500)

    started = time.monotonic()
    timed_out = await driver.answer(step, {"code": await hooks.totp("totp-user")})
    elapsed = time.monotonic() - started

    assert (timed_out.status, timed_out.error) == (504, "upstream_timeout")
    assert elapsed < 1.2  # the read timeout, not Cognito's pace
    if isinstance(driver, HtmlDriver):
        assert timed_out.page is not None and error_code(timed_out.page) == "upstream_timeout"
        assert not invalid_fields(timed_out)
    # Cognito may have consumed the Session: the answer went once and was not sent again.
    assert len(await hooks.calls("RespondToAuthChallenge")) == answers_before + 1


async def test_cognito_timeout_at_login_keeps_the_username(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await make_gateway(cognito_read_timeout="0.3"), face)
    await hooks.fault("InitiateAuth", latency_ms=1000)

    step = await driver.login("password-user", PASSWORD)

    assert (step.status, step.error) == (504, "upstream_timeout")
    assert len(await hooks.calls("InitiateAuth")) == 1
    if isinstance(driver, HtmlDriver):
        assert step.page is not None
        assert step.page.form("/login").fields["username"] == "password-user"
        assert error_code(step.page) == "upstream_timeout"


async def test_cognito_throttling_is_busy_not_a_failed_attempt(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    # Limits low enough that counting throttled calls as failures would lock the person out.
    driver = drive(
        await make_gateway(user_failure_limit="2", ip_failure_limit="2", max_code_attempts="2"),
        face,
    )
    await hooks.fault("InitiateAuth", error="TooManyRequestsException", count=3)
    for _ in range(3):
        busy = await driver.login("totp-user", PASSWORD)
        assert (busy.status, busy.error) == (503, "service_busy")
        last = driver.responses[-1]
        assert int(last.headers["Retry-After"]) > 0
        if isinstance(driver, HtmlDriver):
            assert busy.page is not None and error_code(busy.page) == "service_busy"

    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    await hooks.fault("RespondToAuthChallenge", error="TooManyRequestsException", count=2)
    for _ in range(2):
        busy = await driver.answer(step, {"code": await hooks.totp("totp-user")})
        assert (busy.status, busy.error, busy.view) == (503, "service_busy", "authenticator-code")
        assert int(driver.responses[-1].headers["Retry-After"]) > 0
        step = busy if busy.page else step
    # One call per attempt, no hidden retries.
    assert len(await hooks.calls("InitiateAuth")) == 4
    assert (await driver.answer(step, {"code": await hooks.totp("totp-user")})).signed_in


async def test_cognito_internal_error_is_502_with_a_reference(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await make_gateway(), face)
    await hooks.fault("InitiateAuth", error="InternalErrorException")

    step = await driver.login("password-user", PASSWORD)

    assert (step.status, step.error) == (502, "upstream_unavailable")
    assert len(await hooks.calls("InitiateAuth")) == 1  # a 500 is not retried behind our back
    response = driver.responses[-1]
    request_id = response.headers["X-Request-Id"]
    if isinstance(driver, HtmlDriver):
        assert step.page is not None
        assert error_code(step.page) == "upstream_unavailable"
        assert request_id in step.page.text  # what the person can quote to support
        assert step.page.form("/login").fields["username"] == "password-user"
        assert not invalid_fields(step)  # nothing the person typed was wrong
    else:
        assert step.parameters["request_id"] == request_id
        assert step.parameters["message"] == COGNITO_DOWN_TEXT
    assert (await driver.login("password-user", PASSWORD)).signed_in


async def test_cognito_internal_error_on_an_answer_keeps_the_step(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await make_gateway(), face)
    step = await driver.login("email-user", PASSWORD)
    code = await hooks.latest_code("email-user")
    await hooks.fault("RespondToAuthChallenge", error="InternalErrorException")

    failed = await driver.answer(step, {"code": code})

    assert (failed.status, failed.error, failed.view) == (502, "upstream_unavailable",
                                                          "email-code")
    assert (await driver.answer(failed if failed.page else step, {"code": code})).signed_in


async def test_cognito_unreachable_is_502_without_a_traceback(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    driver = drive(await make_gateway(cognito_endpoint=closed), face)

    started = time.monotonic()
    step = await driver.login("password-user", PASSWORD)

    assert (step.status, step.error) == (502, "upstream_unavailable")
    assert time.monotonic() - started < 2.0  # refused at once, not waited out
    text = await driver.responses[-1].text()
    assert "Traceback" not in text and closed not in text
    assert driver.responses[-1].headers["X-Request-Id"] in text
    assert await health(driver.client) == (200, 200)  # Redis is fine; Cognito is not ours


# --- the gateway restarts in the middle of a sign-in ------------------------------------------


def carry_cookies(old: TestClient, new: TestClient) -> None:
    """What the browser does: it keeps its cookies while the server behind the name restarts."""
    url = URL(str(new.make_url("/")))
    for cookie in old.session.cookie_jar:
        new.session.cookie_jar.update_cookies({cookie.key: cookie.value}, response_url=url)


@pytest.mark.parametrize("keys", ["same", "rotated"])
async def test_another_gateway_instance_continues_the_flow(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str, keys: str
) -> None:
    first = await make_gateway()
    step = await drive(first, face).login("sms-user", PASSWORD)
    assert step.view == "sms-code"
    # The new instance may sign with a newer key, as long as it still accepts the old one.
    new_keys = SIGNING_KEY if keys == "same" else f"{SIGNING_KEY},{NEWER_SIGNING_KEY}"
    second = await make_gateway(secret_keys=new_keys)
    carry_cookies(first, second)
    await first.close()

    done = await drive(second, face).answer(step, {"code": await hooks.latest_code("sms-user")})

    assert done.signed_in
    assert await drive(second, face).session() is not None
