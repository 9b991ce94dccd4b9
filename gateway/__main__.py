"""``python -m gateway --host H --port P``: configuration comes from GATEWAY_* variables."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gateway.app import create_app
from gateway.config import ConfigError, load_settings
from gateway.logs import configure
from gateway.web.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cognito-gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    configure(settings.log_level)
    logging.getLogger("gateway").info(
        "starting",
        extra={"host": args.host, "port": args.port, "pool": settings.cognito.user_pool_id},
    )
    run(
        create_app(settings),
        args.host,
        args.port,
        ready=lambda: print(f"gateway listening on http://{args.host}:{args.port}", flush=True),
    )


if __name__ == "__main__":
    main()
