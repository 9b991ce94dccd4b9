"""The local stack in one process tree: redis-server, the emulator, and two gateways (the
demo pool, and the pool that requires MFA so the enrolment pages can be tried).

Not part of the product: a developer's convenience, started by ``scripts/dev``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_SEED = ROOT / "cognito_emulator" / "demo_seed.yaml"
PASSWORD = "Demo-Passw0rd!"

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
]

SIGN_INS = [
    ("password-user", PASSWORD, "plain password, no MFA", 0),
    ("totp-user", PASSWORD, "authenticator app (code on the emulator page)", 0),
    ("sms-user", PASSWORD, "text message code (emulator outbox)", 0),
    ("email-user", PASSWORD, "email code (emulator outbox)", 0),
    ("choice-user", PASSWORD, "choose SMS, email or authenticator", 0),
    ("new-password-user", "Temp-Passw0rd!", "must choose a new password and give a name", 0),
    ("alias@example.com", PASSWORD, "email alias, client with a secret", 0),
    ("setup-user", PASSWORD, "must set up MFA (authenticator or email)", 1),
]


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="first gateway port")
    parser.add_argument("--emulator-port", type=int, default=9229)
    parser.add_argument("--redis-port", type=int, default=6390)
    args = parser.parse_args()

    processes: list[subprocess.Popen[bytes]] = []
    workdir = tempfile.mkdtemp(prefix="gateway-dev-")

    def stop(*_: object) -> None:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    redis_binary = shutil.which("redis-server") or sys.exit("redis-server is not installed")
    processes.append(subprocess.Popen(
        [redis_binary, "--port", str(args.redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    ))
    emulator_url = f"http://{args.host}:{args.emulator_port}"
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "cognito_emulator", "--host", args.host,
         "--port", str(args.emulator_port), "--seed", str(DEMO_SEED)],
        cwd=ROOT, stdout=subprocess.DEVNULL,
    ))
    wait_for(f"{emulator_url}/_emulator/health", processes[-1], "the emulator")

    urls = []
    for index, gateway in enumerate(GATEWAYS):
        port = args.port + index
        env = {
            **os.environ,
            "GATEWAY_REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/{index}",
            # A fixed development key: sessions survive a restart of the stack. Never reuse it.
            "GATEWAY_SECRET_KEYS": "local-development-only-key-0123456789abcdef",
            "GATEWAY_COGNITO_ENDPOINT": emulator_url,
            # Plain http on localhost: cookies without Secure, so every browser keeps them.
            "GATEWAY_COOKIE_SECURE": "false",
            "GATEWAY_BRAND_NAME": "Demo App",
            **{k: v for k, v in gateway.items() if k.startswith("GATEWAY_")},
        }
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gateway", "--host", args.host, "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        ))
        wait_for(f"http://{args.host}:{port}/healthz", processes[-1], "the gateway")
        urls.append(f"http://{args.host}:{port}")

    print()
    print(f"  Sign in at      {urls[0]}/login")
    print(f"  MFA-required    {urls[1]}/login   (the setup-user's pool)")
    print(f"  Emulator page   {emulator_url}/_emulator/   (codes sent, current TOTP codes)")
    print()
    print("  Demo sign-ins:")
    for username, password, what, pool in SIGN_INS:
        print(f"    {username:<20} {password:<16} {what} [{urls[pool]}]")
    print()
    print("  Ctrl-C stops everything.", flush=True)
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a process exited ({process.args[0]}); stopping", file=sys.stderr)
                stop()
        time.sleep(0.5)


if __name__ == "__main__":
    main()
