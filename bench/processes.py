"""The processes under test: the emulator and the gateway, each started as its real command
(``python -m cognito_emulator``, ``python -m gateway``) with its log in a file, and the CPU time
the kernel has charged to a process so far.

Logs go to files rather than pipes: both servers log a line per request, and a pipe nobody
reads would fill and block them mid-benchmark.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of every thread of ``pid`` so far (``/proc/<pid>/stat``
    fields 14 and 15, in clock ticks). Threads count: the gateway's SRP worker pool runs in
    the same process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time all processors have spent busy since boot (``/proc/stat``, first line): every
    field but idle and iowait. Compared with the CPU of the processes under test, it shows how
    much of the machine something else was using during a batch."""
    first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    fields = [int(value) for value in first_line.split()[1:]]
    idle, iowait = fields[3], fields[4]
    # guest and guest_nice (fields 9 and 10) are already counted in user and nice.
    return (sum(fields[:8]) - idle - iowait) / _CLOCK_TICKS


class Service:
    """A server started as ``python -m MODULE ARGS`` that answers ``ready_path`` when up."""

    def __init__(self, name: str, module: str, args: list[str], port: int, ready_path: str,
                 log_dir: Path, env: Mapping[str, str] | None = None, cwd: Path = ROOT,
                 prefix: Sequence[str] = ()) -> None:
        self.name = name
        # ``prefix`` runs the server under another program (valgrind, for instance).
        self.command = [*prefix, sys.executable, "-m", module, *args]
        # ``python -m`` imports from the working directory first: another checkout's
        # directory runs that checkout's code with this virtualenv.
        self.cwd = cwd
        self.port = port
        self.ready_path = ready_path
        self.log_path = log_dir / f"{name}.log"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def start(self, timeout: float = 60.0) -> None:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=1) as reply:  # noqa: S310 - loopback
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.ready_path} within {timeout}s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def emulator(port: int, seed: Path, log_dir: Path) -> Service:
    return Service(
        "emulator", "cognito_emulator",
        ["--host", "127.0.0.1", "--port", str(port), "--seed", str(seed)],
        port, "/_emulator/health", log_dir,
    )


def gateway(name: str, root: Path, port: int, environment: Mapping[str, str],
            log_dir: Path, prefix: Sequence[str] = ()) -> Service:
    """``python -m gateway`` from the checkout at ``root``."""
    return Service(
        name, "gateway", ["--host", "127.0.0.1", "--port", str(port)],
        port, "/readyz", log_dir, env=environment, cwd=root, prefix=prefix,
    )
