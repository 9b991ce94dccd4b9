"""``python -m cognito_emulator --host 127.0.0.1 --port 9229 [--seed FILE]
[--function NAME=package.module:attr ...]``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aiohttp import web

from cognito_emulator.seed import DEMO_SEED, SeedError, load_seed
from cognito_emulator.server import create_app
from cognito_emulator.state import Emulator
from cognito_emulator.triggers import FunctionSpecError, parse_function_option


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cognito-emulator", description="A local Amazon Cognito user-pool emulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9229)
    parser.add_argument(
        "--seed",
        help="YAML or JSON seed file; 'demo' loads the bundled demo seed",
    )
    parser.add_argument(
        "--function", action="append", default=[], metavar="NAME=package.module:attr",
        help="the Python handler a Lambda function NAME (as in LambdaConfig ARNs) runs; "
             "repeatable, overrides the seed's functions:",
    )
    parser.add_argument(
        "--issuer-url",
        help="base URL for token issuers (default: the URL each caller used to reach us)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        functions = dict(parse_function_option(option) for option in args.function)
    except FunctionSpecError as exc:
        print(f"cognito-emulator: bad --function: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    if args.seed:
        path = DEMO_SEED if args.seed == "demo" else Path(args.seed)
        try:
            emulator = Emulator(load_seed(path), functions=functions)
        except (OSError, SeedError, ValueError) as exc:
            print(f"cognito-emulator: cannot load seed {path}: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
    else:
        try:
            emulator = Emulator(functions=functions)
        except FunctionSpecError as exc:
            print(f"cognito-emulator: bad --function: {exc}", file=sys.stderr)
            raise SystemExit(2) from exc
    app = create_app(emulator, issuer_base_url=args.issuer_url)
    ready = f"cognito-emulator listening on http://{args.host}:{args.port}"
    web.run_app(app, host=args.host, port=args.port,
                print=lambda _default: print(ready, flush=True))


if __name__ == "__main__":
    main()
