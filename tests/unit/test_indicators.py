from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import talib

from stockapp.market.indicators import (
    IndicatorSpec,
    SnapshotInputs,
    compute_indicators,
    latest_snapshot,
    output_keys,
    parse_indicator_spec,
    warmup_bars,
    with_live_price,
)
from stockapp.market.models import Bar

START = datetime(2023, 1, 2, 3, 45, tzinfo=UTC)


def make_bars(count: int, seed: int = 7, start_price: float = 1000.0) -> list[Bar]:
    rng = np.random.default_rng(seed)
    closes = start_price * np.exp(np.cumsum(rng.normal(0.0003, 0.015, count)))
    bars = []
    prev = start_price
    for i, close in enumerate(closes):
        spread = abs(rng.normal(0, 0.01)) * close
        high = max(prev, close) + spread
        low = min(prev, close) - spread
        volume = int(rng.integers(100_000, 1_000_000))
        bars.append(Bar(START + timedelta(days=i), prev, high, low, float(close), volume))
        prev = float(close)
    return bars


def arrays(bars: list[Bar]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([b.c for b in bars]),
        np.array([b.h for b in bars]),
        np.array([b.l for b in bars]),
        np.array([float(b.v) for b in bars]),
    )


def assert_matches(actual: list[float | None], expected: np.ndarray) -> None:
    assert len(actual) == len(expected)
    actual_nan = np.array([v is None for v in actual])
    np.testing.assert_array_equal(actual_nan, np.isnan(expected))
    got = np.array([np.nan if v is None else v for v in actual])
    np.testing.assert_array_equal(got[~actual_nan], expected[~actual_nan])


ALL_SPECS = "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2,atr:14"


# --- parsing -------------------------------------------------------------------------------


def test_parse_full_spec() -> None:
    specs = parse_indicator_spec(ALL_SPECS)
    assert specs == [
        IndicatorSpec("sma", (20,)),
        IndicatorSpec("ema", (20,)),
        IndicatorSpec("rsi", (14,)),
        IndicatorSpec("macd", (12, 26, 9)),
        IndicatorSpec("bbands", (20, 2.0)),
        IndicatorSpec("atr", (14,)),
    ]
    assert [str(s) for s in specs] == ALL_SPECS.split(",")


