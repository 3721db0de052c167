"""Colours of a commune's theme, made accessible: WCAG 2.2 contrast computed from its colours.

A commune picks a colour; the theme derives the text colour to put on it (white or near-black,
whichever contrasts more) and a variant dark enough to be read as text or links on white.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# On a colour, text is white or black: one of the two always reaches 4.58:1 at least (a
# near-black would not, for mid-tone colours).
WHITE, INK = "#ffffff", "#000000"
AA = 4.5  # WCAG 1.4.3, normal text


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[int, int, int]:
    if not HEX.match(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    r, g, b = (_channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """White or black: whichever contrasts more with `background` (one always passes AA)."""
    return WHITE if contrast(background, WHITE) >= contrast(background, INK) else INK


def readable_on(colour: str, background: str = WHITE, ratio: float = AA) -> str:
    """`colour`, darkened (or lightened on a dark background) just enough to reach `ratio`."""
    if contrast(colour, background) >= ratio:
        return colour
    target = (0, 0, 0) if luminance(background) > 0.18 else (255, 255, 255)
    r, g, b = rgb(colour)
    for step in range(1, 101):
        t = step / 100
        mixed = "#" + "".join(f"{round(c + (tc - c) * t):02x}"
                              for c, tc in zip((r, g, b), target, strict=True))
        if contrast(mixed, background) >= ratio:
            return mixed
    return INK if target == (0, 0, 0) else WHITE


@dataclass(frozen=True)
class Palette:
    primary: str  # the commune's colour: header and buttons background
    on_primary: str  # text on it
    link: str  # the commune's colour as text on white
    secondary: str
    on_secondary: str

    def css(self) -> str:
        return (":root{"
                f"--primary:{self.primary};--on-primary:{self.on_primary};"
                f"--link:{self.link};--secondary:{self.secondary};"
                f"--on-secondary:{self.on_secondary}}}\n")


def palette(primary: str, secondary: str) -> Palette:
    return Palette(primary=primary, on_primary=text_on(primary), link=readable_on(primary),
                   secondary=secondary, on_secondary=text_on(secondary))
