"""Fault injection: make the next N calls of one operation fail, or answer slowly."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Fault:
    operation: str
    remaining: int
    error: str | None = None
    message: str = ""
    latency_ms: int = 0


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._pending.append(fault)

    def take(self, operation: str) -> Fault | None:
        """The oldest pending fault for ``operation``, counted down by one."""
        for fault in self._pending:
            if fault.operation == operation and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._pending.remove(fault)
                return fault
        return None

    def pending(self) -> list[Fault]:
        return list(self._pending)

    def clear(self) -> None:
        self._pending.clear()
