from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import talib
from hypothesis import given
from hypothesis import strategies as st

from stockapp.market.indicators import IndicatorSnapshot, latest_snapshot
from stockapp.market.signals import (
    BUY_THRESHOLD,
    MAX_POINTS,
    SELL_THRESHOLD,
    SignalRules,
    evaluate,
    verdict_for,
)


def snapshot_of(closes: np.ndarray, volumes: np.ndarray | None = None) -> IndicatorSnapshot:
    closes = np.asarray(closes, dtype=float)
    vols = np.full_like(closes, 1000.0) if volumes is None else volumes
    return latest_snapshot(closes, closes, closes, vols)


NEUTRAL = IndicatorSnapshot(
    bars=300,
    close=100.0,
    prev_close=100.0,
    volume=1000.0,
    rsi14=50.0,
    macd=0.0,
    macd_signal=0.0,
    macd_prev=0.0,
    macd_signal_prev=0.0,
    sma20=100.0,
    sma50=100.0,
    sma200=100.0,
    sma20_prev=100.0,
    sma50_prev=100.0,
    sma200_prev=100.0,
    bars_since_golden_cross=None,
    bars_since_death_cross=None,
    high_52w=150.0,
    low_52w=50.0,
    prior_high_52w=150.0,
    prior_low_52w=50.0,
    avg_volume_20d=1000.0,
    volume_ratio=1.0,
    return_1m=0.0,
    return_6m=0.0,
    return_1y=0.0,
)


def rules_fired(snap: IndicatorSnapshot, price: float | None = None) -> list[str]:
    return [hit.rule for hit in evaluate("TEST", snap, price).hits]


def test_neutral_snapshot_holds_with_explanation() -> None:
    rec = evaluate("TCS", NEUTRAL)
    assert rec.symbol == "TCS"
    assert (rec.verdict, rec.score, rec.hits) == ("Hold", 0, [])
    assert rec.reasons == ["No rule fired; the indicators are neutral"]
    assert rec.change_percent == 0.0


def test_steady_decline_is_oversold() -> None:
    rng = np.random.default_rng(1)
    closes = np.linspace(300, 200, 260) + rng.normal(0, 0.3, 260)
    rec = evaluate("DOWN", snapshot_of(closes))
    rsi = talib.RSI(closes, 14)[-1]
    assert rsi < 30
    assert f"RSI {rsi:.1f} is below 30 (oversold)" in rec.reasons
    assert "Price ₹" in rec.reasons[2] and "below the 50-day average" in rec.reasons[2]
    assert any("52-week low" in reason for reason in rec.reasons)
    assert rec.score < 0


def test_steady_rise_is_overbought() -> None:
    closes = np.linspace(200, 300, 260) + np.random.default_rng(2).normal(0, 0.3, 260)
    rec = evaluate("UP", snapshot_of(closes))
    assert any(r.endswith("is above 70 (overbought)") for r in rec.reasons)
    assert "above_sma200" in [hit.rule for hit in rec.hits]


def test_golden_cross_series() -> None:
    closes = np.concatenate([np.linspace(200, 100, 230), np.linspace(100, 260, 60)])
    sma50, sma200 = talib.SMA(closes, 50), talib.SMA(closes, 200)
    cross = next(i for i in range(201, len(closes)) if sma50[i] > sma200[i])
    assert sma50[cross - 1] <= sma200[cross - 1]
    rec = evaluate("GOLD", snapshot_of(closes[: cross + 3]))
    assert "50-day average crossed above the 200-day average 2 bars ago (golden cross)" in (
        rec.reasons
    )
    assert "golden_cross" not in rules_fired(snapshot_of(closes))  # too long ago


def test_death_cross_series() -> None:
    closes = np.concatenate([np.linspace(100, 200, 230), np.linspace(200, 40, 60)])
    sma50, sma200 = talib.SMA(closes, 50), talib.SMA(closes, 200)
    cross = next(i for i in range(201, len(closes)) if sma50[i] < sma200[i])
    rec = evaluate("DEATH", snapshot_of(closes[: cross + 1]))
    assert "death_cross" in [hit.rule for hit in rec.hits]
    assert any("today (death cross)" in reason for reason in rec.reasons)


def test_breakout_and_breakdown_series() -> None:
    flat = 100 + np.sin(np.arange(299) / 5) * 5  # range 95..105
    up = evaluate("BRK", snapshot_of(np.append(flat, 110.0)))
    assert "Price ₹110.00 is at or above the 52-week high ₹105.00" in up.reasons
    down = evaluate("BRK", snapshot_of(np.append(flat, 90.0)))
    assert "breakdown_52w" in [hit.rule for hit in down.hits]
    near = evaluate("BRK", snapshot_of(flat), price=103.5)
    assert "near_52w_high" in [hit.rule for hit in near.hits]


