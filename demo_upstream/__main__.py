"""``python -m demo_upstream``: the demo team API for the local stack."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from aiohttp import web

from demo_upstream.app import create_app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo_upstream",
        description="A demo API behind the gateway: verifies Cognito bearer tokens and echoes "
                    "what reached it.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9300)
    parser.add_argument("--jwks-url", required=True,
                        help="e.g. http://127.0.0.1:9229/us-east-1_DemoPool01/.well-known/jwks.json")
    parser.add_argument("--issuer", required=True,
                        help="the tokens' exact iss, e.g. http://127.0.0.1:9229/us-east-1_DemoPool01")
    parser.add_argument("--client-id", action="append", dest="client_ids", default=None,
                        help="accept only tokens of this app client (repeatable; default: any)")
    parser.add_argument("--log", default=None, help="append each request as a JSON line here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = create_app(args.jwks_url, args.issuer, client_ids=args.client_ids, log_path=args.log)
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
