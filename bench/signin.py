"""Sign-in benchmark: ``python -m bench.signin`` (options: ``--help``).

Starts a private redis-server, the Cognito emulator (seeded with many TOTP users) and
``python -m gateway``, each in its own process, then runs rounds of:

1. the baseline: the three modular exponentiations of one sign-in, in this process, while
   nothing else runs;
2. a CPU batch: ``--batch`` complete sign-ins (SRP, then TOTP) by ``--concurrency`` clients
   through the JSON API; the gateway's CPU time (utime + stime from /proc, all threads) before
   and after, divided by the sign-ins;
3. a liveness batch: the same load while a separate process probes ``GET /healthz``.

CPU and liveness are separate batches so that the probes' own CPU cost does not count as
sign-in cost. Every figure is measured per batch and reported as the median with its spread
(min-max) over the rounds. Nothing here is a test: it judges nothing and fails only when a
sign-in does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import processes
from bench.baseline import modexp_cpu_per_sign_in
from bench.load import Authenticators, BatchResult, LoadClient
from bench.seed import CLIENT_ID, CLIENT_SECRET, POOL_ID, write_seed
from bench.stats import Summary, percentile
from tests.servers import RedisServer, free_port


@dataclass
class Round:
    baseline_ms: float
    cpu_batch_seconds: float
    sign_ins: int
    gateway_cpu_ms: float  # per sign-in
    emulator_cpu_ms: float
    redis_cpu_ms: float
    client_cpu_ms: float
    other_cores: float  # CPU used by processes outside the benchmark, during the CPU batch
    sign_ins_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    live_sign_ins_per_second: float
    healthz_ms: list[float] = field(repr=False)
    healthz_errors: int = 0


class Stack:
    """redis-server, the emulator and the gateway, started and stopped together."""

    def __init__(self, workdir: Path, users: int) -> None:
        self.workdir = workdir
        seed = workdir / "bench-seed.json"
        self.users = write_seed(seed, users)
        self.redis = RedisServer()
        self.emulator = processes.emulator(free_port(), seed, workdir)
        self.gateway: processes.Service | None = None

    def gateway_environment(self) -> dict[str, str]:
        return {
            "GATEWAY_REDIS_URL": self.redis.url,
            "GATEWAY_SECRET_KEYS": secrets.token_urlsafe(32),
            "GATEWAY_USER_POOL_ID": POOL_ID,
            "GATEWAY_CLIENT_ID": CLIENT_ID,
            "GATEWAY_CLIENT_SECRET": CLIENT_SECRET,
            "GATEWAY_COGNITO_ENDPOINT": self.emulator.url,
            "GATEWAY_COOKIE_SECURE": "false",  # plain http on loopback
            # The whole load comes from one IP and faster than the default gateway-wide
            # start rate; the limits are a product feature, not what is being measured.
            "GATEWAY_GLOBAL_START_LIMIT": "100000",
            "GATEWAY_IP_FAILURE_LIMIT": "100000",
            "GATEWAY_USER_FAILURE_LIMIT": "100000",
        }

    def start(self) -> None:
        self.redis.start()
        self.emulator.start()
        # Nothing from the caller's environment configures the gateway under test.
        for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
            del os.environ[name]
        self.gateway = processes.gateway(free_port(), self.gateway_environment(), self.workdir)
        self.gateway.start()

    def stop(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        self.emulator.stop()
        self.redis.close()

    def emulator_clock_offset(self) -> float:
        with urllib.request.urlopen(self.emulator.url + "/_emulator/clock", timeout=5) as reply:  # noqa: S310 - loopback
            return float(json.load(reply)["offset_seconds"])


class Probe:
    """``python -m bench.probe`` against the gateway's /healthz, for the length of a block."""

    def __init__(self, url: str, interval: float) -> None:
        self.command = [sys.executable, "-m", "bench.probe", url, "--interval", str(interval)]
        self.process: subprocess.Popen[str] | None = None
        self.latencies_ms: list[float] = []
        self.errors = 0

    def __enter__(self) -> Probe:
        self.process = subprocess.Popen(
            self.command, cwd=processes.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the liveness probe did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        output, _ = self.process.communicate(timeout=30)  # closes stdin: the probe stops
        report = json.loads(output.strip().splitlines()[-1])
        self.latencies_ms = report["latencies_ms"]
        self.errors = report["errors"]


def _cpu(stack: Stack) -> dict[str, float]:
    assert stack.gateway is not None and stack.redis.process is not None
    return {
        "gateway": stack.gateway.cpu_seconds(),
        "emulator": stack.emulator.cpu_seconds(),
        "redis": processes.cpu_seconds(stack.redis.process.pid),
        "client": time.process_time(),
        "machine": processes.machine_busy_seconds(),
    }


async def run_round(stack: Stack, load: LoadClient, args: argparse.Namespace) -> Round:
    baseline = modexp_cpu_per_sign_in(args.baseline_sign_ins)

    before = _cpu(stack)
    cpu_batch: BatchResult = await load.batch(args.batch)
    after = _cpu(stack)
    used = {name: after[name] - before[name] for name in before}
    per_sign_in = {name: seconds * 1000 / cpu_batch.completed for name, seconds in used.items()}
    ours = used["gateway"] + used["emulator"] + used["redis"] + used["client"]

    assert stack.gateway is not None
    with Probe(stack.gateway.url + "/healthz", args.probe_interval) as probe:
        live_batch = await load.batch(args.batch)

    return Round(
        baseline_ms=baseline * 1000,
        cpu_batch_seconds=cpu_batch.wall_seconds,
        sign_ins=cpu_batch.completed,
        gateway_cpu_ms=per_sign_in["gateway"],
        emulator_cpu_ms=per_sign_in["emulator"],
        redis_cpu_ms=per_sign_in["redis"],
        client_cpu_ms=per_sign_in["client"],
        other_cores=max(0.0, used["machine"] - ours) / cpu_batch.wall_seconds,
        sign_ins_per_second=cpu_batch.completed / cpu_batch.wall_seconds,
        latency_p50_ms=percentile(cpu_batch.latencies_ms, 50),
        latency_p99_ms=percentile(cpu_batch.latencies_ms, 99),
        live_sign_ins_per_second=live_batch.completed / live_batch.wall_seconds,
        healthz_ms=probe.latencies_ms,
        healthz_errors=probe.errors,
    )


def report(rounds: list[Round], args: argparse.Namespace, waits: int) -> str:
    def summary(name: str) -> Summary:
        return Summary.of([getattr(r, name) for r in rounds])

    gateway, baseline = summary("gateway_cpu_ms"), summary("baseline_ms")
    ratio = Summary.of([r.gateway_cpu_ms / r.baseline_ms for r in rounds])
    healthz_p99 = Summary.of([percentile(r.healthz_ms, 99) for r in rounds])
    healthz_p50 = Summary.of([percentile(r.healthz_ms, 50) for r in rounds])
    pooled = [ms for r in rounds for ms in r.healthz_ms]
    machine_load = Summary.of([
        (r.gateway_cpu_ms + r.emulator_cpu_ms + r.redis_cpu_ms + r.client_cpu_ms)
        * r.sign_ins / 1000 / r.cpu_batch_seconds for r in rounds
    ])
    rows = [
        ("gateway CPU per sign-in (target <= 15 ms)", gateway.show("ms", 2)),
        ("baseline: 3 modexps per sign-in, in-process", baseline.show("ms", 2)),
        ("gateway CPU / baseline", ratio.show("x", 1)),
        ("emulator CPU per sign-in", summary("emulator_cpu_ms").show("ms", 2)),
        ("redis-server CPU per sign-in", summary("redis_cpu_ms").show("ms", 2)),
        ("load client CPU per sign-in", summary("client_cpu_ms").show("ms", 2)),
        ("CPU busy, all four processes (of 2 cores)", machine_load.show("cores", 2)),
        ("CPU busy, other processes on the machine", summary("other_cores").show("cores", 2)),
        (f"sign-ins per second, {args.concurrency} clients", summary("sign_ins_per_second")
         .show("/s", 1)),
        ("  the same, while /healthz is probed", summary("live_sign_ins_per_second")
         .show("/s", 1)),
        ("sign-in latency p50 (2 requests)", summary("latency_p50_ms").show("ms", 1)),
        ("sign-in latency p99", summary("latency_p99_ms").show("ms", 1)),
        ("GET /healthz p99 under load (target < 25 ms)", healthz_p99.show("ms", 2)),
        ("GET /healthz p50 under load", healthz_p50.show("ms", 2)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {len(rounds)} rounds of {args.batch} sign-ins per batch, "
        f"{args.concurrency} concurrent clients; figures: median (min-max) over rounds",
        "",
        f"{'figure':<{width}}  median (min-max)",
        f"{'-' * width}  {'-' * 26}",
        *(f"{name:<{width}}  {value}" for name, value in rows),
        "",
        f"/healthz: {len(pooled)} probes in all, pooled p99 {percentile(pooled, 99):.2f} ms, "
        f"max {max(pooled, default=float('nan')):.2f} ms, "
        f"errors {sum(r.healthz_errors for r in rounds)}",
    ]
    if waits:
        lines.append(f"note: the load waited {waits} times for a TOTP step to turn; "
                     "seed more users (--users) so the throughput figure is not capped")
    return "\n".join(lines)


async def measure(stack: Stack, args: argparse.Namespace) -> tuple[list[Round], int]:
    """Warm up, then run the rounds; returns them with how often the load waited for users."""
    assert stack.gateway is not None
    authenticators = Authenticators(stack.users, stack.emulator_clock_offset())
    async with LoadClient(stack.gateway.url, authenticators, args.concurrency) as load:
        await load.batch(args.warmup)  # connections, imports, caches: not counted
        rounds = []
        for number in range(1, args.rounds + 1):
            rounds.append(await run_round(stack, load, args))
            latest = rounds[-1]
            print(f"round {number}/{args.rounds}: gateway {latest.gateway_cpu_ms:.2f} ms "
                  f"CPU/sign-in, {latest.sign_ins_per_second:.1f} sign-ins/s, healthz p99 "
                  f"{percentile(latest.healthz_ms, 99):.2f} ms", file=sys.stderr)
    return rounds, authenticators.waits


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp:
        workdir = Path(args.log_dir) if args.log_dir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        stack = Stack(workdir, args.users)
        try:
            print(f"starting redis-server, the emulator ({args.users} TOTP users) and the "
                  "gateway...", file=sys.stderr)
            stack.start()
            rounds, waits = asyncio.run(measure(stack, args))
        finally:
            stack.stop()
    print(report(rounds, args, waits))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"args": vars(args), "rounds": [asdict(r) for r in rounds]}, indent=1))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.signin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=300, help="sign-ins per batch")
    parser.add_argument("--warmup", type=int, default=100, help="sign-ins before measuring")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--users", type=int, default=4000,
                        help="TOTP users to seed: at least 30 x the sign-in rate")
    parser.add_argument("--probe-interval", type=float, default=0.01,
                        help="seconds between /healthz probes")
    parser.add_argument("--baseline-sign-ins", type=int, default=200,
                        help="sign-ins' worth of exponentiations per baseline measurement")
    parser.add_argument("--json", help="also write every round's raw figures to this file")
    parser.add_argument("--log-dir", help="keep the servers' logs and the seed here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
