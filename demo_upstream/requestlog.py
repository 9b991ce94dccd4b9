"""What reached the upstream: one record per request, in memory and optionally as JSON lines.

Relay tests need proof of absence as much as presence (a path trick or a refused request must
never arrive here), so every request is recorded, whether or not it had a valid token.
"""

from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path
from typing import IO, Any

MAX_RECORDS = 10_000  # bounded, so a long-running local stack does not grow without limit


class RequestLog:
    def __init__(self, path: str | Path | None = None, max_records: int = MAX_RECORDS) -> None:
        self.records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._file: IO[str] | None = (
            open(path, "a", encoding="utf-8") if path is not None else None  # noqa: SIM115 - closed in close()
        )

    def add(self, *, method: str, raw_path: str, status: int | None, token_sent: bool,
            token_valid: bool | None, error: str | None = None, sub: str | None = None,
            request_id: str | None = None) -> dict[str, Any]:
        """``token_valid`` is None where the route does not check tokens (/public/,
        /_upstream/)."""
        record = {
            "time": time.time(), "method": method, "path": raw_path, "status": status,
            "token_sent": token_sent, "token_valid": token_valid, "error": error, "sub": sub,
            "request_id": request_id,
        }
        self.records.append(record)
        if self._file is not None:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
            self._file.flush()
        return record

    def clear(self) -> None:
        self.records.clear()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
