"""Screener inputs folded from daily history + live quotes, and filter parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from stockapp.market.indicators import SnapshotInputs, with_live_price
from stockapp.market.instruments import Instrument
from stockapp.market.models import Bar, Quote
from stockapp.market.screening import (
    ScreenParamError,
    criteria_from_params,
    params_from_criteria,
)
from stockapp.market.screening.data import DailyTail, build_row, pct_change


def _bars(n: int = 400, seed: int = 3) -> list[Bar]:
    rng = np.random.default_rng(seed)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    start = datetime(2024, 1, 1, 3, 45, tzinfo=UTC)
    return [
        Bar(start + timedelta(days=i), c, c * 1.01, c * 0.99, c, int(1000 + 10 * i))
        for i, c in enumerate(closes)
    ]


INST = Instrument(
    "ABC", "india_nse", "ABC Ltd", sector="Tech", shares_outstanding=1_000_000, eps=5.0
)


def _quote(price: float, prev: float, volume: int = 5000) -> Quote:
    return Quote("ABC", "india_nse", price, prev, price, price, prev, volume, datetime.now(UTC))


@pytest.mark.parametrize("today_in_history", [True, False])
def test_fold_matches_the_indicator_snapshot(today_in_history):
    bars = _bars()
    hist = bars if today_in_history else bars[:-1]
    prev = bars[-2].c
    price = prev * 1.03
    row = build_row(INST, _quote(price, prev), DailyTail.from_bars(hist))
    snap = with_live_price(SnapshotInputs.from_bars(hist), price, 5000, append=not today_in_history)
    assert row.rsi14 == pytest.approx(snap.rsi14, rel=1e-9)
    assert row.avg_volume_20d == pytest.approx(snap.avg_volume_20d)
    assert row.volume_ratio == pytest.approx(snap.volume_ratio)
    assert row.market_cap == pytest.approx(price * 1_000_000)
    assert row.pe == pytest.approx(price / 5.0)
    assert row.change_percent == pytest.approx(3.0, abs=0.01)


def test_distances_from_52_week_extremes_are_non_negative():
    bars = _bars()
    prev = bars[-2].c
    q = _quote(prev, prev)
    q.week52_high, q.week52_low = prev * 1.25, prev * 0.8
    row = build_row(INST, q, DailyTail.from_bars(bars))
    assert row.pct_from_52w_high == pytest.approx(20.0)
    assert row.pct_from_52w_low == pytest.approx(25.0)
    q.week52_high = 0.0  # unknown: taken from the history
    row = build_row(INST, q, DailyTail.from_bars(bars))
    assert row.pct_from_52w_high >= 0


def test_no_history_leaves_history_facts_empty():
    row = build_row(INST, _quote(50, 49), None)
    assert row.rsi14 is None and row.volume_ratio is None and row.price == 50


def test_pct_change_counts_sessions_back():
    closes = np.array([100.0, 110.0, 121.0])
    assert pct_change(closes, 2) == pytest.approx(21.0)
    assert pct_change(closes, 3) is None


def test_params_parse_to_criteria_and_back():
    c = criteria_from_params(
        {"price_min": "100", "mcap_min_cr": "50,000", "rsi_max": 30, "near_high_pct": ""},
        sectors=["tech"],
        known_sectors={"Tech", "Banks"},
        sort="rsi",
        descending=True,
    )
    assert c.price_min == 100 and c.market_cap_min == 50_000 * 10_000_000
    assert c.rsi_max == 30 and c.pct_from_high_max is None
    assert c.sectors == frozenset({"Tech"}) and c.sort_by == "rsi14" and c.descending
    back = params_from_criteria(c)
    assert back["mcap_min_cr"] == "50000" and back["price_min"] == "100" and back["pe_max"] == ""


def test_every_bad_field_is_reported():
    with pytest.raises(ScreenParamError) as err:
        criteria_from_params(
            {"price_min": "9", "price_max": "2", "rsi_min": "abc", "pe_min": "1", "pe_max": "0"},
            sectors=["Nope"],
            known_sectors={"Tech"},
        )
    errors = err.value.errors
    assert set(errors) == {"price_min", "rsi_min", "pe_min", "sector"}
    assert "greater than maximum" in errors["price_min"]
    assert "must be a number" in errors["rsi_min"]


def test_volume_surge_preset_matches_at_ten_in_the_morning():
    """At 10:00 IST only a fifth of a day's volume has traded; compared with whole days no
    stock looks surging, compared with the 20-day average to 10:00 some do."""
    import asyncio

    from stockapp.market.calendar import IST
    from stockapp.market.instruments import load_universe
    from stockapp.market.providers.simulated import SimulatedExchange
    from stockapp.market.screening import ScreenCriteria, ScreenData, apply_screen

    universe = load_universe()
    at = datetime(2026, 11, 18, 10, 0, tzinfo=IST)
    exchange = SimulatedExchange(universe, seed=42, now=lambda: at, hours="exchange")
    data = ScreenData(exchange, universe)
    asyncio.run(data.ensure())
    assert data.profile is not None and data.profile.sessions >= 20
    # the usual share by 10:00 (45 of 375 minutes, heavy at the open) is about a fifth
    assert 0.12 < data.share_by_now(exchange.quote(("RELIANCE", "india_nse"))) < 0.3
    keys = [i.key for i in universe.equities("india_nse")]
    rows = data.rows(exchange.snapshot(keys))
    surge = apply_screen(rows, ScreenCriteria(volume_ratio_min=2))
    assert len(surge) >= 1
    whole_days = [r for r in rows if r.avg_volume_20d and r.volume / r.avg_volume_20d >= 2]
    assert whole_days == []  # what the old comparison found
    ratios = sorted(r.volume_ratio for r in rows if r.volume_ratio is not None)
    assert 0.7 < ratios[len(ratios) // 2] < 1.4  # a usual day is about 1x its usual pace
