"""Sign-in benchmark: ``python -m bench.signin`` (options: ``--help``).

Starts a private redis-server, the Cognito emulator (seeded with many TOTP users) and
``python -m gateway``, each in its own process, then runs rounds of, for each scenario:

1. the baseline: the modular exponentiations of one sign-in, in this process, while nothing
   else of ours runs;
2. a CPU batch: ``--batch`` complete sign-ins by ``--concurrency`` clients through the JSON
   API; the gateway's CPU time (utime + stime from /proc, all threads) before and after,
   divided by the sign-ins;
3. a liveness batch: the same load while a separate process probes ``GET /healthz``.

Scenarios (``--scenario``, both by default):

- ``totp``: SRP, then TOTP (two requests; three exponentiations on the gateway);
- ``device``: a remembered device. A second gateway (``GATEWAY_REMEMBER_DEVICES=always``) on a
  pool of its own that tracks devices; each of its ``--device-users`` first signs in once with
  TOTP, which remembers the device (not measured); a measured sign-in is one ``POST
  /auth/login`` presenting the device cookie, in which the gateway answers PASSWORD_VERIFIER,
  DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER itself (six exponentiations: two SRP exchanges).

CPU and liveness are separate batches so that the probes' own CPU cost does not count as
sign-in cost. Every figure is measured per batch and reported as the median with its spread
(min-max) over the rounds.

``--against DIR`` also starts the gateway of another checkout (for example one made with
``git archive <commit> gateway cognito_srp templates | tar -x -C DIR``) against the same redis
and emulator, and alternates the two round by round, so a before/after comparison sees the
same machine noise; the ratio column is taken pair by pair. A checkout without remembered
devices (no ``gateway/signin/devices.py``, or a gateway that sets no device cookie) takes part
in the ``totp`` scenario only; the report says so.

Nothing here is a test: it judges nothing and fails only when a sign-in does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from bench.baseline import BASELINES, MODEXPS
from bench.load import Authenticators, BatchResult, LoadClient, NoDeviceCookie, RememberedDevices
from bench.seed import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICE_CLIENT_ID,
    DEVICE_CLIENT_SECRET,
    DEVICE_POOL_ID,
    POOL_ID,
    BenchUser,
    write_seed,
)
from bench.stats import Summary, percentile
from tests.servers import RedisServer, free_port

THIS_TREE = "this tree"  # or the checkout given with --root
AGAINST = "--against"
SCENARIOS = {"totp": "password + TOTP sign-ins",
             "device": "sign-ins with a remembered device (password + device SRP, no MFA)"}


@dataclass
class Round:
    """One gateway's figures from one round; CPU figures are per sign-in."""

    baseline_ms: float
    cpu_batch_seconds: float
    sign_ins: int
    gateway_cpu_ms: float
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

    @property
    def healthz_p99_ms(self) -> float:
        return percentile(self.healthz_ms, 99)

    @property
    def healthz_p50_ms(self) -> float:
        return percentile(self.healthz_ms, 50)

    @property
    def gateway_to_baseline(self) -> float:
        return self.gateway_cpu_ms / self.baseline_ms

    @property
    def benchmark_cores(self) -> float:
        """Cores kept busy by the gateway, emulator, redis-server and load client together."""
        per_sign_in = (self.gateway_cpu_ms + self.emulator_cpu_ms + self.redis_cpu_ms
                       + self.client_cpu_ms)
        return per_sign_in * self.sign_ins / 1000 / self.cpu_batch_seconds


