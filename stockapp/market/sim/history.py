"""Deterministic synthetic price history for the simulated exchange.

Daily bars are a geometric random walk with volatility clustering, walked *backward* from
the simulator's first previous close so that the last historical close is exactly the price
the live market starts from. Intraday bars of past sessions are a Brownian bridge between a
day's open and close, stretched to touch its high and low, so minute bars always agree with
the daily bar they belong to. Everything is seeded from (seed, symbol[, day]) alone: asking
for history never disturbs the live market's random stream, and two runs agree.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from stockapp.market.models import Bar
from stockapp.market.ticksize import FNO_DYNAMIC_BAND_PCT, round_to_tick_array

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TRADING_DAYS_PER_YEAR = 252
ANNUAL_DRIFT = 0.10
_VOL_OF_VOL = 0.3
_VOL_PERSISTENCE = 0.97
_INDEX_MAX_DAILY_MOVE = 0.15


@dataclass(frozen=True, slots=True)
class OHLCV:
    """Columns of bars, oldest first."""

    o: FloatArray
    h: FloatArray
    l: FloatArray  # noqa: E741  (the conventional OHLC name)
    c: FloatArray
    v: IntArray

    def __len__(self) -> int:
        return len(self.c)

    def select(self, index: slice | IntArray) -> OHLCV:
        return OHLCV(self.o[index], self.h[index], self.l[index], self.c[index], self.v[index])

    @staticmethod
    def concat(parts: list[OHLCV]) -> OHLCV:
        return OHLCV(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("o", "h", "l", "c")),
            np.concatenate([p.v for p in parts]).astype(np.int64),
        )


def seeded_rng(seed: int, *parts: str | int) -> np.random.Generator:
    """A generator that depends only on the seed and the names given (stable across runs)."""
    words = [seed % (1 << 63)]
    for part in parts:
        words.append(zlib.crc32(part.encode()) if isinstance(part, str) else int(part))
    return np.random.default_rng(words)


def rounder(is_index: bool) -> Callable[[FloatArray], FloatArray]:
    """Index levels go to 0.01; equity prices onto their tick grid."""
    if is_index:
        return lambda x: np.maximum(np.round(x, 2), 0.01)
    return round_to_tick_array


def max_log_move(band_pct: float | None, is_index: bool) -> float:
    """Largest daily log move the generator allows: safely inside the circuit band."""
    if is_index:
        return math.log1p(_INDEX_MAX_DAILY_MOVE)
    pct = FNO_DYNAMIC_BAND_PCT if band_pct is None else band_pct
    return 0.9 * math.log1p(pct / 100)


def generate_daily(
    rng: np.random.Generator,
    n: int,
    anchor_close: float,
    volatility: float,
    band_pct: float | None,
    adv: float,
    *,
    is_index: bool = False,
) -> OHLCV:
    """`n` daily bars whose last close equals `anchor_close` (which must be on the grid)."""
    sd = volatility / math.sqrt(TRADING_DAYS_PER_YEAR)
    z = rng.standard_normal((6, n))
    scale = _VOL_OF_VOL * math.sqrt(1 - _VOL_PERSISTENCE**2)
    log_vol = lfilter([scale], [1.0, -_VOL_PERSISTENCE], z[0])
    vol_t = sd * np.exp(log_vol - 0.5 * _VOL_OF_VOL**2)
    lim = max_log_move(band_pct, is_index)
    ret = np.clip(ANNUAL_DRIFT / TRADING_DAYS_PER_YEAR - 0.5 * vol_t**2 + vol_t * z[1], -lim, lim)
    tail = np.cumsum(ret[::-1])[::-1]
    log_c = math.log(anchor_close) - (tail - ret)
    log_pc = log_c - ret
    log_o = log_pc + np.clip(0.3 * vol_t * z[2], -lim, lim)
    top = np.maximum(log_o, log_c)
    bottom = np.minimum(log_o, log_c)
    log_h = np.minimum(top + np.abs(z[3]) * 0.5 * vol_t, log_pc + lim / 0.9)
    log_l = np.maximum(bottom - np.abs(z[4]) * 0.5 * vol_t, log_pc - lim / 0.9)
    rnd = rounder(is_index)
    o, c = rnd(np.exp(log_o)), rnd(np.exp(log_c))
    c[-1] = anchor_close
    h = np.maximum(rnd(np.exp(log_h)), np.maximum(o, c))
    low = np.minimum(rnd(np.exp(log_l)), np.minimum(o, c))
    if is_index or adv <= 0:
        v = np.zeros(n, dtype=np.int64)
    else:
        activity = np.exp(0.35 * z[5] - 0.06125) * (1 + 0.4 * np.abs(ret) / vol_t)
        v = (adv * activity).astype(np.int64)
    return OHLCV(o, h, low, c, v)


def index_from_members(
    members: list[OHLCV], weights: FloatArray, member_closes: FloatArray, anchor_level: float
) -> OHLCV:
    """Index bars as `level * sum(w * P / P_anchor)`: the live formula applied to history.

    Each member's high is at least its open and close, so the weighted highs are at least the
    weighted opens and closes: the index bars are OHLC-consistent by construction.
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    scale = anchor_level * w / np.asarray(member_closes, dtype=np.float64)

    def combine(field: str) -> FloatArray:
        stacked = np.stack([getattr(m, field) for m in members])
        return np.round(scale @ stacked, 2)

    o, h, low, c = (combine(f) for f in ("o", "h", "l", "c"))
    c[-1] = round(anchor_level, 2)
    h = np.maximum(h, np.maximum(o, c))
    low = np.minimum(low, np.minimum(o, c))
    return OHLCV(o, h, low, c, np.zeros(len(c), dtype=np.int64))


