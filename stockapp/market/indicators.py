"""Technical indicators over OHLCV bars, delegated to TA-Lib.

Two consumers: the chart API (`parse_indicator_spec` + `compute_indicators`, whole series
aligned to the visible bars) and the signals engine (`latest_snapshot` / `with_live_price`,
only the latest values, cheap enough to recompute on every live tick).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import talib

from stockapp.market.models import Bar

PERIOD_MIN, PERIOD_MAX = 2, 400
STDDEV_MIN, STDDEV_MAX = 0.5, 5.0
MAX_SPECS = 16

# name -> default parameters; the count of defaults is the full parameter count.
DEFAULT_PARAMS: dict[str, tuple[float, ...]] = {
    "sma": (20,),
    "ema": (20,),
    "rsi": (14,),
    "atr": (14,),
    "macd": (12, 26, 9),
    "bbands": (20, 2.0),
}
SUPPORTED = tuple(DEFAULT_PARAMS)


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One requested indicator with its full, validated parameter list."""

    name: str
    params: tuple[float, ...]

    def __str__(self) -> str:
        return ":".join([self.name, *(f"{p:g}" for p in self.params)])


def _parse_period(raw: str, what: str, part: str) -> int:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{what} in '{part}' must be a number, got '{raw}'") from None
    if not value.is_integer():
        raise ValueError(f"{what} in '{part}' must be a whole number, got '{raw}'")
    if not PERIOD_MIN <= value <= PERIOD_MAX:
        raise ValueError(
            f"{what} in '{part}' must be between {PERIOD_MIN} and {PERIOD_MAX}, got '{raw}'"
        )
    return int(value)


def _parse_stddev(raw: str, part: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"standard deviation in '{part}' must be a number, got '{raw}'") from None
    if not (math.isfinite(value) and STDDEV_MIN <= value <= STDDEV_MAX):
        raise ValueError(
            f"standard deviation in '{part}' must be between {STDDEV_MIN:g} and "
            f"{STDDEV_MAX:g}, got '{raw}'"
        )
    return value


def _parse_part(part: str) -> IndicatorSpec:
    name, *raw_params = (piece.strip() for piece in part.split(":"))
    name = name.lower()
    if name not in DEFAULT_PARAMS:
        raise ValueError(
            f"unknown indicator '{name}' in '{part}'; supported: {', '.join(SUPPORTED)}"
        )
    defaults = DEFAULT_PARAMS[name]
    if not raw_params:
        return IndicatorSpec(name, defaults)
    if name == "bbands" and len(raw_params) not in (1, 2):
        raise ValueError(f"'{part}': bbands takes period[:stddev], e.g. bbands:20:2")
    if name != "bbands" and len(raw_params) != len(defaults):
        shape = "fast:slow:signal, e.g. macd:12:26:9" if name == "macd" else "one period"
        raise ValueError(f"'{part}': {name} takes {shape}")
    if name == "macd":
        fast, slow, signal = (
            _parse_period(raw, what, part)
            for raw, what in zip(
                raw_params, ("fast period", "slow period", "signal period"), strict=True
            )
        )
        if fast >= slow:
            raise ValueError(
                f"'{part}': macd fast period ({fast}) must be shorter than slow period ({slow})"
            )
        return IndicatorSpec(name, (fast, slow, signal))
    period = _parse_period(raw_params[0], "period", part)
    if name == "bbands":
        stddev = _parse_stddev(raw_params[1], part) if len(raw_params) == 2 else defaults[1]
        return IndicatorSpec(name, (period, stddev))
    return IndicatorSpec(name, (period,))


def parse_indicator_spec(text: str) -> list[IndicatorSpec]:
    """Parse "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2"; duplicates collapse to one."""
    specs: list[IndicatorSpec] = []
    for raw_part in text.split(","):
        part = raw_part.strip()
        if not part:
            continue
        spec = _parse_part(part)
        if spec not in specs:
            specs.append(spec)
    if len(specs) > MAX_SPECS:
        raise ValueError(f"at most {MAX_SPECS} indicators per request, got {len(specs)}")
    return specs


def output_keys(specs: Sequence[IndicatorSpec]) -> list[list[str]]:
    """The result keys each spec fills, in spec order.

    MACD and Bollinger keys are unsuffixed for the first spec of that kind and get a
    `_<params>` suffix for any further one, so the common single-request case stays terse.
    """
    seen: set[str] = set()
    keys: list[list[str]] = []
    for spec in specs:
        params = "_".join(f"{p:g}" for p in spec.params)
        if spec.name in ("macd", "bbands"):
            suffix = f"_{params}" if spec.name in seen else ""
            seen.add(spec.name)
            names = (
                ("macd", "macd_signal", "macd_hist")
                if spec.name == "macd"
                else ("bb_upper", "bb_middle", "bb_lower")
            )
            keys.append([name + suffix for name in names])
        else:
            keys.append([f"{spec.name}_{params}"])
    return keys


