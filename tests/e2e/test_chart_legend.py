"""The candlestick chart's crosshair legend (OHLC, volume, indicator values of the hovered
candle, TradingView style) and Indian number grouping on its price and volume axes."""

from __future__ import annotations

import re

from tests.e2e.conftest import real_errors

CHART = "#candle-chart"
LEGEND = "#candle-chart-legend"
OHLC = re.compile(r"O ([\d,]+\.\d\d)\s+H ([\d,]+\.\d\d)\s+L ([\d,]+\.\d\d)\s+C ([\d,]+\.\d\d)")


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def test_legend_follows_the_crosshair_with_ohlc_volume_and_indicators(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/analysis/RELIANCE")
    # five days of 5-minute candles: the day's 1-minute chart has only a few candles just
    # after the simulator's day begins (midnight in India)
    page.wait_for_function(f"() => Number(document.querySelector('{CHART}')?.dataset.bars) > 0")
    page.click("#tf-5D")
    page.wait_for_function(f"() => Number(document.querySelector('{CHART}')?.dataset.bars) > 100")
    legend = page.locator(LEGEND)
    legend.wait_for()
    # off the chart: the latest candle
    resting = legend.inner_text()
    assert OHLC.search(resting), resting
    assert "Vol " in resting

    box = page.locator(CHART).bounding_box()
    seen = []
    for fraction in (0.3, 0.6):
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + 150)
        page.wait_for_function(f"() => document.querySelector('{LEGEND}')?.dataset.hovered")
        text = legend.inner_text()
        m = OHLC.search(text)
        assert m, text
        o, h, low, c = (_num(g) for g in m.groups())
        assert low <= min(o, c) <= max(o, c) <= h, text
        assert re.search(r"Vol [\d,]+", text), text
        # the indicators drawn on the chart have their value at this candle too
        assert re.search(r"(SMA|EMA|RSI|MACD)[^\n]*\d", text), text
        seen.append((page.evaluate(f"document.querySelector('{LEGEND}')?.dataset.hovered"), text))
    assert seen[0][0] != seen[1][0], "the legend did not follow the crosshair"
    page.mouse.move(5, 5)
    assert real_errors(page.errors) == []


def test_price_and_volume_axes_use_indian_grouping(page):
    page.goto("/analysis/RELIANCE")
    page.wait_for_function(f"() => Number(document.querySelector('{CHART}')?.dataset.bars) > 0")
    fmt = page.evaluate(
        f"""() => {{ const api = document.querySelector('{CHART}').stockChart;
            return [api.vol.priceFormatter().format(240000),
                    api.candles.priceFormatter().format(1234567.5)]; }}"""
    )
    assert fmt == ["2,40,000", "12,34,567.50"]
