"""The local stack in one process tree: redis-server, the emulator, the demo upstream API (with
the demo SPA's files) and one gateway per demo pool (the demo pool, the pool that requires MFA
so the enrolment pages can be tried, the two remembered-devices pools and the two custom-auth
pools). The demo pool's gateway relays ``/api/`` to the upstream and serves the SPA at ``/spa/``.

Every service writes its output (request logs included) to its own file under the log
directory (``.devstack/`` by default), so the terminal keeps what a developer needs: the URLs
and the demo sign-ins, printed once everything answers.

Not part of the product: a developer's convenience, started by ``scripts/dev``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

ROOT = Path(__file__).resolve().parents[1]
DEMO_SEED = ROOT / "cognito_emulator" / "demo_seed.yaml"
DEFAULT_LOG_DIR = ROOT / ".devstack"
PASSWORD = "Demo-Passw0rd!"
START_TIMEOUT = 60.0
DEMO_POOL = "us-east-1_DemoPool01"
UPSTREAM_PORT_OFFSET = 71  # the upstream's default port: the emulator's + 71 (9229 -> 9300)
STOP_TIMEOUT = 5.0

GATEWAYS = [
    {
        "name": "demo pool",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoPool01",
        "GATEWAY_CLIENT_ID": "1demogatewayclient00000001",
        "GATEWAY_CLIENT_SECRET": "1demogatewayclientsecret0000000000000000000000000001",
    },
    {
        "name": "MFA-required pool",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoPool02",
        "GATEWAY_CLIENT_ID": "2demogatewayclient00000002",
        "GATEWAY_CLIENT_SECRET": "2demogatewayclientsecret0000000000000000000000000002",
    },
    {
        "name": "remembered-devices pool (ask)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoDevices1",
        "GATEWAY_CLIENT_ID": "5demodeviceaskclient000005",
        "GATEWAY_CLIENT_SECRET": "5demodeviceaskclientsecret00000000000000000000000005",
        "GATEWAY_REMEMBER_DEVICES": "ask",
    },
    {
        "name": "remembered-devices pool (always)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoDevices2",
        "GATEWAY_CLIENT_ID": "6demodevicealwaysclient006",
        "GATEWAY_CLIENT_SECRET": "6demodevicealwaysclientsecret0000000000000000000006",
        "GATEWAY_REMEMBER_DEVICES": "always",
    },
    {
        "name": "custom-auth pool (email me a code)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoPool03",
        "GATEWAY_CLIENT_ID": "4democustomauthclient00004",
        "GATEWAY_CLIENT_SECRET": "4democustomauthclientsecret000000000000000000000004",
        "GATEWAY_AUTH_FLOW": "CUSTOM_AUTH",
    },
    {
        "name": "custom-auth pool (password, then a question)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoPool04",
        "GATEWAY_CLIENT_ID": "7democustomquestion0000007",
        "GATEWAY_CLIENT_SECRET": "7democustomquestionclientsecret00000000000000000007",
        "GATEWAY_AUTH_FLOW": "CUSTOM_AUTH_SRP",
    },
    {
        "name": "choice pool (password, a code or a passkey)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoPasskey1",
        "GATEWAY_CLIENT_ID": "9demopasskeyclient00000009",
        "GATEWAY_CLIENT_SECRET": "9demopasskeyclientsecret000000000000000000000000009",
        "GATEWAY_AUTH_FLOW": "USER_AUTH",
    },
    {
        "name": "sign-up pool (no users: create an account at /signup)",
        "GATEWAY_USER_POOL_ID": "us-east-1_DemoSignUp1",
        "GATEWAY_CLIENT_ID": "10demosignupclient00000010",
        "GATEWAY_CLIENT_SECRET": "10demosignupclientsecret000000000000000000000000010",
        "GATEWAY_AUTH_FLOW": "USER_AUTH",
        "GATEWAY_SIGN_UP": "true",
        "GATEWAY_ACCOUNT_DELETION": "true",
        "GATEWAY_EDITABLE_ATTRIBUTES": "name,email",
    },
]

# (sign in as, password, what signing in as this user shows, index into GATEWAYS). One line per
# user of cognito_emulator/demo_seed.yaml; tests/test_devstack.py checks none is missing.
SIGN_INS = [
    ("password-user", PASSWORD, "no MFA: signed in straight away", 0),
    ("totp-user", PASSWORD, "asks for an authenticator-app code (emulator page)", 0),
    ("sms-user", PASSWORD, "asks for a text-message code (emulator page)", 0),
    ("email-user", PASSWORD, "asks for an emailed code (emulator page)", 0),
    ("choice-user", PASSWORD, "picks SMS, email or app, then that code", 0),
    ("new-password-user", "Temp-Passw0rd!", "temporary password: choose a new one, give a name",
     0),
    ("alias@example.com", PASSWORD, "signs in by email alias (username is an opaque id)", 0),
    ("setup-user", PASSWORD, "MFA required, none yet: set up an app (QR) or email", 1),
    ("device-user", PASSWORD, "app code with 'Remember this device'; then no code", 2),
    ("always-device-user", PASSWORD, "app code once, device remembered; then no code", 3),
    ("code-user", "—", "no password: the username, then the code emailed (emulator page)", 4),
    ("question-user", PASSWORD, "then 'What is six times seven?' (42), three tries", 5),
    ("choice-password-user", PASSWORD, "username first, then the password (or SRP)", 6),
    ("choice-email-user", PASSWORD, "username first, then an emailed code or the password", 6),
    ("choice-sms-user", PASSWORD, "username first, then a texted code or the password", 6),
    ("passkey-user", PASSWORD, "password or emailed code; add a passkey, then sign in with it",
     6),
]


def upstream_routes(upstream_url: str) -> str:
    """The demo pool gateway's GATEWAY_UPSTREAMS: the demo API (WebSocket too) under /api/, and
    the SPA's files under /spa/ for anyone, without a token."""
    return json.dumps({
        "/api/": {"url": f"{upstream_url}/", "websocket": True},
        "/spa/": {"url": f"{upstream_url}/public/spa/", "anonymous": True, "token": "none"},
    })


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