def u_shape_cumulative(frac: FloatArray) -> FloatArray:
    """Share of a day's volume traded by fraction `frac` of the session.

    Density proportional to 1 + 3(2f - 1)^2: four times as heavy at the open and close as at
    midday, the familiar intraday U.
    """
    f = np.clip(frac, 0.0, 1.0)
    return (f + ((2 * f - 1) ** 3 + 1) / 2) / 2


def synthetic_minutes(
    rng: np.random.Generator, day_bar: OHLCV, minutes: int, *, is_index: bool
) -> OHLCV:
    """Minute bars for one past session that open at o, close at c and touch h and l."""
    o, h, lo, c = (float(getattr(day_bar, f)[0]) for f in ("o", "h", "l", "c"))
    n = max(minutes, 1)
    walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
    k = np.arange(n + 1) / n
    bridge = walk - k * walk[-1]
    line = math.log(o) + k * (math.log(c) - math.log(o))
    spread = math.log(h) - math.log(lo)
    path = line + bridge * (0.8 * spread / max(float(np.ptp(bridge)), 1e-12))
    path = np.clip(path, math.log(lo), math.log(h))
    rnd = rounder(is_index)
    prices = np.clip(rnd(np.exp(path)), lo, h)
    prices[0], prices[-1] = o, c
    if n >= 3:
        # pin the extremes so the minute bars reach exactly the day's high and low
        i_hi = int(np.argmax(path[1:-1])) + 1
        i_lo = int(np.argmin(path[1:-1])) + 1
        if i_hi != i_lo:
            prices[i_hi], prices[i_lo] = h, lo
    bo, bc = prices[:-1], prices[1:]
    wick = np.abs(rng.standard_normal((2, n))) * (0.15 * spread / math.sqrt(n))
    bh = np.minimum(rnd(np.maximum(bo, bc) * np.exp(wick[0])), h)
    bl = np.maximum(rnd(np.minimum(bo, bc) * np.exp(-wick[1])), lo)
    bh, bl = np.maximum(bh, np.maximum(bo, bc)), np.minimum(bl, np.minimum(bo, bc))
    total = int(day_bar.v[0])
    edges = u_shape_cumulative(np.arange(n + 1) / n)
    weights = np.diff(edges) * np.exp(0.4 * rng.standard_normal(n))
    cum = np.floor(total * np.cumsum(weights) / weights.sum()).astype(np.int64)
    cum[-1] = total
    return OHLCV(bo.copy(), bh, bl, bc.copy(), np.diff(cum, prepend=0))


def _group(keys: IntArray, bars: OHLCV) -> tuple[IntArray, OHLCV]:
    """Merge runs of equal consecutive keys; returns each run's first index and its bar."""
    starts = np.flatnonzero(np.r_[True, np.diff(keys) != 0])
    ends = np.r_[starts[1:], len(keys)] - 1
    merged = OHLCV(
        bars.o[starts],
        np.maximum.reduceat(bars.h, starts),
        np.minimum.reduceat(bars.l, starts),
        bars.c[ends],
        np.add.reduceat(bars.v, starts),
    )
    return starts, merged


def resample(offsets: IntArray, bars: OHLCV, every: int) -> tuple[IntArray, OHLCV]:
    """Aggregate minute bars into `every`-minute buckets counted from the session start."""
    if len(bars) == 0 or every <= 1:
        return offsets, bars
    bucket = offsets // every
    starts, merged = _group(bucket, bars)
    return bucket[starts] * every, merged


def weekly(days: list[date], bars: OHLCV) -> tuple[list[date], OHLCV]:
    """Daily bars grouped by calendar week (Monday to Sunday), labelled by their first day."""
    if not days:
        return days, bars
    monday = days[0] - timedelta(days=days[0].weekday())
    week_no = np.array([(d - monday).days // 7 for d in days], dtype=np.int64)
    starts, merged = _group(week_no, bars)
    return [days[i] for i in starts], merged


def to_bars(times: list[datetime], bars: OHLCV) -> list[Bar]:
    o, h, lo, c, v = (getattr(bars, f).tolist() for f in ("o", "h", "l", "c", "v"))
    return [Bar(t=t, o=o[i], h=h[i], l=lo[i], c=c[i], v=int(v[i])) for i, t in enumerate(times)]
