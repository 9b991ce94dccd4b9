"""HTTP over a bare socket, for what no HTTP client will send: malformed requests, bodies that
never arrive or arrive a byte at a time, more connections than a client may hold."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


async def read_response(reader: asyncio.StreamReader) -> RawResponse:
    status, headers = _parse_head((await reader.readuntil(b"\r\n\r\n"))[:-4])
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return RawResponse(status, headers, body)


def request_head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# --- blocking, for tests that talk to a gateway process from threads ------------------------------


def connect(port: int, source: str = "127.0.0.1", timeout: float = 10.0) -> socket.socket:
    """A connection to the gateway on loopback from ``source``: any 127.0.0.0/8 address is
    this machine, so each one is a client of its own."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))
    return sock


def exchange(sock: socket.socket, request: bytes) -> RawResponse | None:
    """Send ``request`` and read the answer; None when the server closed the connection
    without one."""
    try:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            received += chunk
    except ConnectionError:
        return None
    head, _, body = received.partition(b"\r\n\r\n")
    status, headers = _parse_head(head)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawResponse(status, headers, body)
