"""The record of every AWS API call: what context data it carried and how it ended.

Tests use it to prove what reached "Cognito" (notably the end user's IP). It holds no secret:
no password, code, session, token, SECRET_HASH or SRP value is ever written here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

# A local stack may run for days; tests need only the recent past.
MAX_RECORDS = 10_000


@dataclass
class CallRecord:
    operation: str
    source_ip: str
    at: float
    client_id: str | None = None
    username: str | None = None
    user_context_data: dict[str, str] | None = None
    ip_honoured: bool = False
    effective_ip: str | None = None
    error: str | None = None
    # RespondToAuthChallenge: the challenge answered, and the one (if any) that came next.
    # Names only, never the answer.
    challenge: str | None = None
    next_challenge: str | None = None
    # InitiateAuth: the AuthFlow it asked for (USER_SRP_AUTH, REFRESH_TOKEN_AUTH, ...).
    auth_flow: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self.records: deque[CallRecord] = deque(maxlen=MAX_RECORDS)

    def add(self, record: CallRecord) -> None:
        self.records.append(record)

    def clear(self) -> None:
        self.records.clear()