def test_parse_defaults_case_spaces_and_duplicates() -> None:
    specs = parse_indicator_spec(" RSI , macd, bbands:10, sma:50,sma:50,")
    assert specs == [
        IndicatorSpec("rsi", (14,)),
        IndicatorSpec("macd", (12, 26, 9)),
        IndicatorSpec("bbands", (10, 2.0)),
        IndicatorSpec("sma", (50,)),
    ]
    assert parse_indicator_spec("") == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("foo:3", "unknown indicator 'foo'"),
        ("sma:20,vwapx", "unknown indicator 'vwapx'"),
        ("sma:1", "between 2 and 400"),
        ("ema:401", "between 2 and 400"),
        ("sma:abc", "must be a number"),
        ("rsi:14.5", "whole number"),
        ("sma:20:30", "sma takes one period"),
        ("macd:12:26", "macd takes fast:slow:signal"),
        ("macd:26:12:9", "must be shorter than slow"),
        ("bbands:20:0.1", "standard deviation in 'bbands:20:0.1'"),
        ("bbands:20:6", "between 0.5 and 5"),
        ("bbands:20:2:3", "bbands takes period[:stddev]"),
    ],
)
def test_parse_rejects_bad_parts(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_indicator_spec(text)
    assert fragment in str(info.value)


def test_parse_limits_number_of_specs() -> None:
    text = ",".join(f"sma:{n}" for n in range(2, 20))
    with pytest.raises(ValueError, match="at most"):
        parse_indicator_spec(text)


def test_output_keys_suffix_only_repeated_macd_and_bbands() -> None:
    specs = parse_indicator_spec("macd,bbands,macd:5:35:5,bbands:20:2.5,sma:20")
    assert output_keys(specs) == [
        ["macd", "macd_signal", "macd_hist"],
        ["bb_upper", "bb_middle", "bb_lower"],
        ["macd_5_35_5", "macd_signal_5_35_5", "macd_hist_5_35_5"],
        ["bb_upper_20_2.5", "bb_middle_20_2.5", "bb_lower_20_2.5"],
        ["sma_20"],
    ]


def test_warmup_bars() -> None:
    assert warmup_bars([]) == 0
    assert warmup_bars(parse_indicator_spec("sma:200")) == 199
    assert warmup_bars(parse_indicator_spec("bbands:20")) == 19
    assert warmup_bars(parse_indicator_spec("ema:20")) == 60
    assert warmup_bars(parse_indicator_spec("rsi:14")) == 140
    assert warmup_bars(parse_indicator_spec("macd")) == 105
    assert warmup_bars(parse_indicator_spec("sma:20,rsi:14,sma:200")) == 199


# --- compute_indicators ----------------------------------------------------------------------


def expected_series(bars: list[Bar]) -> dict[str, np.ndarray]:
    close, high, low, _ = arrays(bars)
    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    return {
        "sma_20": talib.SMA(close, 20),
        "ema_20": talib.EMA(close, 20),
        "rsi_14": talib.RSI(close, 14),
        "macd": macd,
        "macd_signal": signal,
        "macd_hist": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
        "atr_14": talib.ATR(high, low, close, 14),
    }


def test_compute_equals_talib_without_warmup() -> None:
    bars = make_bars(300)
    result = compute_indicators(bars, parse_indicator_spec(ALL_SPECS))
    expected = expected_series(bars)
    assert set(result) == set(expected)
    for key, values in expected.items():
        assert_matches(result[key], values)
    assert result["sma_20"][18] is None and result["sma_20"][19] is not None
    assert all(isinstance(v, float) for v in result["rsi_14"] if v is not None)


def test_compute_with_warmup_drops_leading_bars() -> None:
    bars = make_bars(400, seed=11)
    specs = parse_indicator_spec(ALL_SPECS)
    warmup = warmup_bars(specs)
    result = compute_indicators(bars, specs, warmup=warmup)
    expected = expected_series(bars)
    for key, values in expected.items():
        assert len(result[key]) == len(bars) - warmup
        assert_matches(result[key], values[warmup:])
        assert all(v is not None for v in result[key]), key


def test_compute_short_warmup_leaves_leading_nones() -> None:
    bars = make_bars(60)
    result = compute_indicators(bars, parse_indicator_spec("sma:20"), warmup=5)
    assert len(result["sma_20"]) == 55
    assert result["sma_20"][:14] == [None] * 14
    assert result["sma_20"][14] == pytest.approx(np.mean([b.c for b in bars[:20]]))


def test_compute_second_macd_and_bbands_match_talib() -> None:
    bars = make_bars(200, seed=3)
    close = arrays(bars)[0]
    result = compute_indicators(bars, parse_indicator_spec("macd,macd:5:35:5,bbands,bbands:10:1.5"))
    macd, signal, hist = talib.MACD(close, 5, 35, 5)
    assert_matches(result["macd_5_35_5"], macd)
    assert_matches(result["macd_signal_5_35_5"], signal)
    assert_matches(result["macd_hist_5_35_5"], hist)
    upper, _, lower = talib.BBANDS(close, 10, 1.5, 1.5, 0)
    assert_matches(result["bb_upper_10_1.5"], upper)
    assert_matches(result["bb_lower_10_1.5"], lower)


def test_compute_edge_cases() -> None:
    specs = parse_indicator_spec("sma:20,macd")
    assert compute_indicators([], specs) == {
        "sma_20": [],
        "macd": [],
        "macd_signal": [],
        "macd_hist": [],
    }
    bars = make_bars(10)
    assert compute_indicators(bars, specs, warmup=50)["sma_20"] == []
    assert compute_indicators(bars, specs)["sma_20"] == [None] * 10
    with pytest.raises(ValueError, match="warmup"):
        compute_indicators(bars, specs, warmup=-1)


# --- snapshot ------------------------------------------------------------------------------


def test_snapshot_matches_talib() -> None:
    bars = make_bars(320, seed=5)
    close, high, low, volume = arrays(bars)
    snap = latest_snapshot(close, high, low, volume)
    rsi = talib.RSI(close, 14)
    macd, signal, _ = talib.MACD(close, 12, 26, 9)
    assert snap.bars == 320
    assert snap.close == close[-1] and snap.prev_close == close[-2]
    assert snap.rsi14 == rsi[-1]
    assert (snap.macd, snap.macd_signal) == (macd[-1], signal[-1])
    assert (snap.macd_prev, snap.macd_signal_prev) == (macd[-2], signal[-2])
    for period in (20, 50, 200):
        sma = talib.SMA(close, period)
        assert getattr(snap, f"sma{period}") == sma[-1]
        assert getattr(snap, f"sma{period}_prev") == sma[-2]
    assert snap.high_52w == high[-252:].max() and snap.low_52w == low[-252:].min()
    assert snap.prior_high_52w == high[-253:-1].max()
    assert snap.prior_low_52w == low[-253:-1].min()
    assert snap.avg_volume_20d == pytest.approx(volume[-21:-1].mean())
    assert snap.volume_ratio == pytest.approx(volume[-1] / volume[-21:-1].mean())
    assert snap.return_1m == pytest.approx((close[-1] / close[-22] - 1) * 100)
    assert snap.return_6m == pytest.approx((close[-1] / close[-127] - 1) * 100)
    assert snap.return_1y == pytest.approx((close[-1] / close[-253] - 1) * 100)


def test_snapshot_short_history_has_nones() -> None:
    close, high, low, volume = arrays(make_bars(30))
    snap = latest_snapshot(close, high, low, volume)
    assert snap.rsi14 is not None and snap.sma20 is not None
    assert snap.macd is None and snap.sma50 is None and snap.sma200 is None
    assert snap.return_1m is not None and snap.return_6m is None and snap.return_1y is None
    assert snap.bars_since_golden_cross is None and snap.bars_since_death_cross is None
    single = latest_snapshot([100.0], [101.0], [99.0], [5.0])
    assert single.prev_close is None and single.prior_high_52w is None
    assert single.high_52w == 101.0 and single.volume_ratio is None
    with pytest.raises(ValueError):
        latest_snapshot([], [], [], [])
    with pytest.raises(ValueError, match="same length"):
        latest_snapshot([1.0, 2.0], [1.0], [1.0, 2.0], [1.0, 2.0])


def test_golden_cross_detected_with_age() -> None:
    # long decline then a sharp rally: the 50-day average overtakes the 200-day one
    closes = np.concatenate([np.linspace(200, 100, 230), np.linspace(100, 260, 60)])
    snap = latest_snapshot(closes, closes, closes, np.ones_like(closes))
    sma50, sma200 = talib.SMA(closes, 50), talib.SMA(closes, 200)
    above = sma50 > sma200
    cross_index = next(i for i in range(200, len(closes)) if above[i] and not above[i - 1])
    assert snap.bars_since_golden_cross == len(closes) - 1 - cross_index
    assert snap.bars_since_death_cross is None


def test_with_live_price_replace_and_append() -> None:
    bars = make_bars(400, seed=9)
    inputs = SnapshotInputs.from_bars(bars)
    assert len(inputs.closes) == 320
    close, high, low, volume = arrays(bars[-320:])

    replaced = with_live_price(inputs, 1234.5, 2_000_000, day_high=1240.0, day_low=1200.0)
    close_r = close.copy()
    close_r[-1] = 1234.5
    assert replaced.close == 1234.5 and replaced.prev_close == close[-2]
    assert replaced.rsi14 == talib.RSI(close_r, 14)[-1]
    assert replaced.volume == 2_000_000
    assert replaced.high_52w >= 1240.0
    assert inputs.closes[-1] == close[-1]  # inputs untouched

    appended = with_live_price(inputs, 1234.5, 2_000_000, append=True)
    close_a = np.append(close, 1234.5)
    assert appended.bars == 321 and appended.prev_close == close[-1]
    assert appended.rsi14 == talib.RSI(close_a, 14)[-1]
    assert appended.macd == talib.MACD(close_a, 12, 26, 9)[0][-1]
    assert appended.volume_ratio == pytest.approx(2_000_000 / volume[-20:].mean())
    assert inputs.snapshot() == latest_snapshot(close, high, low, volume)


def test_live_price_is_cheap() -> None:
    inputs = SnapshotInputs.from_bars(make_bars(400, seed=2))
    runs = 500
    started = time.perf_counter()
    for i in range(runs):
        with_live_price(inputs, 1000.0 + i * 0.05, 1_000_000 + i)
    per_call_ms = (time.perf_counter() - started) / runs * 1000
    print(f"with_live_price: {per_call_ms:.3f} ms per symbol")
