"""WCAG 2.x colour contrast, so a brand colour that would make the pages unreadable is refused
at start-up instead of shipped (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).

Pure arithmetic on ``#rrggbb`` strings; the stylesheet's colours are checked with it too.
"""

from __future__ import annotations

import re

_HEX = re.compile(r"#([0-9a-fA-F]{6})")

# WCAG AA: normal text, and the parts of a control that say what it is or what state it is in.
TEXT_MINIMUM = 4.5
NON_TEXT_MINIMUM = 3.0


def rgb(colour: str) -> tuple[int, int, int]:
    match = _HEX.fullmatch(colour.strip())
    if match is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_colour(channels: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in channels)


def relative_luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(first: str, second: str, first_share: float) -> str:
    """``color-mix(in srgb, first <share*100>%, second)``, as the browser computes it."""
    (r1, g1, b1), (r2, g2, b2) = rgb(first), rgb(second)
    share = first_share
    return hex_colour(
        (r1 * share + r2 * (1 - share), g1 * share + g2 * (1 - share),
         b1 * share + b2 * (1 - share))
    )
