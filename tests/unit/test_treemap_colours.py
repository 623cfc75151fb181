"""Heat-map tiles carry white text: every shade must keep WCAG AA contrast (4.5:1)."""

from __future__ import annotations

import re

import pytest

from stockapp.components.treemap import heat_colour, label_fit


def contrast_with_white(css: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(n) / 255 for n in re.findall(r"\d+", css))
    lum = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (lum + 0.05)


@pytest.mark.parametrize("pct", [-10, -3, -1.5, -0.2, 0, 0.2, 1.5, 3, 10])
def test_every_shade_reads_with_white_text(pct):
    assert contrast_with_white(heat_colour(pct)) >= 4.5


def test_up_is_greener_and_down_redder():
    up = [int(n) for n in re.findall(r"\d+", heat_colour(2))]
    down = [int(n) for n in re.findall(r"\d+", heat_colour(-2))]
    assert up[1] > up[0] and down[0] > down[1]


def test_label_fit_follows_the_longest_word_in_pixels():
    # three bold capitals need 31 px: class 3 (hidden at 50 px and narrower, 14 px of padding)
    assert label_fit("PFC") == "tm-w3"
    assert label_fit("ITI") < label_fit("MMW")  # narrow letters need less room than wide ones
    assert label_fit("Oil Gas & Consumable Fuels") == "tm-w8"  # "Consumable", 90 px
    assert label_fit("x" * 80) == "tm-w16"
