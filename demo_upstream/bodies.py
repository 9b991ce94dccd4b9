"""Reading request bodies in chunks, so a 20 MB upload never sits whole in memory: the point is
to prove the gateway streams, and an upstream that buffered would hide a gateway that does."""

from __future__ import annotations

import hashlib

from aiohttp import StreamReader

CHUNK_SIZE = 64 * 1024


async def digest_body(content: StreamReader) -> tuple[int, str]:
    """(length, sha256 hex) of a body, read chunk by chunk."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in content.iter_chunked(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()
