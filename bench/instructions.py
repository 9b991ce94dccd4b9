"""Instructions per sign-in: ``python -m bench.instructions`` (needs valgrind).

CPU time on a shared two-core machine moves by 20% from one batch to the next, which hides any
change smaller than that. Instructions executed do not move: this runs the gateway under
valgrind's callgrind, lets sign-ins warm it up, zeroes the counters, completes ``--sign-ins``
more sign-ins and dumps the counts, split by thread. The event-loop thread (thread 1) and the
SRP worker threads are reported apart, since only the first one delays other requests.

Instructions are not time (a cache miss costs more than an addition), so this complements the
CPU figures of ``bench.signin``; it does not replace them. Valgrind runs the gateway about 50
times slower, which is why the count is small and the timeouts are long. ``--root DIR``
measures another checkout's gateway, as in ``bench.signin``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import tempfile
from pathlib import Path

from bench import processes
from bench.load import Authenticators, LoadClient
from bench.signin import Stack, _checkout
from tests.servers import free_port

_CALLGRIND = ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--dump-instr=no"]


def thread_counts(dump_dir: Path) -> dict[int, int]:
    """Instructions per thread in the explicit dump (part 1): ``cg.out.1-NN`` files."""
    counts = {}
    for path in dump_dir.glob("cg.out.1-*"):
        match = re.search(r"^(?:summary|totals): (\d+)", path.read_text(), re.MULTILINE)
        if match:
            counts[int(path.name.rsplit("-", 1)[1])] = int(match.group(1))
    return counts


async def callgrind_control(option: str, pid: int) -> None:
    control = shutil.which("callgrind_control")
    if control is None:
        raise SystemExit("callgrind_control is not on PATH (it comes with valgrind)")
    process = await asyncio.create_subprocess_exec(
        control, option, str(pid), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    if await process.wait() != 0:
        raise SystemExit(f"callgrind_control {option} failed")


async def drive(gateway: processes.Service, stack: Stack, args: argparse.Namespace) -> None:
    async with LoadClient(gateway.url, Authenticators(stack.users), args.concurrency) as load:
        await load.batch(args.warmup)
        await callgrind_control("--zero", gateway.pid)
        await load.batch(args.sign_ins)
        await callgrind_control("--dump", gateway.pid)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sign-ins", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--root", metavar="DIR", help="measure this checkout's gateway")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    root = _checkout("--root", args.root) if args.root else processes.ROOT

    with tempfile.TemporaryDirectory(prefix="gw-instructions-") as tmp:
        workdir = Path(tmp)
        stack = Stack(workdir, 500, {})
        try:
            stack.start()  # redis-server and the emulator; no gateway yet
            environment = {
                **stack.gateway_environment(),
                # Valgrind slows the gateway down about fifty-fold.
                "GATEWAY_COGNITO_READ_TIMEOUT": "60",
                "GATEWAY_REDIS_TIMEOUT": "20",
            }
            prefix = [*_CALLGRIND, f"--callgrind-out-file={workdir / 'cg.out'}"]
            gateway = processes.gateway("gateway-callgrind", root, free_port(), environment,
                                        workdir, prefix=prefix)
            stack.gateways["callgrind"] = gateway
            gateway.start(timeout=300)
            asyncio.run(drive(gateway, stack, args))
            counts = thread_counts(workdir)
        finally:
            stack.stop()

    if not counts:
        raise SystemExit("callgrind wrote no dump; is callgrind_control on PATH?")
    total = sum(counts.values())
    loop_thread = counts.get(1, 0)
    rows = [("all threads", total), ("event-loop thread", loop_thread),
            ("worker threads (SRP)", total - loop_thread)]
    print(f"gateway at {root}: {args.sign_ins} sign-ins under callgrind")
    for name, count in rows:
        print(f"  instructions per sign-in, {name:<21} {count / args.sign_ins / 1e6:7.2f} M")


if __name__ == "__main__":
    main()