class Stack:
    """redis-server, the emulator and one or two gateways per scenario, started and stopped
    together: ``gateways`` on the TOTP pool, ``device_gateways`` (remembering every device)
    on the device pool, each with ``device_users`` users of its own."""

    def __init__(self, workdir: Path, users: int, gateway_roots: dict[str, Path],
                 device_roots: dict[str, Path] | None = None, device_users: int = 0) -> None:
        self.workdir = workdir
        seed = workdir / "bench-seed.json"
        self.device_roots = device_roots or {}
        self.users, all_device_users = write_seed(seed, users,
                                                  device_users * len(self.device_roots))
        self.device_users: dict[str, list[BenchUser]] = {
            label: all_device_users[n * device_users:(n + 1) * device_users]
            for n, label in enumerate(self.device_roots)
        }
        self.redis = RedisServer()
        self.emulator = processes.emulator(free_port(), seed, workdir)
        self.gateway_roots = gateway_roots
        self.gateways: dict[str, processes.Service] = {}
        self.device_gateways: dict[str, processes.Service] = {}

    def gateway_environment(self, devices: bool = False) -> dict[str, str]:
        pool = ({"GATEWAY_USER_POOL_ID": DEVICE_POOL_ID, "GATEWAY_CLIENT_ID": DEVICE_CLIENT_ID,
                 "GATEWAY_CLIENT_SECRET": DEVICE_CLIENT_SECRET,
                 "GATEWAY_REMEMBER_DEVICES": "always"}
                if devices else
                {"GATEWAY_USER_POOL_ID": POOL_ID, "GATEWAY_CLIENT_ID": CLIENT_ID,
                 "GATEWAY_CLIENT_SECRET": CLIENT_SECRET})
        return {
            "GATEWAY_REDIS_URL": self.redis.url,
            "GATEWAY_SECRET_KEYS": secrets.token_urlsafe(32),
            **pool,
            "GATEWAY_COGNITO_ENDPOINT": self.emulator.url,
            "GATEWAY_COOKIE_SECURE": "false",  # plain http on loopback
            # The whole load comes from one IP and faster than the default gateway-wide
            # start rate; the limits are a product feature, not what is being measured.
            "GATEWAY_GLOBAL_START_LIMIT": "100000",
            "GATEWAY_IP_FAILURE_LIMIT": "100000",
            "GATEWAY_USER_FAILURE_LIMIT": "100000",
            "GATEWAY_MAX_CONNECTIONS_PER_CLIENT": "100000",
            # All the load comes from one address and signs the same users in again and again.
            "GATEWAY_CLIENT_START_LIMIT": "100000",
            "GATEWAY_ACCOUNT_START_LIMIT": "100000",
            "GATEWAY_CLIENT_CODE_LIMIT": "100000",
            "GATEWAY_ACCOUNT_CODE_LIMIT": "100000",
            "GATEWAY_ACCOUNT_FAILURE_LIMIT": "100000",
            "GATEWAY_ASSUME_PREVENT_USER_EXISTENCE": "true",
        }

    def start(self) -> None:
        self.redis.start()
        self.emulator.start()
        # Nothing from the caller's environment configures the gateways under test.
        for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
            del os.environ[name]
        for devices, roots, started in [(False, self.gateway_roots, self.gateways),
                                        (True, self.device_roots, self.device_gateways)]:
            for label, root in roots.items():
                log_name = ("gateway" + ("-device" if devices else "")
                            + ("" if label == THIS_TREE else "-against"))
                gateway = processes.gateway(log_name, root, free_port(),
                                            self.gateway_environment(devices), self.workdir)
                gateway.start()
                started[label] = gateway

    def stop(self) -> None:
        for gateway in [*self.gateways.values(), *self.device_gateways.values()]:
            gateway.stop()
        self.emulator.stop()
        self.redis.close()

    def emulator_clock_offset(self) -> float:
        with urllib.request.urlopen(self.emulator.url + "/_emulator/clock", timeout=5) as reply:  # noqa: S310 - loopback
            return float(json.load(reply)["offset_seconds"])


class Probe:
    """``python -m bench.probe`` against a gateway's /healthz, for the length of a block."""

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


def _cpu(stack: Stack, gateway: processes.Service) -> dict[str, float]:
    assert stack.redis.process is not None
    return {
        "gateway": gateway.cpu_seconds(),
        "emulator": stack.emulator.cpu_seconds(),
        "redis": processes.cpu_seconds(stack.redis.process.pid),
        "client": time.process_time(),
        "machine": processes.machine_busy_seconds(),
    }


