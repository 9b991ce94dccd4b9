"""Relay benchmark: ``python -m bench.relay`` (options: ``--help``).

Starts a private redis-server, the Cognito emulator (the demo seed), the benchmark's own
upstream (``python -m bench.upstream``: answers without checking any token, so the upstream is
not what is measured), ``python -m bench.passthrough`` (the baseline: an unauthenticated aiohttp
pass-through relay in one process, to the same upstream) and ``python -m gateway`` with
``GATEWAY_UPSTREAMS={"/api/": {"url": <upstream>}}``, each in its own process. It signs
``password-user`` in once through the gateway's JSON API and keeps the session cookie, then
runs rounds of, baseline and gateway alternating (which goes first swaps every round):

1. throughput: ``--concurrency`` keep-alive clients (one aiohttp client, connector limit
   ``--concurrency``) back to back for ``--duration`` seconds (or ``--requests`` calls):
   ``GET /echo/x`` on the pass-through, ``GET /api/echo/x`` with ``X-CSRF: 1`` and the session
   cookie on the gateway; requests per second, and each relay process's CPU per request;
2. latency at moderate load: open loop at ``--moderate`` (0.5) times the pass-through's
   throughput of this round, the same rate for both, for ``--latency-seconds``; each latency is
   taken from the moment the request was due (not when the client got round to it), so a
   relay that falls behind is not flattered; the gateway's p50/p99 minus the pass-through's;
3. streaming: ``--stream-mb`` MB uploaded (``POST /upload``, chunked) and downloaded
   (``GET /blob``) through each; MB/s, and the gateway's resident memory: VmRSS before, VmRSS
   sampled every 5 ms during both transfers, and VmHWM (its peak is reset first through
   ``/proc/<pid>/clear_refs`` where the kernel allows);
4. Redis per authenticated call: ``INFO commandstats`` before and after ``--redis-calls``
   gateway calls (the INFO commands themselves left out);
5. refresh single flight: two more gateways on the same Redis with
   ``GATEWAY_REFRESH_MARGIN=3600`` (every token is then due for a refresh); a fresh sign-in,
   connections opened to both, then ``--burst`` concurrent calls with that one cookie, split
   over the two; the refresh calls the emulator logged during the burst (InitiateAuth with
   REFRESH_TOKEN_AUTH, or GetTokensFromRefreshToken), read from ``/_emulator/calls`` before
   and after (nothing is reset).

Once per run: the session record's size in Redis (STRLEN and MEMORY USAGE of its key) against
the size of the tokens it holds (a direct USER_PASSWORD_AUTH sign-in of the same user against
the emulator with boto3: access + ID + refresh token).

Every figure is reported as the median with its spread (min-max) over the rounds; the
gateway-vs-baseline columns are taken round by round. All processes share this machine's
cores, the load client included, so throughput is the machine's, not the gateway's alone;
the CPU per request is the figure that does not depend on who else runs.

Nothing here is a test: it judges nothing and fails only when a call does.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis

from bench import processes
from bench.stats import Summary, percentile
from tests.servers import RedisServer, free_port

POOL_ID = "us-east-1_DemoPool01"
CLIENT_ID = "1demogatewayclient00000001"
CLIENT_SECRET = "1demogatewayclientsecret0000000000000000000000000001"
USERNAME = "password-user"
PASSWORD = "Demo-Passw0rd!"
SESSION_COOKIE = "gw-session"  # GATEWAY_COOKIE_SECURE=false: no __Host- prefix
API_HEADERS = {"X-CSRF": "1"}
CHUNK = 64 * 1024
MB = 1_000_000
REFRESH_OPERATIONS = ("GetTokensFromRefreshToken",)
REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")


@dataclass
class Round:
    """One round's figures; "baseline" is the pass-through, latencies in ms."""

    baseline_rps: float
    gateway_rps: float
    baseline_cpu_ms: float  # the relay process's CPU per request, throughput batch
    gateway_cpu_ms: float
    other_cores: float  # CPU used outside the benchmark's processes, throughput batches
    rate: float  # the moderate load: --moderate x the pass-through's requests/s, both
    baseline_p50_ms: float
    baseline_p99_ms: float
    gateway_p50_ms: float
    gateway_p99_ms: float
    gateway_rate: float  # --moderate x the gateway's own requests/s, both
    baseline_gw_p50_ms: float
    baseline_gw_p99_ms: float
    gateway_gw_p50_ms: float
    gateway_gw_p99_ms: float
    baseline_upload_mb_s: float
    baseline_download_mb_s: float
    gateway_upload_mb_s: float
    gateway_download_mb_s: float
    gateway_rss_before_mb: float
    gateway_rss_peak_mb: float  # VmRSS sampled during the upload and download
    gateway_hwm_mb: float  # VmHWM after them (peak since the reset, if the reset worked)
    redis_commands_per_call: float
    refreshes_in_burst: int
    burst_ok: int
    # Calls of the burst per access token the upstream received, in order of first answer.
    burst_tokens: list[int] = field(default_factory=list)
    errors: int = 0
    redis_commands: dict[str, float] = field(default_factory=dict)

    @property
    def rps_ratio(self) -> float:
        return self.gateway_rps / self.baseline_rps

    @property
    def cpu_ratio(self) -> float:
        return self.gateway_cpu_ms / self.baseline_cpu_ms

    @property
    def added_p50_ms(self) -> float:
        return self.gateway_p50_ms - self.baseline_p50_ms

    @property
    def added_p99_ms(self) -> float:
        return self.gateway_p99_ms - self.baseline_p99_ms

    @property
    def added_gw_p50_ms(self) -> float:
        return self.gateway_gw_p50_ms - self.baseline_gw_p50_ms

    @property
    def added_gw_p99_ms(self) -> float:
        return self.gateway_gw_p99_ms - self.baseline_gw_p99_ms

    @property
    def rss_growth_mb(self) -> float:
        return self.gateway_rss_peak_mb - self.gateway_rss_before_mb