def test_macd_crossovers_from_series() -> None:
    wave = 100 + np.sin(np.arange(400) / 8) * 10
    macd, signal, _ = talib.MACD(wave, 12, 26, 9)
    above = macd > signal
    bull = next(i for i in range(60, 400) if above[i] and not above[i - 1])
    bear = next(i for i in range(60, 400) if not above[i] and above[i - 1])
    assert "macd_bullish_cross" in rules_fired(snapshot_of(wave[: bull + 1]))
    assert "macd_above_signal" in rules_fired(snapshot_of(wave[: bull + 2]))
    assert "macd_bearish_cross" in rules_fired(snapshot_of(wave[: bear + 1]))
    assert "macd_below_signal" in rules_fired(snapshot_of(wave[: bear + 2]))


def test_volume_surge_direction() -> None:
    closes = np.append(np.full(40, 100.0), 104.0)
    volumes = np.append(np.full(40, 1000.0), 3000.0)
    rec = evaluate("VOL", snapshot_of(closes, volumes))
    assert "Volume is 3.0x the 20-day average with the price up 4.00%" in rec.reasons
    falling = evaluate("VOL", snapshot_of(np.append(np.full(40, 100.0), 96.0), volumes))
    assert "volume_surge_down" in [hit.rule for hit in falling.hits]
    quiet = evaluate("VOL", snapshot_of(closes))
    assert not any(hit.rule.startswith("volume_surge") for hit in quiet.hits)


def test_rule_thresholds_are_configurable() -> None:
    snap = replace(NEUTRAL, rsi14=35.0)
    assert "rsi_oversold" not in rules_fired(snap)
    rec = evaluate("X", snap, rules=SignalRules(rsi_oversold=40))
    assert rec.reasons == ["RSI 35.0 is below 40 (oversold)"]


def test_verdict_thresholds() -> None:
    assert (BUY_THRESHOLD, SELL_THRESHOLD) == (25, -25)
    assert verdict_for(25) == "Buy" and verdict_for(100) == "Buy"
    assert verdict_for(24) == "Hold" and verdict_for(0) == "Hold" and verdict_for(-24) == "Hold"
    assert verdict_for(-25) == "Sell" and verdict_for(-100) == "Sell"


def test_all_bullish_and_all_bearish_reach_the_bounds() -> None:
    bullish = replace(
        NEUTRAL,
        rsi14=20.0,
        macd=1.0,
        macd_signal=0.5,
        macd_prev=0.0,
        macd_signal_prev=0.2,
        sma50=90.0,
        sma200=80.0,
        bars_since_golden_cross=1,
        prior_high_52w=99.0,
        volume_ratio=3.0,
        prev_close=95.0,
    )
    rec = evaluate("BULL", bullish)
    assert (rec.verdict, rec.score) == ("Buy", 100)
    assert sum(hit.points for hit in rec.hits) == MAX_POINTS
    bearish = replace(
        NEUTRAL,
        rsi14=80.0,
        macd=-1.0,
        macd_signal=-0.5,
        macd_prev=0.0,
        macd_signal_prev=-0.2,
        sma50=110.0,
        sma200=120.0,
        bars_since_death_cross=0,
        prior_low_52w=101.0,
        volume_ratio=3.0,
        prev_close=105.0,
    )
    rec = evaluate("BEAR", bearish)
    assert (rec.verdict, rec.score) == ("Sell", -100)
    assert len(rec.reasons) == 7


def test_live_price_override_and_key_values() -> None:
    rec = evaluate("X", NEUTRAL, price=160.0)
    assert rec.price == 160.0 and rec.change_percent == 60.0
    assert rec.high_52w == 160.0 and rec.low_52w == 50.0
    assert rec.to_dict()["verdict"] == rec.verdict
    assert rec.rsi14 == 50.0 and rec.sma200 == 100.0


optional = st.none() | st.floats(-1e6, 1e6, allow_nan=False)


@given(
    rsi=st.none() | st.floats(0, 100),
    macd=optional,
    signal=optional,
    price=st.floats(1, 1e5),
    ratio=st.none() | st.floats(0, 50),
    golden=st.none() | st.integers(0, 60),
    death=st.none() | st.integers(0, 60),
)
def test_score_always_within_bounds(
    rsi: float | None,
    macd: float | None,
    signal: float | None,
    price: float,
    ratio: float | None,
    golden: int | None,
    death: int | None,
) -> None:
    snap = replace(
        NEUTRAL,
        rsi14=rsi,
        macd=macd,
        macd_signal=signal,
        volume_ratio=ratio,
        bars_since_golden_cross=golden,
        bars_since_death_cross=death,
    )
    rec = evaluate("H", snap, price)
    assert -100 <= rec.score <= 100
    assert rec.verdict == verdict_for(rec.score)
    assert len(rec.reasons) >= 1


@pytest.mark.parametrize("price", [99.0, 101.0])
def test_sma_side_reasons(price: float) -> None:
    rec = evaluate("X", NEUTRAL, price)
    side = "above" if price > 100 else "below"
    assert f"Price ₹{price:,.2f} is {side} the 50-day average ₹100.00" in rec.reasons
    assert f"Price ₹{price:,.2f} is {side} the 200-day average ₹100.00" in rec.reasons
