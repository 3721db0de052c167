"""Accessible colours computed from a commune's colours (WCAG 2.2 contrast)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_site_factory.theme import AA, WHITE, contrast, palette, readable_on, text_on

colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_known_contrast_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_text_on_picks_the_readable_one():
    assert text_on("#ffd23f") == "#000000"  # dark text on yellow
    assert text_on("#1d5c8c") == WHITE  # white text on blue


@given(colours)
def test_text_on_any_colour_reaches_aa(colour):
    assert contrast(text_on(colour), colour) >= AA


@given(colours)
def test_links_in_the_communes_colour_are_readable_on_white(colour):
    link = readable_on(colour)
    assert contrast(link, WHITE) >= AA
    if contrast(colour, WHITE) >= AA:
        assert link == colour  # a colour that passes is kept as it is


def test_palette_css_declares_every_property():
    css = palette("#2e7d32", "#fde9b0").css()
    for name in ("--primary", "--on-primary", "--link", "--secondary", "--on-secondary"):
        assert name in css


def test_a_malformed_colour_is_refused():
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        palette("red", "#ffffff")