@dataclass
class SessionSize:
    record_bytes: int  # STRLEN of the sealed record
    memory_usage: int  # MEMORY USAGE of its key (Redis' own overhead included)
    access_token: int
    id_token: int
    refresh_token: int

    @property
    def token_bytes(self) -> int:
        return self.access_token + self.id_token + self.refresh_token

    @property
    def overhead_bytes(self) -> int:
        return self.record_bytes - self.token_bytes


# --- the processes ---------------------------------------------------------------------------


class Stack:
    """redis-server, the emulator, the upstream, the pass-through, the gateway under load, and
    the two gateways (refresh margin 3600) of the single-flight burst."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis = RedisServer()
        self.emulator = processes.Service(
            "emulator", "cognito_emulator",
            ["--host", "127.0.0.1", "--port", str(port := free_port()), "--seed", "demo"],
            port, "/_emulator/health", workdir)
        self.upstream = processes.Service(
            "upstream", "bench.upstream", ["--port", str(port := free_port())], port,
            "/healthz", workdir)
        self.passthrough = processes.Service(
            "passthrough", "bench.passthrough",
            ["--port", str(port := free_port()), "--upstream", self.upstream.url + "/"], port,
            "/_passthrough/ready", workdir)
        self.secret_keys = secrets.token_urlsafe(32)  # shared: one cookie opens on any of them
        self.gateway: processes.Service | None = None
        self.pair: list[processes.Service] = []

    def gateway_environment(self, **extra: str) -> dict[str, str]:
        return {
            "GATEWAY_REDIS_URL": self.redis.url,
            "GATEWAY_SECRET_KEYS": self.secret_keys,
            "GATEWAY_USER_POOL_ID": POOL_ID,
            "GATEWAY_CLIENT_ID": CLIENT_ID,
            "GATEWAY_CLIENT_SECRET": CLIENT_SECRET,
            "GATEWAY_COGNITO_ENDPOINT": self.emulator.url,
            "GATEWAY_COOKIE_SECURE": "false",  # plain http on loopback
            "GATEWAY_UPSTREAMS": json.dumps({"/api/": {"url": self.upstream.url + "/"}}),
            # As bench.signin: all the load comes from one address; the limits are a product
            # feature, not what is measured.
            "GATEWAY_GLOBAL_START_LIMIT": "100000",
            "GATEWAY_IP_FAILURE_LIMIT": "100000",
            "GATEWAY_USER_FAILURE_LIMIT": "100000",
            "GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "100000",
            "GATEWAY_CLIENT_START_LIMIT": "100000",
            "GATEWAY_ACCOUNT_START_LIMIT": "100000",
            "GATEWAY_CLIENT_CODE_LIMIT": "100000",
            "GATEWAY_ACCOUNT_CODE_LIMIT": "100000",
            "GATEWAY_ACCOUNT_FAILURE_LIMIT": "100000",
            **extra,
        }

    def start(self) -> None:
        self.redis.start()
        self.emulator.start()
        self.upstream.start()
        self.passthrough.start()
        # Nothing from the caller's environment configures the gateways under test.
        for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
            del os.environ[name]
        self.gateway = processes.gateway("gateway", processes.ROOT, free_port(),
                                         self.gateway_environment(), self.workdir)
        self.gateway.start()
        for n in (1, 2):
            twin = processes.gateway(f"gateway-margin3600-{n}", processes.ROOT, free_port(),
                                     self.gateway_environment(GATEWAY_REFRESH_MARGIN="3600"),
                                     self.workdir)
            twin.start()
            self.pair.append(twin)

    def stop(self) -> None:
        for service in [*self.pair, *([self.gateway] if self.gateway else []),
                        self.passthrough, self.upstream, self.emulator]:
            service.stop()
        self.redis.close()


# --- /proc -----------------------------------------------------------------------------------


def _status_mb(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024  # kB -> MiB
    return float("nan")


def _reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, ``echo 5 > /proc/PID/clear_refs``)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# --- the load --------------------------------------------------------------------------------


class Client:
    """One aiohttp client with a keep-alive pool of ``limit`` connections and no cookie jar
    (the session cookie travels as a header, the same bytes on every call)."""

    def __init__(self, limit: int, cookie: str | None = None) -> None:
        self.limit = limit
        self.headers = dict(API_HEADERS)
        if cookie is not None:
            self.headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> aiohttp.ClientSession:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.limit, limit_per_host=0),
            cookie_jar=aiohttp.DummyCookieJar(), headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=120))
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.close()


async def _get(session: aiohttp.ClientSession, url: str) -> bool:
    async with session.get(url) as reply:
        await reply.read()
        return reply.status == 200


@dataclass
class Batch:
    completed: int = 0
    errors: int = 0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    other_cores: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


async def closed_loop(session: aiohttp.ClientSession, url: str, workers: int,
                      duration: float, requests: int | None, pid: int,
                      others: tuple[int, ...] = ()) -> Batch:
    """``workers`` clients back to back until ``duration`` is over (or ``requests`` done).
    ``pid``: the relay whose CPU is counted; ``others``: the rest of the benchmark's processes
    (with this one, they are not "everything else on the machine")."""
    batch = Batch()
    remaining = requests if requests is not None else -1

    async def worker(deadline: float) -> None:
        nonlocal remaining
        while (remaining > 0) if requests is not None else time.perf_counter() < deadline:
            remaining -= 1
            if await _get(session, url):
                batch.completed += 1
            else:
                batch.errors += 1

    def ours() -> float:
        return sum(processes.cpu_seconds(other) for other in others) + time.process_time()

    cpu_before, ours_before = processes.cpu_seconds(pid), ours()
    machine_before = processes.machine_busy_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(worker(started + duration) for _ in range(workers)))
    batch.wall_seconds = time.perf_counter() - started
    batch.cpu_seconds = processes.cpu_seconds(pid) - cpu_before
    used = batch.cpu_seconds + ours() - ours_before
    batch.other_cores = max(0.0, processes.machine_busy_seconds() - machine_before - used
                            ) / batch.wall_seconds
    return batch


async def open_loop(session: aiohttp.ClientSession, url: str, rate: float,
                    duration: float) -> Batch:
    """A request every 1/rate seconds whether or not the earlier ones have been answered;
    each latency is counted from when its request was due."""
    batch = Batch()

    async def one(due: float) -> None:
        if await _get(session, url):
            batch.completed += 1
            batch.latencies_ms.append((time.perf_counter() - due) * 1000)
        else:
            batch.errors += 1

    count = max(1, int(rate * duration))
    start = time.perf_counter() + 0.01
    tasks = []
    for n in range(count):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    batch.wall_seconds = time.perf_counter() - start
    return batch


async def _chunks(total: int) -> AsyncIterator[bytes]:
    block = bytes(CHUNK)
    remaining = total
    while remaining > 0:
        size = min(CHUNK, remaining)
        yield block if size == CHUNK else block[:size]
        remaining -= size


async def upload(session: aiohttp.ClientSession, url: str, total: int) -> float:
    """Seconds to send ``total`` bytes (chunked) and get the upstream's count back."""
    started = time.perf_counter()
    async with session.post(url, data=_chunks(total)) as reply:
        answer = await reply.json()
    if reply.status != 200 or answer.get("bytes") != total:
        raise RuntimeError(f"upload {url}: {reply.status} {answer}")
    return time.perf_counter() - started