async def measure_gateway(stack: Stack, gateway: processes.Service, load: LoadClient,
                          baseline_ms: float, args: argparse.Namespace) -> Round:
    before = _cpu(stack, gateway)
    cpu_batch: BatchResult = await load.batch(args.batch)
    after = _cpu(stack, gateway)
    used = {name: after[name] - before[name] for name in before}
    per_sign_in = {name: seconds * 1000 / cpu_batch.completed for name, seconds in used.items()}
    ours = used["gateway"] + used["emulator"] + used["redis"] + used["client"]

    with Probe(gateway.url + "/healthz", args.probe_interval) as probe:
        live_batch = await load.batch(args.batch)

    return Round(
        baseline_ms=baseline_ms,
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


# Each scenario's rounds, per gateway label.
Rounds = dict[str, dict[str, list[Round]]]


async def _set_up_devices(stack: Stack, loads: dict[str, LoadClient],
                          notes: list[str]) -> None:
    """Remember a device for every device-pool user (one TOTP sign-in each); a checkout
    whose gateway sets no device cookie leaves the device scenario."""
    for label, load in list(loads.items()):
        assert load.devices is not None
        try:
            await load.devices.set_up(load)
        except NoDeviceCookie as error:
            if label == THIS_TREE:
                raise SystemExit(f"device scenario: {error}") from None
            notes.append(f"device scenario: the {AGAINST} gateway set no device cookie (no "
                         f"remembered devices there): {THIS_TREE} only")
            del loads[label]
            stack.device_gateways.pop(label).stop()


async def measure(stack: Stack, args: argparse.Namespace,
                  notes: list[str]) -> tuple[Rounds, int]:
    """Warm up, then run the rounds; returns each scenario's rounds per gateway and how often
    the load had to wait for a TOTP step to turn."""
    offset = stack.emulator_clock_offset()
    authenticators = Authenticators(stack.users, offset)
    loads: dict[str, dict[str, LoadClient]] = {}
    if "totp" in args.scenario:
        loads["totp"] = {label: LoadClient(gateway.url, authenticators, args.concurrency)
                         for label, gateway in stack.gateways.items()}
    if "device" in args.scenario:
        # Every device-pool user signs in with TOTP once only, in the set-up.
        device_authenticators = Authenticators(
            [user for users in stack.device_users.values() for user in users], offset)
        loads["device"] = {
            label: LoadClient(gateway.url, device_authenticators, args.concurrency,
                              RememberedDevices(stack.device_users[label]))
            for label, gateway in stack.device_gateways.items()
        }
    async with contextlib.AsyncExitStack() as open_loads:
        for scenario, scenario_loads in loads.items():
            for load in scenario_loads.values():
                await open_loads.enter_async_context(load)
            if scenario == "device":
                await _set_up_devices(stack, scenario_loads, notes)
            for load in scenario_loads.values():
                await load.batch(args.warmup)  # connections, imports, caches: not counted
        rounds: Rounds = {scenario: {label: [] for label in scenario_loads}
                          for scenario, scenario_loads in loads.items()}
        gateways = {"totp": stack.gateways, "device": stack.device_gateways}
        for number in range(1, args.rounds + 1):
            for scenario, scenario_loads in loads.items():
                # Just before the scenario's batches, so that it sees the same machine.
                baseline_ms = BASELINES[scenario](args.baseline_sign_ins) * 1000
                order = list(scenario_loads)
                if number % 2 == 0:
                    order.reverse()  # neither gateway always runs first
                for label in order:
                    latest = await measure_gateway(stack, gateways[scenario][label],
                                                   scenario_loads[label],
                                                   baseline_ms, args)
                    rounds[scenario][label].append(latest)
                    print(f"round {number}/{args.rounds} {scenario} {label}: gateway "
                          f"{latest.gateway_cpu_ms:.2f} ms CPU/sign-in "
                          f"(baseline {latest.baseline_ms:.2f} ms), "
                          f"{latest.sign_ins_per_second:.1f} sign-ins/s, healthz p99 "
                          f"{latest.healthz_p99_ms:.2f} ms", file=sys.stderr)
    return rounds, authenticators.waits


def _rows(scenario: str) -> list[tuple[str, str, str, int]]:
    """(label, Round attribute, unit, digits) of each row of a scenario's table."""
    first = ("gateway CPU per sign-in (target <= 15 ms)" if scenario == "totp"
             else "gateway CPU per device sign-in")
    requests = "both requests" if scenario == "totp" else "one request"
    return [
        (first, "gateway_cpu_ms", "ms", 2),
        (f"baseline: {MODEXPS[scenario]} modexps per sign-in, in-process", "baseline_ms", "ms",
         2),
        *_ROWS[:8],
        (f"sign-in latency p50 ({requests})", "latency_p50_ms", "ms", 1),
        *_ROWS[8:],
    ]


# (label, Round attribute, unit, digits); the first two and the p50 latency depend on the
# scenario (_rows).
_ROWS = [
    ("gateway CPU / baseline", "gateway_to_baseline", "x", 2),
    ("emulator CPU per sign-in", "emulator_cpu_ms", "ms", 2),
    ("redis-server CPU per sign-in", "redis_cpu_ms", "ms", 2),
    ("load client CPU per sign-in", "client_cpu_ms", "ms", 2),
    ("cores busy: gateway+emulator+redis+client", "benchmark_cores", "", 2),
    ("cores busy: everything else on the machine", "other_cores", "", 2),
    ("sign-ins per second", "sign_ins_per_second", "/s", 1),
    ("  the same, while /healthz is probed", "live_sign_ins_per_second", "/s", 1),
    ("sign-in latency p99", "latency_p99_ms", "ms", 1),
    ("GET /healthz p99 under load (target < 25 ms)", "healthz_p99_ms", "ms", 2),
    ("GET /healthz p50 under load", "healthz_p50_ms", "ms", 2),
]


def report(rounds: Rounds, args: argparse.Namespace, waits: int, notes: list[str]) -> str:
    lines = [
        *([f"{THIS_TREE}: {args.root}"] if args.root else []),
        *([f"{AGAINST}: {args.against}"] if args.against else []),
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {args.rounds} rounds of {args.batch} sign-ins per batch, "
        f"{args.concurrency} concurrent clients; each cell: median (min-max) over rounds",
    ]
    for scenario, scenario_rounds in rounds.items():
        lines += ["", f"== {scenario}: {SCENARIOS[scenario]} ==", "",
                  *_table(scenario, scenario_rounds)]
    if waits:
        lines.append(f"note: the load waited {waits} times for a TOTP step to turn; seed more "
                     "users (--users) so that the throughput figures are not capped")
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines)


