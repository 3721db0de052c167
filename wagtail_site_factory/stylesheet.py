"""The theme's stylesheet: the shared CSS, preceded by the commune's colours, followed by the
officials' space's (portal/space.css: /espace-elus/ and the mailed convocation link take the
commune's look, so their CSS comes with it).

Served at `/_theme/` on each site (see HomePage.route), so that the colours need no inline
style (a Content-Security-Policy can forbid those) and each site's CSS is cached by browsers
under a URL that changes with its colours.
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from pathlib import Path

from .theme import palette

BASE_CSS = Path(__file__).parent / "static" / "wagtail_site_factory" / "site.css"
SPACE_CSS = Path(__file__).parents[1] / "portal" / "space.css"
DEFAULT = ("#1d5c8c", "#f2e8cf")


@cache
def base_css() -> str:
    return BASE_CSS.read_text() + SPACE_CSS.read_text()


def colours(commune) -> tuple[str, str]:
    if commune is None:
        return DEFAULT
    return commune.primary_color, commune.secondary_color


@lru_cache(maxsize=256)
def _css(primary: str, secondary: str) -> str:
    return palette(primary, secondary).css() + base_css()


def stylesheet(commune) -> str:
    return _css(*colours(commune))


def stylesheet_version(commune) -> str:
    return hashlib.sha256(stylesheet(commune).encode()).hexdigest()[:12]