def wait_for(ready: Callable[[], bool], service: Service, deadline: float) -> None:
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            fail(f"{service.name} exited with code {service.process.returncode}", service)
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    fail(f"{service.name} did not start within {START_TIMEOUT:.0f} s", service)


def answers(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
            return True

    return ready


def accepts(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    return ready


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "".join(path.read_text(errors="replace").splitlines(keepends=True)[-lines:])
    except OSError:
        return ""


def fail(message: str, service: Service) -> NoReturn:
    last = tail(service.log)
    print(f"{message}; the end of {service.log}:\n{last}" if last else message, file=sys.stderr)
    raise SystemExit(1)


def shown(path: Path) -> str:
    """A path as short as it can be said: relative to the current directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def banner(urls: Sequence[str], emulator_url: str, upstream_url: str,
           services: Sequence[Service], log_dir: Path) -> str:
    lines = [
        "",
        f"  Sign in at      {urls[0]}/login",
        f"  Demo SPA        {urls[0]}/spa/   (signs in by the JSON API, calls {urls[0]}/api/)",
        f"  MFA-required    {urls[1]}/login   (the setup-user's pool)",
        f"  Emulator page   {emulator_url}/_emulator/   (codes sent, current TOTP codes)",
        f"  Demo API        {upstream_url}   (behind the gateway at {urls[0]}/api/)",
    ]
    for index, gateway in enumerate(GATEWAYS):
        lines += ["", f"  Demo sign-ins on {urls[index]}/login ({gateway['name']}):"]
        lines += [f"    {username:<18} {password:<15} {what}"
                  for username, password, what, pool in SIGN_INS if pool == index]
    lines += [
        "",
        f"  Each service logs (its requests too) to a file in {shown(log_dir)}/:",
        "    " + "  ".join(service.log.name for service in services),
        f"  Follow them with: tail -f {shown(log_dir)}/*.log",
        "  Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000,
                        help="first gateway port (the others use the ports after it)")
    parser.add_argument("--emulator-port", type=int, default=9229)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--upstream-port", type=int, default=None,
                        help="the demo upstream API (default: the emulator port + "
                             f"{UPSTREAM_PORT_OFFSET}, 9300)")
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR,
                        help="where each service's log file goes (default: .devstack/)")
    args = parser.parse_args(argv)
    upstream_port = (args.upstream_port if args.upstream_port is not None
                     else args.emulator_port + UPSTREAM_PORT_OFFSET)

    log_dir: Path = args.log_dir.resolve()
    log_dir.mkdir(parents=True, exist_ok=True)
    services: list[Service] = []
    log_files: list[IO[bytes]] = []
    workdir = tempfile.mkdtemp(prefix="gateway-dev-")

    def start(name: str, log_name: str, command: list[str],
              env: dict[str, str] | None = None) -> Service:
        log = log_dir / log_name
        # A fresh file each run (what this run logged, not yesterday's), written unbuffered.
        output = log.open("wb")
        log_files.append(output)
        process = subprocess.Popen(
            command, cwd=ROOT, env={**(env or os.environ), "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )
        services.append(Service(name, process, log))
        return services[-1]

    def stop() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        for service in reversed(services):
            if service.process.poll() is None:
                service.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for service in reversed(services):
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
        for output in log_files:
            output.close()
        shutil.rmtree(workdir, ignore_errors=True)

    def interrupted(*_: object) -> None:
        # A second Ctrl-C while stopping must not cut the clean-up short.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        raise SystemExit(0)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)

    try:
        redis_binary = shutil.which("redis-server") or sys.exit("redis-server is not installed")
        redis = start("redis-server", "redis.log", [
            redis_binary, "--port", str(args.redis_port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir,
        ])
        deadline = time.monotonic() + START_TIMEOUT
        wait_for(accepts(args.redis_port), redis, deadline)

        # The emulator and the gateways start side by side: a gateway reaches Cognito only
        # when someone signs in.
        emulator_url = f"http://{args.host}:{args.emulator_port}"
        emulator = start("the emulator", "emulator.log", [
            sys.executable, "-m", "cognito_emulator", "--host", args.host,
            "--port", str(args.emulator_port), "--seed", str(DEMO_SEED),
        ])
        # The demo upstream trusts the demo pool's tokens, whose iss is the emulator as the
        # gateway reaches it (emulator_url), so it reads the keys from there too.
        issuer = f"{emulator_url}/{DEMO_POOL}"
        upstream_url = f"http://{args.host}:{upstream_port}"
        upstream = start("the demo upstream", "upstream.log", [
            sys.executable, "-m", "demo_upstream", "--host", args.host,
            "--port", str(upstream_port), "--jwks-url", f"{issuer}/.well-known/jwks.json",
            "--issuer", issuer,
        ])
        urls, gateways = [], []
        for index, gateway in enumerate(GATEWAYS):
            port = args.port + index
            env = {
                **os.environ,
                "GATEWAY_REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/{index}",
                # A fixed development key: sessions survive a restart. Never reuse it.
                "GATEWAY_SECRET_KEYS": "local-development-only-key-0123456789abcdef",
                "GATEWAY_COGNITO_ENDPOINT": emulator_url,
                # Plain http on localhost: cookies without Secure, so every browser keeps them.
                "GATEWAY_COOKIE_SECURE": "false",
                "GATEWAY_BRAND_NAME": "Demo App",
                **{k: v for k, v in gateway.items() if k.startswith("GATEWAY_")},
            }
            if gateway.get("GATEWAY_AUTH_FLOW") == "USER_AUTH":
                # Passkeys belong to where the browser sees the gateway; the emulator's relying
                # party is localhost, which accepts any localhost port as an origin.
                env["GATEWAY_PUBLIC_ORIGIN"] = f"http://localhost:{port}"
            if gateway["GATEWAY_USER_POOL_ID"] == DEMO_POOL:
                env["GATEWAY_UPSTREAMS"] = upstream_routes(upstream_url)
            urls.append(f"http://{args.host}:{port}")
            gateways.append(start(
                f"the gateway for the {gateway['name']}", f"gateway-{port}.log",
                [sys.executable, "-m", "gateway", "--host", args.host, "--port", str(port)],
                env,
            ))
        wait_for(answers(f"{emulator_url}/_emulator/health"), emulator, deadline)
        wait_for(answers(f"{upstream_url}/public/hello"), upstream, deadline)
        for url, service in zip(urls, gateways, strict=True):
            wait_for(answers(f"{url}/healthz"), service, deadline)

        print(banner(urls, emulator_url, upstream_url, services, log_dir), flush=True)
        while True:
            for service in services:
                if service.process.poll() is not None:
                    fail(f"{service.name} exited with code {service.process.returncode}; "
                         "stopping everything", service)
            time.sleep(0.5)
    finally:
        stop()


if __name__ == "__main__":
    main()
