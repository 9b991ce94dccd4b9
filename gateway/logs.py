"""Logging: one JSON object per line, and no secret in any of them.

Secrets stay out of logs by construction (we log codes, ids and timings, never request bodies
or Cognito parameters). Two guards back that up: botocore's own loggers are capped at WARNING,
because at DEBUG they print whole request bodies (passwords, codes, Sessions); and a filter
masks anything shaped like a JWT or a Cognito Session that might still slip into a message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# JWTs (tokens) and long opaque base64/url-safe runs (Cognito Sessions, SRP values).
_SECRET_SHAPES = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*|[A-Za-z0-9+/_=-]{80,}")
_NOISY = ("botocore", "aiobotocore", "urllib3", "asyncio")


def mask(text: str) -> str:
    return _SECRET_SHAPES.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = mask(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def quiet_libraries() -> None:
    """Cap the loggers that would print request bodies or query strings, whatever the root
    level is. Called by the application factory, so it holds in tests and embeddings too."""
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    # aiohttp's access log duplicates our request line (and would print query strings).
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