async def download(session: aiohttp.ClientSession, url: str, total: int) -> float:
    started = time.perf_counter()
    received = 0
    async with session.get(url, params={"bytes": str(total)}) as reply:
        async for chunk in reply.content.iter_chunked(CHUNK):
            received += len(chunk)
    if reply.status != 200 or received != total:
        raise RuntimeError(f"download {url}: {reply.status}, {received} of {total} bytes")
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def rss_sampler(pid: int, interval: float = 0.005) -> AsyncIterator[list[float]]:
    """VmRSS of ``pid`` (MiB), every ``interval`` seconds for the length of the block."""
    samples: list[float] = [_status_mb(pid, "VmRSS")]

    async def sample() -> None:
        while True:
            await asyncio.sleep(interval)
            samples.append(_status_mb(pid, "VmRSS"))

    task = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        samples.append(_status_mb(pid, "VmRSS"))


# --- Cognito, through the gateway and directly -----------------------------------------------


async def sign_in(gateway_url: str) -> str:
    """Sign password-user in through the gateway's JSON API; the session cookie's value."""
    jar = aiohttp.CookieJar(unsafe=True)  # the gateway is at 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.post(f"{gateway_url}/auth/login", headers=API_HEADERS,
                                json={"username": USERNAME, "password": PASSWORD}) as reply:
            answer = await reply.json()
        if reply.status != 200 or answer.get("status") != "authenticated":
            raise RuntimeError(f"sign-in: {reply.status} {answer}")
        for morsel in jar:
            if morsel.key == SESSION_COOKIE and morsel.value:
                return morsel.value
    raise RuntimeError("sign-in: no session cookie")