def _table(scenario: str, rounds: dict[str, list[Round]]) -> list[str]:
    labels = list(rounds)
    columns = [*labels, f"{THIS_TREE} / {AGAINST}"] if len(labels) == 2 else labels
    cells: list[list[str]] = []
    for name, attribute, unit, digits in _rows(scenario):
        row = [name]
        for label in labels:
            row.append(Summary.of([getattr(r, attribute) for r in rounds[label]])
                       .show(unit, digits))
        if len(labels) == 2:
            pairs = zip(rounds[THIS_TREE], rounds[AGAINST], strict=True)
            ratios = [getattr(ours, attribute) / getattr(theirs, attribute)
                      for ours, theirs in pairs if getattr(theirs, attribute)]
            row.append(Summary.of(ratios).show("x", 2) if ratios else "-")
        cells.append(row)
    widths = [max(len(row[i]) for row in [["figure", *columns], *cells])
              for i in range(len(columns) + 1)]

    def line(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    lines = [
        line(["figure", *columns]),
        line(["-" * width for width in widths]),
        *(line(row) for row in cells),
        "",
    ]
    for label in labels:
        pooled = [ms for r in rounds[label] for ms in r.healthz_ms]
        lines.append(
            f"/healthz, {label}: {len(pooled)} probes, pooled p99 "
            f"{percentile(pooled, 99):.2f} ms, max {max(pooled, default=float('nan')):.2f} ms, "
            f"errors {sum(r.healthz_errors for r in rounds[label])}"
        )
    return lines


def _checkout(option: str, directory: str) -> Path:
    root = Path(directory).resolve()
    if not (root / "gateway" / "__main__.py").is_file():
        raise SystemExit(f"{option} {directory}: no gateway/ package there")
    return root


def _remembers_devices(root: Path) -> bool:
    return (root / "gateway" / "signin" / "devices.py").is_file()


def run(args: argparse.Namespace) -> None:
    roots = {THIS_TREE: _checkout("--root", args.root) if args.root else processes.ROOT}
    if args.against:
        roots[AGAINST] = _checkout("--against", args.against)
    notes: list[str] = []
    device_roots: dict[str, Path] = {}
    if "device" in args.scenario:
        device_roots = {label: root for label, root in roots.items() if _remembers_devices(root)}
        if THIS_TREE not in device_roots:
            raise SystemExit(f"device scenario: {roots[THIS_TREE]} has no remembered devices "
                             "(no gateway/signin/devices.py); use --scenario totp")
        if args.against and AGAINST not in device_roots:
            notes.append(f"device scenario: the {AGAINST} checkout has no remembered devices "
                         f"(no gateway/signin/devices.py): {THIS_TREE} only")
    totp_roots = roots if "totp" in args.scenario else {}
    users = args.users if "totp" in args.scenario else 0
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp:
        workdir = Path(args.log_dir) if args.log_dir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        stack = Stack(workdir, users, totp_roots, device_roots, args.device_users)
        try:
            print(f"starting redis-server, the emulator ({users} TOTP users, "
                  f"{args.device_users * len(device_roots)} device-pool users) and "
                  f"{len(totp_roots) + len(device_roots)} gateway(s)...", file=sys.stderr)
            stack.start()
            rounds, waits = asyncio.run(measure(stack, args, notes))
        finally:
            stack.stop()
    print(report(rounds, args, waits, notes))
    if args.json:
        raw = {scenario: {label: [asdict(r) for r in each] for label, each in per_label.items()}
               for scenario, per_label in rounds.items()}
        Path(args.json).write_text(json.dumps({"args": vars(args), "rounds": raw}, indent=1))


def _scenarios(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"choose from {', '.join(SCENARIOS)} (comma-separated), not {text!r}")
    return [name for name in SCENARIOS if name in chosen]  # the report's order


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.signin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=300, help="sign-ins per batch")
    parser.add_argument("--warmup", type=int, default=100, help="sign-ins before measuring")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--scenario", type=_scenarios, default=_scenarios("totp,device"),
                        metavar="totp,device",
                        help="which sign-ins to measure (default: both)")
    parser.add_argument("--users", type=int, default=4000,
                        help="TOTP users to seed: at least 30 x the sign-in rate")
    parser.add_argument("--device-users", type=int, default=64,
                        help="users with a remembered device, per gateway (more than "
                             "--concurrency, so that none signs in twice at once)")
    parser.add_argument("--probe-interval", type=float, default=0.01,
                        help="seconds between /healthz probes")
    parser.add_argument("--baseline-sign-ins", type=int, default=200,
                        help="sign-ins' worth of exponentiations per baseline measurement")
    parser.add_argument("--against", metavar="DIR",
                        help="another checkout whose gateway to measure in alternation")
    parser.add_argument("--root", metavar="DIR",
                        help="measure this checkout's gateway instead of this tree's (the "
                             "emulator and the benchmark still run from this tree)")
    parser.add_argument("--json", help="also write every round's raw figures to this file")
    parser.add_argument("--log-dir", help="keep the servers' logs and the seed here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
