"""Deterministic pseudo-random bytes for ``/download``.

Random-looking so no layer can compress them away, deterministic so a test can compute the
expected sha256 from the same size and seed without the upstream sending it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

CHUNK_SIZE = 64 * 1024


def pseudo_random_chunks(size: int, seed: int = 0, chunk_size: int = CHUNK_SIZE
                         ) -> Iterator[bytes]:
    """``size`` bytes from ``seed``, as chunks of ``chunk_size`` (the last one shorter).

    Not for secrets: random.Random is chosen for speed and reproducibility.
    """
    generator = random.Random(seed)  # noqa: S311 - test data, not a secret
    remaining = size
    while remaining > 0:
        length = min(chunk_size, remaining)
        yield generator.randbytes(length)
        remaining -= length
