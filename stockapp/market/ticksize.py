"""NSE tick sizes and daily price bands.

The tick grid depends on price (NSE's price-linked tick sizes):

    price < 250             0.01
    250   <= price < 1000   0.05
    1000  <= price < 5000   0.10
    5000  <= price < 10000  0.50
    10000 <= price < 20000  1.00
    20000 <= price          5.00

Each band is closed below and open above, so a boundary price (250, 1000, ...) takes the
coarser tick. Every boundary is a multiple of both neighbouring ticks, and every coarser tick
is a multiple of every finer one, so rounding a price onto the grid of its own tick always
lands on a price that is also on the grid of *its* tick: rounding never leaves the grid, even
when it crosses a boundary.

Daily price bands are a percentage either side of the previous close. Stocks in the F&O
segment have no fixed band; NSE gives them a dynamic band that starts at 10% and is widened
in 5% steps after a cooling-off period when it is hit. The simulator keeps it at the initial
10% (`FNO_DYNAMIC_BAND_PCT`): flexing only matters for the rare day a large cap moves 10%.

Indices have neither a tick grid nor a band; their levels are rounded to 0.01
(`round_index`).

Scalar functions work in `Decimal` so that results are exactly on the grid; the `*_array`
variants do the same in integer paise with numpy for the simulator's hot path.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

# Lower edge of each tick band after the first, and the tick in each band.
_BAND_EDGES: tuple[float, ...] = (250.0, 1000.0, 5000.0, 10000.0, 20000.0)
_TICKS: tuple[str, ...] = ("0.01", "0.05", "0.10", "0.50", "1.00", "5.00")
_TICK_DECIMALS: tuple[Decimal, ...] = tuple(Decimal(t) for t in _TICKS)
_TICK_PAISE = np.array([1, 5, 10, 50, 100, 500], dtype=np.float64)
_EDGES_ARRAY = np.array(_BAND_EDGES, dtype=np.float64)

FNO_DYNAMIC_BAND_PCT = 10.0
MIN_PRICE = 0.01

FloatArray = npt.NDArray[np.float64]


def _band_index(price: float) -> int:
    i = 0
    while i < len(_BAND_EDGES) and price >= _BAND_EDGES[i]:
        i += 1
    return i


def tick_size(price: float) -> float:
    """The NSE tick for an equity trading at `price` (0.01 for non-positive prices)."""
    return float(_TICK_DECIMALS[_band_index(price)])


def _to_decimal(x: float | Decimal) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(repr(float(x)))


def _snap(price: Decimal, tick: Decimal | None, rounding: str) -> Decimal:
    step = tick if tick is not None else _TICK_DECIMALS[_band_index(float(price))]
    return (price / step).to_integral_value(rounding=rounding) * step


def round_to_tick(price: float, tick: float | None = None) -> float:
    """`price` rounded half-up onto the grid of `tick` (default: the tick for `price`)."""
    step = None if tick is None else _to_decimal(tick)
    return round(float(_snap(_to_decimal(price), step, ROUND_HALF_UP)), 2)


def price_band(prev_close: float, band_pct: float | None) -> tuple[float, float]:
    """(lower, upper) circuit limits for today, both on the tick grid and inside the band.

    The raw limits are `prev_close * (1 -/+ pct/100)`; the lower one is rounded up and the
    upper one down so that a price on the grid never breaches the percentage band. `None`
    means an F&O stock, which gets the initial dynamic band of 10%.
    """
    pct = Decimal(repr(FNO_DYNAMIC_BAND_PCT if band_pct is None else float(band_pct)))
    base = _to_decimal(prev_close)
    factor = pct / 100
    lower = _snap(base * (1 - factor), None, ROUND_CEILING)
    upper = _snap(base * (1 + factor), None, ROUND_FLOOR)
    lower_f = max(round(float(lower), 2), MIN_PRICE)
    return lower_f, max(round(float(upper), 2), lower_f)


def round_index(level: float) -> float:
    """Index levels are not traded, so they have no tick: two decimals, like NSE publishes."""
    return round(float(level), 2)


def tick_size_array(prices: FloatArray) -> FloatArray:
    """Vectorised `tick_size`, in rupees."""
    return _TICK_PAISE[np.searchsorted(_EDGES_ARRAY, prices, side="right")] / 100.0


def round_to_tick_array(prices: FloatArray) -> FloatArray:
    """Vectorised `round_to_tick` (half-up, in paise).

    Prices are first snapped to 1e-4 paise so that a binary near-miss such as 100.00499999
    (the double nearest 100.005) rounds like its decimal spelling, as the scalar path does.
    An integer number of paise divided by 100 is the double nearest the two-decimal price,
    which is exactly what `round(x, 2)` returns, so results compare equal to the scalar path.
    """
    prices = np.asarray(prices, dtype=np.float64)
    tick_paise = _TICK_PAISE[np.searchsorted(_EDGES_ARRAY, prices, side="right")]
    paise = np.floor(np.rint(prices * 1e6) / 1e4 / tick_paise + 0.5) * tick_paise
    return np.maximum(paise, 1.0) / 100.0