def warmup_bars(specs: Sequence[IndicatorSpec]) -> int:
    """Extra leading bars to fetch so the first visible value is settled.

    Window indicators (sma, bbands) only need their lookback (period - 1). Recursive ones
    depend on every earlier bar, so they get enough history for the seed's weight to fade:
    ema 3 x period (seed weight under 0.5 %), rsi and atr 10 x period (Wilder smoothing
    decays slower), macd 3 x (slow + signal) since the signal line smooths the macd line.
    """
    needed = 0
    for spec in specs:
        period = int(spec.params[0])
        if spec.name in ("sma", "bbands"):
            bars = period - 1
        elif spec.name == "ema":
            bars = 3 * period
        elif spec.name in ("rsi", "atr"):
            bars = 10 * period
        else:
            bars = 3 * (int(spec.params[1]) + int(spec.params[2]))
        needed = max(needed, bars)
    return needed


def _series(
    spec: IndicatorSpec, high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> tuple[np.ndarray, ...]:
    period = int(spec.params[0])
    if spec.name == "sma":
        return (talib.SMA(close, timeperiod=period),)
    if spec.name == "ema":
        return (talib.EMA(close, timeperiod=period),)
    if spec.name == "rsi":
        return (talib.RSI(close, timeperiod=period),)
    if spec.name == "atr":
        return (talib.ATR(high, low, close, timeperiod=period),)
    if spec.name == "macd":
        slow, signal = int(spec.params[1]), int(spec.params[2])
        return tuple(talib.MACD(close, fastperiod=period, slowperiod=slow, signalperiod=signal))
    stddev = float(spec.params[1])
    return tuple(talib.BBANDS(close, timeperiod=period, nbdevup=stddev, nbdevdn=stddev, matype=0))


def _to_list(values: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else v for v in values.tolist()]


def compute_indicators(
    bars: Sequence[Bar], specs: Sequence[IndicatorSpec], *, warmup: int = 0
) -> dict[str, list[float | None]]:
    """Indicator series aligned to `bars[warmup:]`, NaN as None.

    Everything is computed over all bars (warm-up history included) and only then trimmed,
    so the first visible value already has its history behind it.
    """
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    count = len(bars)
    high = np.fromiter((b.h for b in bars), dtype=np.float64, count=count)
    low = np.fromiter((b.l for b in bars), dtype=np.float64, count=count)
    close = np.fromiter((b.c for b in bars), dtype=np.float64, count=count)
    result: dict[str, list[float | None]] = {}
    for spec, keys in zip(specs, output_keys(specs), strict=True):
        for key, values in zip(keys, _series(spec, high, low, close), strict=True):
            result[key] = _to_list(values[warmup:])
    return result


# --- latest values for the signals engine -------------------------------------------------

YEAR_BARS = 252  # trading days in a year
SNAPSHOT_HISTORY = 320  # daily bars kept per symbol: 1Y return + SMA200 cross look-back
CROSS_SEARCH_BARS = 60  # how far back a golden/death cross is looked for
RETURN_PERIODS = {"1m": 21, "6m": 126, "1y": YEAR_BARS}


@dataclass(frozen=True, slots=True)
class IndicatorSnapshot:
    """Latest indicator values of one symbol on daily bars; None where history is short.

    `*_prev` fields are one bar earlier, for crossover detection. 52-week extremes cover
    the last 252 bars including the current one; `prior_*` ones exclude the current bar,
    so "price broke the 52-week high" can be told apart from "price is at it".
    """

    bars: int
    close: float
    prev_close: float | None
    volume: float
    rsi14: float | None
    macd: float | None
    macd_signal: float | None
    macd_prev: float | None
    macd_signal_prev: float | None
    sma20: float | None
    sma50: float | None
    sma200: float | None
    sma20_prev: float | None
    sma50_prev: float | None
    sma200_prev: float | None
    bars_since_golden_cross: int | None  # 0 = the 50-day SMA crossed above on this bar
    bars_since_death_cross: int | None
    high_52w: float
    low_52w: float
    prior_high_52w: float | None
    prior_low_52w: float | None
    avg_volume_20d: float | None  # the 20 bars before the current one
    volume_ratio: float | None
    return_1m: float | None  # percent
    return_6m: float | None
    return_1y: float | None


@dataclass(frozen=True, slots=True)
class SnapshotInputs:
    """The tail of a symbol's daily history, kept so live ticks can be folded in cheaply."""

    closes: np.ndarray
    highs: np.ndarray
    lows: np.ndarray
    volumes: np.ndarray

    @classmethod
    def from_bars(cls, bars: Sequence[Bar], keep: int = SNAPSHOT_HISTORY) -> SnapshotInputs:
        tail = bars[-keep:] if keep > 0 else bars
        count = len(tail)
        return cls(
            closes=np.fromiter((b.c for b in tail), dtype=np.float64, count=count),
            highs=np.fromiter((b.h for b in tail), dtype=np.float64, count=count),
            lows=np.fromiter((b.l for b in tail), dtype=np.float64, count=count),
            volumes=np.fromiter((b.v for b in tail), dtype=np.float64, count=count),
        )

    def snapshot(self) -> IndicatorSnapshot:
        return latest_snapshot(self.closes, self.highs, self.lows, self.volumes)


def _at(values: np.ndarray, index: int) -> float | None:
    if len(values) < -index:
        return None
    value = float(values[index])
    return None if math.isnan(value) else value


def _bars_since_cross(fast: np.ndarray, slow: np.ndarray, upward: bool) -> int | None:
    tail = CROSS_SEARCH_BARS + 1
    diff = (fast[-tail:] - slow[-tail:]) if upward else (slow[-tail:] - fast[-tail:])
    valid = ~np.isnan(diff)
    crossed = valid[1:] & valid[:-1] & (diff[1:] > 0) & (diff[:-1] <= 0)
    hits = np.flatnonzero(crossed)
    if hits.size == 0:
        return None
    return int(len(crossed) - 1 - hits[-1])


def _as_array(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def latest_snapshot(
    closes: Sequence[float] | np.ndarray,
    highs: Sequence[float] | np.ndarray,
    lows: Sequence[float] | np.ndarray,
    volumes: Sequence[float] | np.ndarray,
) -> IndicatorSnapshot:
    """Latest indicator values from daily arrays ordered oldest first (last = current bar)."""
    close, high, low, volume = (_as_array(a) for a in (closes, highs, lows, volumes))
    count = len(close)
    if count == 0:
        raise ValueError("latest_snapshot needs at least one bar")
    if not len(high) == len(low) == len(volume) == count:
        raise ValueError("closes, highs, lows and volumes must have the same length")
    rsi = talib.RSI(close, timeperiod=14)
    macd, macd_signal, _ = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    sma20 = talib.SMA(close, timeperiod=20)
    sma50 = talib.SMA(close, timeperiod=50)
    sma200 = talib.SMA(close, timeperiod=200)
    avg_volume = _at(talib.SMA(volume, timeperiod=20), -2)
    returns = {
        name: _at(talib.ROC(close, timeperiod=period), -1)
        for name, period in RETURN_PERIODS.items()
    }
    prior_high = prior_low = None
    if count > 1:
        prior_high = float(np.max(high[-YEAR_BARS - 1 : -1]))
        prior_low = float(np.min(low[-YEAR_BARS - 1 : -1]))
    return IndicatorSnapshot(
        bars=count,
        close=float(close[-1]),
        prev_close=_at(close, -2),
        volume=float(volume[-1]),
        rsi14=_at(rsi, -1),
        macd=_at(macd, -1),
        macd_signal=_at(macd_signal, -1),
        macd_prev=_at(macd, -2),
        macd_signal_prev=_at(macd_signal, -2),
        sma20=_at(sma20, -1),
        sma50=_at(sma50, -1),
        sma200=_at(sma200, -1),
        sma20_prev=_at(sma20, -2),
        sma50_prev=_at(sma50, -2),
        sma200_prev=_at(sma200, -2),
        bars_since_golden_cross=_bars_since_cross(sma50, sma200, upward=True),
        bars_since_death_cross=_bars_since_cross(sma50, sma200, upward=False),
        high_52w=float(np.max(high[-YEAR_BARS:])),
        low_52w=float(np.min(low[-YEAR_BARS:])),
        prior_high_52w=prior_high,
        prior_low_52w=prior_low,
        avg_volume_20d=avg_volume,
        volume_ratio=float(volume[-1]) / avg_volume if avg_volume else None,
        return_1m=returns["1m"],
        return_6m=returns["6m"],
        return_1y=returns["1y"],
    )


def with_live_price(
    inputs: SnapshotInputs,
    price: float,
    day_volume: float,
    *,
    day_high: float | None = None,
    day_low: float | None = None,
    append: bool = False,
) -> IndicatorSnapshot:
    """Snapshot with a live tick folded in as the current bar.

    `append=False`: the history's last bar is today's (still forming) and is overwritten.
    `append=True`: the history ends at the previous session and today is added as a new bar.
    Only the short tail in `inputs` is copied, so this is cheap enough per tick.
    """
    high = max(price, day_high) if day_high is not None else price
    low = min(price, day_low) if day_low is not None else price
    if append or len(inputs.closes) == 0:
        closes = np.append(inputs.closes, price)
        highs = np.append(inputs.highs, high)
        lows = np.append(inputs.lows, low)
        volumes = np.append(inputs.volumes, float(day_volume))
    else:
        closes, highs = inputs.closes.copy(), inputs.highs.copy()
        lows, volumes = inputs.lows.copy(), inputs.volumes.copy()
        closes[-1] = price
        highs[-1] = max(highs[-1], high)
        lows[-1] = min(lows[-1], low)
        volumes[-1] = float(day_volume)
    return latest_snapshot(closes, highs, lows, volumes)
