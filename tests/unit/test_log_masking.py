"""The log filter's masking: linear in the length of what it masks, whatever that text is (a
request path is anyone's to write), and still masking everything the first pattern did."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from gateway.logs import mask, secret_spans

# The pattern the gateway masked with before: right about what to mask, quadratic on some text.
FIRST_PATTERN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*|[A-Za-z0-9+/_=-]{80,}")
LENGTH = 8000  # about the longest request line aiohttp accepts


def cost(masker: Callable[[str], str], text: str) -> float:
    """The best of a few runs: what the work costs, without the machine's noise."""
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        masker(text)
        best = min(best, time.perf_counter() - started)
    return best


def repeated(piece: str) -> str:
    return (piece * (LENGTH // len(piece) + 1))[:LENGTH]


PATHOLOGICAL = {
    # A path of /eyJ%C3%A9... as aiohttp decodes it: every "eyJ" starts a token that runs to
    # the end of the text without ever reaching a dot.
    "eyJ-without-dots": "/" + repeated("eyJé"),
    # Base64 runs one short of long enough, each measured again from every character.
    "runs-of-79": repeated("A" * 79 + "é"),
    # Tokens that fail at their last dot.
    "near-misses": repeated("eyJa.b "),
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_masking_costs_about_the_same_on_any_text_of_a_given_length(text: str) -> None:
    plain = "/" + repeated("abcé")  # the same length and alphabet, nothing shaped like a secret
    assert cost(mask, text) / cost(mask, plain) < 3


def test_the_first_pattern_was_the_problem() -> None:
    """The comparison above catches what it should: the old pattern fails it by far."""
    text, plain = PATHOLOGICAL["eyJ-without-dots"], "/" + repeated("abcé")
    first = FIRST_PATTERN.sub
    assert cost(lambda t: first("[redacted]", t), text) / cost(
        lambda t: first("[redacted]", t), plain) > 10


def masked_by_first_pattern(text: str) -> set[int]:
    return {i for m in FIRST_PATTERN.finditer(text) for i in range(*m.span())}


def masked(text: str) -> set[int]:
    return {i for start, end in secret_spans(text) for i in range(start, end)}


def shapes_anywhere(text: str) -> set[int]:
    """Every character inside a JWT shape starting at any "eyJ", or inside a whole run of 80
    or more base64 characters: all the masking may cover."""
    jwt = re.compile(r"(?=(eyJ[\w-]+\.[\w-]+\.[\w-]*))")
    runs = re.compile(r"[A-Za-z0-9+/_=-]{80,}")
    return ({i for m in jwt.finditer(text) for i in range(*m.span(1))}
            | {i for m in runs.finditer(text) for i in range(*m.span())})


def test_everything_the_first_pattern_masked_is_still_masked_and_no_more_than_its_shapes() -> None:
    rng = random.Random(7)
    alphabet = ["eyJ", "eyJ", "a", "Z", "0", "-", "_", ".", ".", "+", "/", "=", "é", " ", "%"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        # Long runs too, so the 80-character rule is exercised.
        text = text.replace("%", "A" * rng.choice([1, 40, 79, 80, 120]))
        assert masked_by_first_pattern(text) <= masked(text), text
        assert masked(text) <= shapes_anywhere(text), text


def test_tokens_and_opaque_runs_are_replaced() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert mask(f"Bearer {token} ok") == "Bearer [redacted] ok"
    assert mask(f"x{token}") == "x[redacted]"  # glued to a word, as the first pattern found
    assert mask("session: " + "Q" * 100 + ";") == "session: [redacted];"
    assert mask("a short path /login/sms-code") == "a short path /login/sms-code"
