"""The local stack (``scripts/dev`` runs ``scripts/devstack.py``), started for real on free
ports: once everything answers it prints every demo user with what signing in as them shows,
the demo SPA's address, and where the logs go; the request logs go to those files, not over
that list; the demo pool's gateway relays to the demo upstream; Ctrl-C stops every process it
started, promptly."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tests.demo import DEMO_SEED
from tests.servers import ROOT, free_port

DEVSTACK = ROOT / "scripts" / "devstack.py"
GATEWAY_COUNT = 8  # scripts/devstack.py's GATEWAYS: demo, MFA-required, devices ask / always,
# custom auth by code / by question
READY_LINE = "Ctrl-C stops everything."
START_TIMEOUT = 90.0  # nine processes on a loaded two-core machine
STOP_TIMEOUT = 15.0


def _free_ports(count: int = 2) -> int:
    """A free port whose next ``count - 1`` are free too (the stack's gateways)."""
    for _ in range(100):
        first = free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", first + offset))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports")


def _demo_sign_ins() -> list[str]:
    """What a person types to sign in as each demo user: the username, or the email alias
    of a user whose username is an opaque id."""
    names = []
    for pool in yaml.safe_load(DEMO_SEED.read_text())["pools"]:
        for user in pool["Users"]:
            username = user["Username"]
            opaque = len(username) == 36 and username.count("-") == 4
            names.append(user["Attributes"]["email"] if opaque else username)
    return names


def _read_until(lines: queue.Queue[str | None], marker: str, deadline: float) -> str:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            printed = "".join(seen)
            raise AssertionError(f"no {marker!r} in time; printed so far:\n{printed}") from None
        if line is None:
            raise AssertionError(f"the stack exited; it printed:\n{''.join(seen)}")
        seen.append(line)
        if marker in line:
            return "".join(seen)


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - loopback
        return int(reply.status)


def _call(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET, an error status included."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback
            return int(reply.status), dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return int(error.code), dict(error.headers), error.read()


def _json(body: bytes) -> Any:
    return json.loads(body)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for_text(path: Path, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} never reached {path}"
        time.sleep(0.1)


def test_dev_stack_lists_the_demo_users_and_keeps_request_logs_in_files(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    gateway_port, emulator_port, redis_port = _free_ports(GATEWAY_COUNT), free_port(), free_port()
    upstream_port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(DEVSTACK), "--port", str(gateway_port),
         "--emulator-port", str(emulator_port), "--redis-port", str(redis_port),
         "--upstream-port", str(upstream_port), "--log-dir", str(log_dir)],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: nothing it starts can outlive the test
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        output = _read_until(lines, READY_LINE, time.monotonic() + START_TIMEOUT)

        # Every demo user, with a hint of what signing in as them shows.
        for name in _demo_sign_ins():
            (line,) = [line for line in output.splitlines() if line.split()[:1] == [name]]
            _name, _password, *hint = line.split()
            assert len(hint) >= 3, f"no hint for {name}: {line!r}"
        # Where the logs are.
        assert str(log_dir) in output
        logs = {path.name for path in log_dir.glob("*.log")}
        gateway_ports = range(gateway_port, gateway_port + GATEWAY_COUNT)
        assert logs == {"redis.log", "emulator.log", "upstream.log",
                        *(f"gateway-{port}.log" for port in gateway_ports)}
        assert all(name in output for name in logs), output
        # Printed once everything answers: the list is the last thing on the screen.
        assert output.rstrip().endswith(READY_LINE)

        for port in gateway_ports:
            assert _get(f"http://127.0.0.1:{port}/healthz") == 200
        assert _get(f"http://127.0.0.1:{gateway_port}/login") == 200
        assert _get(f"http://127.0.0.1:{emulator_port}/_emulator/") == 200
        # The demo SPA, through the demo pool's gateway from the demo upstream, whose own CSP
        # the gateway keeps. The page loads without X-CSRF (a public route); the API needs it.
        gateway = f"http://127.0.0.1:{gateway_port}"
        spa_url = f"{gateway}/spa/"
        assert f"Demo SPA        {spa_url}" in output
        status, headers, body = _call(spa_url, {})
        assert status == 200, body
        assert b'<script src="app.js"' in body
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        # The API behind it needs a session; the upstream itself answers.
        status, _, body = _call(f"{gateway}/api/echo/x", {"X-CSRF": "1"})
        assert (status, _json(body)["error"]["code"]) == (401, "not_signed_in")
        assert _get(f"http://127.0.0.1:{upstream_port}/public/hello") == 200
        # The requests were logged, to the files, and nothing more reached the terminal.
        _wait_for_text(log_dir / f"gateway-{gateway_port}.log", '"path": "/login"')
        _wait_for_text(log_dir / "emulator.log", "GET /_emulator/ ")
        _wait_for_text(log_dir / "upstream.log", "GET /public/spa/ ")
        assert lines.empty(), lines.get()

        # Ctrl-C: everything it started stops, within a few seconds.
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_TIMEOUT) == 0
        while _group_alive(process.pid) and time.monotonic() - started < STOP_TIMEOUT:
            time.sleep(0.1)
        assert not _group_alive(process.pid), "a process of the stack outlived it"
        assert time.monotonic() - started < STOP_TIMEOUT
        for port in (*gateway_ports, emulator_port, redis_port, upstream_port):
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
        reader.join(timeout=STOP_TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()
