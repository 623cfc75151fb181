"""Recommendations explains its Score: what goes into it and its range."""

from __future__ import annotations


def test_recommendations_score_has_a_legend(page):
    page.goto("/recommendations")
    legend = page.locator("#score-legend")
    legend.wait_for()
    text = legend.inner_text()
    assert "-100" in text and "+100" in text
    assert "+25 or more is Buy" in text and "-25 or less is Sell" in text
    assert "RSI" in text and "MACD" in text
