"""The liveness prober: ``GET /healthz`` at a steady rate, in a process of its own.

Its own process so that the load client's event loop (busy with 16 sign-ins) cannot delay a
probe and make the gateway look slower than it is. It keeps one keep-alive connection, as a
load balancer's health checker does, sleeps between probes, and stops when its standard input
is closed; it then prints the latencies it saw, in milliseconds, as one JSON line.

``python -m bench.probe http://127.0.0.1:8000/healthz --interval 0.01``
"""

from __future__ import annotations

import argparse
import http.client
import json
import select
import sys
import time
from urllib.parse import urlsplit


def probe_until_stdin_closes(url: str, interval: float) -> tuple[list[float], int]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    latencies: list[float] = []
    errors = 0
    print("ready", flush=True)
    while True:
        # The wait between probes doubles as the check for "stop": stdin readable means EOF.
        readable, _, _ = select.select([sys.stdin], [], [], interval)
        if readable:
            return latencies, errors
        started = time.perf_counter()
        try:
            connection.request("GET", parts.path)
            reply = connection.getresponse()
            reply.read()
            ok = reply.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        if ok:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between probes")
    args = parser.parse_args(argv)
    latencies, errors = probe_until_stdin_closes(args.url, args.interval)
    print(json.dumps({"latencies_ms": latencies, "errors": errors}), flush=True)


if __name__ == "__main__":
    main()
