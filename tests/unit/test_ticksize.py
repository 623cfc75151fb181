from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockapp.market.ticksize import (
    FNO_DYNAMIC_BAND_PCT,
    price_band,
    round_index,
    round_to_tick,
    round_to_tick_array,
    tick_size,
    tick_size_array,
)


def on_grid(price: float, tick: float) -> bool:
    return Decimal(repr(price)) % Decimal(repr(tick)) == 0


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (-5.0, 0.01),
        (0.0, 0.01),
        (12.34, 0.01),
        (249.99, 0.01),
        (250.0, 0.05),
        (999.95, 0.05),
        (1000.0, 0.10),
        (4999.9, 0.10),
        (5000.0, 0.50),
        (9999.5, 0.50),
        (10000.0, 1.00),
        (19999.0, 1.00),
        (20000.0, 5.00),
        (125000.0, 5.00),
    ],
)
def test_tick_size_bands_are_closed_below(price: float, tick: float) -> None:
    assert tick_size(price) == tick
    assert tick_size_array(np.array([price]))[0] == tick


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (617.26, 617.25),
        (617.28, 617.3),
        (1234.56, 1234.6),
        (249.996, 250.0),
        (999.98, 1000.0),
        (100.005, 100.01),  # half-up on the decimal spelling, not the binary near-miss
        (7777.3, 7777.5),
        (15432.4, 15432.0),
        (23457.6, 23460.0),
        (0.001, 0.0),
    ],
)
def test_round_to_tick_examples(price: float, expected: float) -> None:
    assert round_to_tick(price) == expected


def test_round_to_tick_with_explicit_tick() -> None:
    assert round_to_tick(101.23, 0.05) == 101.25
    assert round_to_tick(101.23, 0.5) == 101.0
    assert round_to_tick(0.1 + 0.2, 0.1) == 0.3


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=0.01, max_value=150_000, allow_nan=False))
def test_round_to_tick_lands_on_the_grid_of_its_own_price(price: float) -> None:
    r = round_to_tick(price)
    assert on_grid(r, tick_size(r))
    assert abs(r - price) <= tick_size(price) / 2 + 1e-9
    assert r == round(r, 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.01, max_value=150_000), min_size=1, max_size=50))
def test_vector_rounding_matches_scalar(prices: list[float]) -> None:
    vector = round_to_tick_array(np.array(prices))
    assert vector.tolist() == [max(round_to_tick(p), 0.01) for p in prices]


def test_rounding_is_monotone_across_band_edges() -> None:
    prices = np.linspace(240.0, 21000.0, 200_001)
    rounded = round_to_tick_array(prices)
    assert np.all(np.diff(rounded) >= 0)
    ticks = tick_size_array(rounded)
    ratio = rounded / ticks
    assert np.all(np.abs(ratio - np.rint(ratio)) < 1e-9)


@pytest.mark.parametrize(
    ("prev_close", "band", "expected"),
    [
        (1000.0, 20.0, (800.0, 1200.0)),
        (1000.0, None, (900.0, 1100.0)),
        (257.35, 5.0, (244.49, 270.2)),
        (1052.3, 2.0, (1031.3, 1073.3)),
        (24.55, 10.0, (22.1, 27.0)),
        (20010.0, 20.0, (16008.0, 24010.0)),
    ],
)
def test_price_band_examples(prev_close: float, band: float | None, expected: tuple) -> None:
    assert price_band(prev_close, band) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=1.0, max_value=60_000),
    st.sampled_from([2.0, 5.0, 10.0, 20.0, None]),
)
def test_price_band_is_the_tightest_grid_range_inside_the_band(
    raw_close: float, band: float | None
) -> None:
    pc = round_to_tick(raw_close)
    lower, upper = price_band(pc, band)
    pct = Decimal(repr(FNO_DYNAMIC_BAND_PCT if band is None else band)) / 100
    raw_lower = Decimal(repr(pc)) * (1 - pct)
    raw_upper = Decimal(repr(pc)) * (1 + pct)
    assert on_grid(lower, tick_size(lower)) and on_grid(upper, tick_size(upper))
    assert lower <= pc <= upper
    assert raw_lower <= Decimal(repr(lower)) < raw_lower + Decimal(repr(tick_size(lower)))
    assert raw_upper - Decimal(repr(tick_size(float(raw_upper)))) < Decimal(repr(upper))
    assert Decimal(repr(upper)) <= raw_upper


def test_index_levels_round_to_paise() -> None:
    assert round_index(24317.456) == 24317.46
    assert round_index(81000.0) == 81000.0