def direct_tokens(emulator_url: str) -> dict[str, str]:
    """USER_PASSWORD_AUTH for the same user, straight to the emulator, with boto3."""
    import boto3  # type: ignore[import-untyped]  # only here: boto3 is slow to import and nothing else needs it

    client = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=emulator_url,
                          aws_access_key_id="bench", aws_secret_access_key="bench")
    secret_hash = base64.b64encode(hmac.digest(
        CLIENT_SECRET.encode(), (USERNAME + CLIENT_ID).encode(), hashlib.sha256)).decode()
    reply = client.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=CLIENT_ID,
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash})
    result = reply["AuthenticationResult"]
    return {name: result[name] for name in ("AccessToken", "IdToken", "RefreshToken")}


async def _emulator_calls(emulator_url: str) -> list[dict[str, Any]]:
    async with (aiohttp.ClientSession() as session,
                session.get(f"{emulator_url}/_emulator/calls") as reply):
        calls: list[dict[str, Any]] = (await reply.json())["calls"]
        return calls


def _is_refresh(call: dict[str, Any]) -> bool:
    return call.get("operation") in REFRESH_OPERATIONS or (
        call.get("operation") == "InitiateAuth" and call.get("auth_flow") in REFRESH_FLOWS)


# --- Redis -----------------------------------------------------------------------------------


