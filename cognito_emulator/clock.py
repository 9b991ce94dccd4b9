"""The emulator's notion of "now": wall-clock time plus an offset that tests move.

Everything time-dependent (session and code expiry, TOTP steps, token iat/exp, the SRP
TIMESTAMP window) reads this clock, so a test can expire a three-minute session by moving the
offset instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Clock:
    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self.offset_seconds = 0.0

    def now(self) -> float:
        return self._source() + self.offset_seconds

    def advance(self, seconds: float) -> None:
        self.offset_seconds += seconds

    def set_offset(self, seconds: float) -> None:
        self.offset_seconds = seconds

    def reset(self) -> None:
        self.offset_seconds = 0.0