def _command_calls(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def session_keys(client: redis.Redis) -> list[bytes]:
    return list(client.scan_iter(match="gw:session:*", count=1000))


# --- the measurements ------------------------------------------------------------------------


async def measure_redis(redis_client: redis.Redis, session: aiohttp.ClientSession, url: str,
                        calls: int) -> dict[str, float]:
    """Redis commands per authenticated call, by command."""
    before = _command_calls(redis_client)
    for _ in range(calls):
        if not await _get(session, url):
            raise RuntimeError(f"{url} failed during the Redis batch")
    after = _command_calls(redis_client)
    return {name: (count - before.get(name, 0)) / calls for name, count in after.items()
            if name != "info" and count != before.get(name, 0)}


async def _token_seen(session: aiohttp.ClientSession, url: str) -> str | None:
    """Which access token (the upstream's short hash of it) a relayed call carried."""
    async with session.get(url) as reply:
        answer = await reply.json()
        return str(answer["token"]) if reply.status == 200 else None


async def measure_burst(stack: Stack, burst: int) -> tuple[int, int, list[int]]:
    """A fresh sign-in, then ``burst`` concurrent calls with its cookie, alternately to the
    two margin-3600 gateways: (refresh calls Cognito saw during the burst, calls answered 200,
    calls per access token the upstream saw, in order of first answer)."""
    first, second = stack.pair
    cookie = await sign_in(first.url)
    async with Client(burst, cookie) as session:
        # Open the connections first, so that the burst's calls arrive together.
        await asyncio.gather(*(_get(session, f"{(first, second)[n % 2].url}/healthz")
                               for n in range(burst)))
        before = await _emulator_calls(stack.emulator.url)
        seen = max((call["at"] for call in before), default=0.0)
        refreshes_before = sum(1 for call in before if _is_refresh(call))
        answered: list[str | None] = []

        async def call(n: int) -> None:
            answered.append(await _token_seen(session, f"{(first, second)[n % 2].url}/api/echo/x"))

        await asyncio.gather(*(call(n) for n in range(burst)))
        after = await _emulator_calls(stack.emulator.url)
    # The log keeps the last 10,000 calls: count by time as well as by total, whichever is
    # safe (both agree while the log is not full).
    by_time = sum(1 for call in after if call["at"] > seen and _is_refresh(call))
    by_total = sum(1 for call in after if _is_refresh(call)) - refreshes_before
    tokens: dict[str, int] = {}
    for token in answered:
        if token is not None:
            tokens[token] = tokens.get(token, 0) + 1
    return ((by_time if len(after) >= 10_000 else by_total), sum(tokens.values()),
            list(tokens.values()))


async def measure_round(stack: Stack, cookie: str, redis_client: redis.Redis,
                        args: argparse.Namespace, number: int) -> Round:
    assert stack.gateway is not None
    gateway, passthrough = stack.gateway, stack.passthrough
    echo = {"baseline": f"{passthrough.url}/echo/x", "gateway": f"{gateway.url}/api/echo/x"}
    base = {"baseline": passthrough.url, "gateway": f"{gateway.url}/api"}
    pids = {"baseline": passthrough.pid, "gateway": gateway.pid}
    order = ["baseline", "gateway"] if number % 2 else ["gateway", "baseline"]
    assert stack.redis.process is not None and stack.upstream.process is not None
    others = (stack.redis.process.pid, stack.upstream.pid)
    figures: dict[str, Any] = {}
    errors = 0
    other_cores = []
    async with Client(args.concurrency, cookie) as session:
        for who in order:
            batch = await closed_loop(session, echo[who], args.concurrency, args.duration,
                                      args.requests, pids[who], others)
            errors += batch.errors
            other_cores.append(batch.other_cores)
            figures[f"{who}_rps"] = batch.completed / batch.wall_seconds
            figures[f"{who}_cpu_ms"] = batch.cpu_seconds * 1000 / max(1, batch.completed)
    figures["other_cores"] = max(other_cores)
    figures["rate"] = figures["baseline_rps"] * args.moderate
    figures["gateway_rate"] = figures["gateway_rps"] * args.moderate
    # The same keep-alive pool as the throughput batches: at a moderate rate fewer are busy.
    async with Client(args.concurrency, cookie) as session:
        for rate_name, tag in [("rate", ""), ("gateway_rate", "gw_")]:
            for who in order:
                rate = figures[rate_name]
                await open_loop(session, echo[who], rate, 0.5)  # settling in: not counted
                batch = await open_loop(session, echo[who], rate, args.latency_seconds)
                errors += batch.errors
                figures[f"{who}_{tag}p50_ms"] = percentile(batch.latencies_ms, 50)
                figures[f"{who}_{tag}p99_ms"] = percentile(batch.latencies_ms, 99)
    total = args.stream_mb * MB
    async with Client(1, cookie) as session:
        for who in order:
            if who == "gateway":
                await asyncio.sleep(0.2)  # let the allocator settle after the load
                _reset_peak(gateway.pid)
                async with rss_sampler(gateway.pid) as samples:
                    up = await upload(session, f"{base[who]}/upload", total)
                    down = await download(session, f"{base[who]}/blob", total)
                figures["gateway_rss_before_mb"] = samples[0]
                figures["gateway_rss_peak_mb"] = max(samples)
                figures["gateway_hwm_mb"] = _status_mb(gateway.pid, "VmHWM")
            else:
                up = await upload(session, f"{base[who]}/upload", total)
                down = await download(session, f"{base[who]}/blob", total)
            figures[f"{who}_upload_mb_s"] = args.stream_mb / up
            figures[f"{who}_download_mb_s"] = args.stream_mb / down
        by_command = await measure_redis(redis_client, session, echo["gateway"],
                                         args.redis_calls)
    refreshes, ok, tokens = await measure_burst(stack, args.burst)
    return Round(**figures, redis_commands_per_call=sum(by_command.values()),
                 redis_commands=by_command, refreshes_in_burst=refreshes, burst_ok=ok,
                 burst_tokens=tokens, errors=errors)


async def measure(stack: Stack, args: argparse.Namespace) -> tuple[list[Round], SessionSize]:
    assert stack.gateway is not None
    cookie = await sign_in(stack.gateway.url)
    redis_client = redis.Redis(port=stack.redis.port)
    try:
        keys = session_keys(redis_client)
        if len(keys) != 1:
            raise RuntimeError(f"expected one session in Redis, found {len(keys)}")
        tokens = await asyncio.to_thread(direct_tokens, stack.emulator.url)
        size = SessionSize(
            record_bytes=int(redis_client.strlen(keys[0])),
            memory_usage=int(redis_client.memory_usage(keys[0]) or 0),
            access_token=len(tokens["AccessToken"]), id_token=len(tokens["IdToken"]),
            refresh_token=len(tokens["RefreshToken"]))
        async with Client(args.concurrency, cookie) as session:
            reply = await session.get(f"{stack.gateway.url}/api/echo/x")
            answer = await reply.json()
            if reply.status != 200 or answer.get("bearer") is not True:
                raise RuntimeError(f"the gateway's relay answered {reply.status} {answer}")
            for url, pid in [(f"{stack.passthrough.url}/echo/x", stack.passthrough.pid),
                             (f"{stack.gateway.url}/api/echo/x", stack.gateway.pid)]:
                await closed_loop(session, url, args.concurrency, args.warmup, None, pid)
        rounds = []
        for number in range(1, args.rounds + 1):
            latest = await measure_round(stack, cookie, redis_client, args, number)
            rounds.append(latest)
            print(f"round {number}/{args.rounds}: {latest.baseline_rps:.0f} vs "
                  f"{latest.gateway_rps:.0f} req/s ({latest.rps_ratio:.2f}x); p99 at "
                  f"{latest.rate:.0f}/s {latest.baseline_p99_ms:.2f} vs "
                  f"{latest.gateway_p99_ms:.2f} ms; up/down {latest.gateway_upload_mb_s:.0f}/"
                  f"{latest.gateway_download_mb_s:.0f} MB/s, RSS {latest.gateway_rss_before_mb:.1f}"
                  f" -> {latest.gateway_rss_peak_mb:.1f} MiB; redis "
                  f"{latest.redis_commands_per_call:.2f}/call; refreshes in burst "
                  f"{latest.refreshes_in_burst} ({latest.burst_ok}/{args.burst} ok, calls per "
                  f"token {'+'.join(map(str, latest.burst_tokens))})",
                  file=sys.stderr)
        return rounds, size
    finally:
        redis_client.close()


# --- the report ------------------------------------------------------------------------------

# (label, baseline attribute or None, gateway attribute, paired attribute, its kind, unit,
# digits)
_ROWS: list[tuple[str, str | None, str, str | None, str, str, int]] = [
    ("requests/s, {c} keep-alive clients (target: gateway >= 80 %)", "baseline_rps",
     "gateway_rps", "rps_ratio", "x", "/s", 0),
    ("relay process CPU per request", "baseline_cpu_ms", "gateway_cpu_ms", "cpu_ratio", "x",
     "ms", 3),
    ("moderate load (x{m} of the pass-through's rps)", "rate", "rate", None, "", "/s", 0),
    ("latency p50 at moderate load", "baseline_p50_ms", "gateway_p50_ms", "added_p50_ms",
     "ms", "ms", 2),
    ("latency p99 at moderate load (target: <= 2 ms added)", "baseline_p99_ms",
     "gateway_p99_ms", "added_p99_ms", "ms", "ms", 2),
    ("lighter load (x{m} of the gateway's own rps)", "gateway_rate", "gateway_rate", None, "",
     "/s", 0),
    ("latency p50 at that load", "baseline_gw_p50_ms", "gateway_gw_p50_ms", "added_gw_p50_ms",
     "ms", "ms", 2),
    ("latency p99 at that load", "baseline_gw_p99_ms", "gateway_gw_p99_ms", "added_gw_p99_ms",
     "ms", "ms", 2),
    ("upload {s} MB", "baseline_upload_mb_s", "gateway_upload_mb_s", None, "", "MB/s", 0),
    ("download {s} MB", "baseline_download_mb_s", "gateway_download_mb_s", None, "", "MB/s", 0),
    ("gateway VmRSS before the transfers", None, "gateway_rss_before_mb", None, "", "MiB", 1),
    ("gateway VmRSS peak during them (5 ms samples)", None, "gateway_rss_peak_mb",
     "rss_growth_mb", "MiB", "MiB", 1),
    ("gateway VmHWM after them", None, "gateway_hwm_mb", None, "", "MiB", 1),
    ("Redis commands per authenticated call (target 1)", None, "redis_commands_per_call",
     None, "", "", 2),
    ("cores busy outside the benchmark (throughput batches, max)", None, "other_cores", None,
     "", "", 2),
]


def machine_line() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = f" ({line.split(':', 1)[1].strip()})"
                break
    return (f"{platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs{model}")


def report(rounds: list[Round], size: SessionSize, args: argparse.Namespace) -> str:
    load = (f"{args.requests} requests" if args.requests is not None
            else f"{args.duration:g} s")
    lines = [
        f"{machine_line()}; {args.rounds} rounds, pass-through and gateway alternating; "
        f"throughput: {load} per batch; latency: {args.latency_seconds:g} s open loop; each "
        "cell: median (min-max) over rounds",
        "",
    ]
    cells: list[list[str]] = []
    for label, baseline, gateway, paired, kind, unit, digits in _ROWS:
        name = label.format(c=args.concurrency, m=args.moderate, s=args.stream_mb)
        row = [name]
        for attribute in (baseline, gateway):
            row.append(Summary.of([getattr(r, attribute) for r in rounds]).show(unit, digits)
                       if attribute else "-")
        if paired:
            shown = Summary.of([getattr(r, paired) for r in rounds])
            row.append(shown.show(kind, 2) if kind == "x"
                       else ("+" if shown.median >= 0 else "") + shown.show(kind, 2))
        else:
            row.append("")
        cells.append(row)
    header = ["figure", "pass-through", "gateway", "gateway vs pass-through (paired)"]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    lines += [line(header), line(["-" * w for w in widths]), *(line(row) for row in cells), ""]
    commands: dict[str, list[float]] = {}
    for r in rounds:
        for name, per_call in r.redis_commands.items():
            commands.setdefault(name, []).append(per_call)
    lines.append("Redis commands per call, by command: " + ", ".join(
        f"{name} {statistics.median(values):.2f}" for name, values in sorted(commands.items())))
    lines.append(
        f"session record: {size.record_bytes} bytes (STRLEN; MEMORY USAGE {size.memory_usage});"
        f" its tokens: {size.token_bytes} bytes (access {size.access_token}, ID "
        f"{size.id_token}, refresh {size.refresh_token}); overhead {size.overhead_bytes} bytes "
        "(target <= 1 KB)")
    counts = [r.refreshes_in_burst for r in rounds]
    lines.append(
        f"refresh single flight: {args.burst} concurrent calls over 2 gateways, one cookie: "
        f"{Summary.of(counts).show('refreshes', 0)} per burst (target exactly 1; per round: "
        f"{', '.join(map(str, counts))}); calls answered 200: "
        f"{Summary.of([r.burst_ok for r in rounds]).show('', 0).replace('  ', ' ')}; calls per "
        "access token the upstream received, in order of first answer, per round: "
        + "; ".join("+".join(map(str, r.burst_tokens)) for r in rounds))
    errors = sum(r.errors for r in rounds)
    if errors:
        lines.append(f"note: {errors} calls did not answer 200 during the load batches")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gw-relay-bench-") as tmp:
        workdir = Path(args.log_dir) if args.log_dir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        stack = Stack(workdir)
        try:
            print("starting redis-server, the emulator, the upstream, the pass-through and 3 "
                  "gateways...", file=sys.stderr)
            stack.start()
            rounds, size = asyncio.run(measure(stack, args))
        finally:
            stack.stop()
    print(report(rounds, size, args))
    if args.json:
        raw = [asdict(r) for r in rounds]
        Path(args.json).write_text(json.dumps(
            {"args": vars(args), "machine": machine_line(), "session": asdict(size),
             "rounds": raw}, indent=1))


def _positive(kind: Callable[[str], float]) -> Callable[[str], Any]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
        return value
    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=_positive(int), default=5)
    parser.add_argument("--concurrency", type=_positive(int), default=32,
                        help="keep-alive clients of the throughput batches")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--duration", type=_positive(float), default=5.0,
                        help="seconds per throughput batch (default 5)")
    amount.add_argument("--requests", type=_positive(int),
                        help="calls per throughput batch, instead of --duration")
    parser.add_argument("--warmup", type=_positive(float), default=1.0,
                        help="seconds of load on each before the first round")
    parser.add_argument("--moderate", type=_positive(float), default=0.5,
                        help="the latency batches' rate, as a fraction of the pass-through's "
                             "measured requests per second (default 0.5)")
    parser.add_argument("--latency-seconds", type=_positive(float), default=4.0,
                        help="seconds per open-loop latency batch (two rates, both relays)")
    parser.add_argument("--stream-mb", type=_positive(int), default=100,
                        help="MB uploaded and downloaded through each, per round")
    parser.add_argument("--redis-calls", type=_positive(int), default=500)
    parser.add_argument("--burst", type=_positive(int), default=200,
                        help="concurrent calls of the single-flight burst")
    parser.add_argument("--json", help="also write every round's raw figures to this file")
    parser.add_argument("--log-dir", help="keep the servers' logs here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()

