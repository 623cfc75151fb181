"""The live simulated market: every listing priced at once with numpy.

Each step draws one market shock, one shock per sector and one per stock; a stock's log
return is their loading-weighted sum scaled by its volatility for the step's length. A day's
variance is split between the opening gap (15%) and the session (85%) so that daily moves
match each stock's annualised volatility whatever the session length. Log prices are
reflected inside the day's circuit band, then rounded onto the tick grid and clipped, so no
printed price ever leaves the band. BSE listings copy the NSE price with a sticky offset of at
most one tick; indices are recomputed from their members at every step.

Steps fall on a fixed grid of `tick_interval` (multiples since the epoch). A long gap is
caught up in at most `MAX_FINE_STEPS` steps, coarsening to one step a minute, so catch-up
stays cheap and still leaves a point in every minute bar.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from stockapp.market.instruments import Universe
from stockapp.market.sim.history import (
    OHLCV,
    TRADING_DAYS_PER_YEAR,
    seeded_rng,
    u_shape_cumulative,
)
from stockapp.market.sim.layout import BoolArray, FloatArray, IntArray, build_layout
from stockapp.market.sim.minutes import MinuteStore
from stockapp.market.sim.session import MINUTE_MS, SessionModel
from stockapp.market.ticksize import price_band, round_to_tick_array, tick_size_array

GAP_SHARE = 0.15
MAX_FINE_STEPS = 1500
SKIPPED_DAY_STEP_MS = 5 * MINUTE_MS
MAX_COMPLETED_DAYS = 2000
MIRROR_SWITCH_PROB = 0.05


# A finished simulated day: its date and one daily bar per column.
DayRecord = tuple[date, OHLCV]


def _fold(x: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Reflect `x` back and forth between `lo` and `hi` (a path hitting a wall bounces)."""
    width = np.maximum(hi - lo, 1e-12)
    y = np.mod(x - lo, 2 * width)
    return np.where(y > width, 2 * width - y, y) + lo


class LiveMarket:
    """The current day's state for every column, advanced only forward in time."""

    def __init__(self, universe: Universe, seed: int, sessions: SessionModel, tick_ms: int):
        self.layout = build_layout(universe, seed)
        self.sessions = sessions
        self.tick_ms = max(int(tick_ms), 1)
        self._rng = seeded_rng(seed, "live")
        self._seed = seed
        lay = self.layout
        self._vol = np.array([i.volatility for i in lay.instruments[: lay.n_prim]])
        self._is_free: BoolArray = lay.free_index
        self._bands = [i.band_pct for i in lay.instruments[: lay.n_eq]]
        n = lay.n_cols
        self.prev_close: FloatArray = lay.initial_close.copy()
        self.open, self.high, self.low = np.zeros(n), np.zeros(n), np.zeros(n)
        self.price, self.volume = np.zeros(n), np.zeros(n)
        self.completed: list[DayRecord] = []
        self.day: date | None = None
        self.first_day: date | None = None
        self._inside_gap = False
        self.last_ms = 0
        self.window = (0, 0)
        self.minutes = MinuteStore(1, n)
        # per-day state, set by _open_day
        self.lower, self.upper = np.zeros(lay.n_eq), np.zeros(lay.n_eq)
        self._log_band = (np.zeros(lay.n_prim), np.ones(lay.n_prim))
        self._var_ms = np.zeros(lay.n_prim)
        self._latent = np.zeros(lay.n_prim)
        self._mirror_offset = np.zeros(lay.n_eq - lay.n_prim, dtype=np.int64)
        self._adv_today = np.zeros(n)

    # -- time ------------------------------------------------------------------------------

    def advance_to(self, now_ms: int) -> None:
        """Bring the market to `now_ms`; earlier or equal times change nothing."""
        if self.day is not None and now_ms <= self.last_ms:
            return
        target = self.sessions.day_of(now_ms)
        if self.day is None:
            self._open_day(target, min(now_ms, self.sessions.window_ms(target)[0]))
        while self.day < target:
            # a day opened and closed inside one gap is never charted minute by minute
            self._run_until(self.window[1], SKIPPED_DAY_STEP_MS if self._inside_gap else 0)
            self._close_day()
            nxt = self.sessions.next_day(self.day)
            self._open_day(nxt, min(now_ms, self.sessions.window_ms(nxt)[0]))
            self._inside_gap = nxt < target
        self._run_until(min(now_ms, self.window[1]))

    def _run_until(self, end_ms: int, min_step_ms: int = 0) -> None:
        start = max(self.last_ms, self.window[0])
        tick = self.tick_ms
        first, last = (start // tick + 1) * tick, end_ms // tick * tick
        if last < first:
            return
        step = max(tick, min_step_ms)
        if step == tick and (last - first) // tick + 1 > MAX_FINE_STEPS:
            step = max(tick, MINUTE_MS)
        if step == tick:
            times = np.arange(first, last + 1, tick, dtype=np.int64)
        else:
            times = np.append(np.arange(start + step, last, step, dtype=np.int64), last)
        self._apply(times)

    # -- days ------------------------------------------------------------------------------

    def _open_day(self, day: date, at_ms: int) -> None:
        lay, n_prim, n_eq = self.layout, self.layout.n_prim, self.layout.n_eq
        self.day = day
        self.first_day = self.first_day or day
        self.window = self.sessions.window_ms(day)
        self.minutes = MinuteStore(self.sessions.minutes_in_window(day), lay.n_cols)
        pc = self.prev_close
        bands = [price_band(float(pc[j]), self._bands[j]) for j in range(n_eq)]
        self.lower = np.array([b[0] for b in bands]).reshape(n_eq)
        self.upper = np.array([b[1] for b in bands]).reshape(n_eq)
        self.lower[:n_prim][self._is_free] = 0.0
        self.upper[:n_prim][self._is_free] = np.inf
        safe_lo = np.where(self._is_free, 0.0, np.log(np.maximum(self.lower[:n_prim], 1e-9)))
        safe_hi = np.where(self._is_free, 1.0, np.log(np.maximum(self.upper[:n_prim], 1e-9)))
        self._log_band = (safe_lo, safe_hi)
        daily_var = self._vol**2 / TRADING_DAYS_PER_YEAR
        self._var_ms = (1 - GAP_SHARE) * daily_var / (self.window[1] - self.window[0])
        gap_var = GAP_SHARE * daily_var
        self._latent = self._evolve(
            np.log(pc[:n_prim])[None, :], np.sqrt(gap_var)[None, :], gap_var[None, :]
        )[0]
        self._mirror_offset = np.zeros(n_eq - n_prim, dtype=np.int64)
        points = self._price_columns(self._latent[None, :])
        self.open, self.high, self.low = points[0].copy(), points[0].copy(), points[0].copy()
        self.volume = np.zeros(lay.n_cols)
        activity = np.exp(0.3 * self._rng.standard_normal(lay.n_cols) - 0.045)
        # Generated history trades more on days that move more (1 + 0.4 |move| / vol); a live
        # day's move is not known at its open, so it draws the same factor from the same
        # distribution (|z|), keeping live volumes on the level of their own 20-day averages.
        # A separate generator leaves the price stream as it was.
        busy = np.abs(seeded_rng(self._seed, "busy", day.toordinal()).standard_normal(lay.n_cols))
        self._adv_today = lay.adv * activity * (1 + 0.4 * busy)
        self.last_ms = at_ms
        self._record(np.array([at_ms], dtype=np.int64), points, self.volume[None, :])

    def _close_day(self) -> None:
        assert self.day is not None
        vol = np.floor(self.volume).astype(np.int64)
        bars = OHLCV(self.open, self.high, self.low, self.price.copy(), vol)
        self.completed.append((self.day, bars))
        del self.completed[:-MAX_COMPLETED_DAYS]
        self.prev_close = self.price.copy()

    # -- prices ----------------------------------------------------------------------------

    def _evolve(self, start: FloatArray, sd: FloatArray, var: FloatArray) -> FloatArray:
        """Cumulative factor-model log prices from `start`; rows are steps."""
        lay = self.layout
        k = sd.shape[0]
        z = self._rng.standard_normal((k, 1 + lay.n_sectors + lay.n_prim))
        market, sector = z[:, :1], z[:, 1 : 1 + lay.n_sectors][:, lay.sector_of]
        own = z[:, 1 + lay.n_sectors :]
        shock = lay.loadings[0] * market + lay.loadings[1] * sector + lay.loadings[2] * own
        x = start + np.cumsum(sd * shock - 0.5 * var, axis=0)
        lo, hi = self._log_band
        return np.where(self._is_free, x, _fold(x, lo, hi))

    def _price_columns(self, x: FloatArray) -> FloatArray:
        """Printed prices of every column for log primary prices `x` (rows are steps)."""
        lay, n_prim, n_eq = self.layout, self.layout.n_prim, self.layout.n_eq
        raw = np.exp(x)
        prim = np.where(
            self._is_free,
            np.round(raw, 2),
            np.clip(round_to_tick_array(raw), self.lower[:n_prim], self.upper[:n_prim]),
        )
        src = prim[:, lay.mirror_source]
        k, n_mirror = src.shape
        if n_mirror:
            switch = self._rng.random((k, n_mirror)) < MIRROR_SWITCH_PROB
            choice = self._rng.integers(-1, 2, size=(k, n_mirror))
            steps = np.arange(k)[:, None]
            last_switch = np.maximum.accumulate(np.where(switch, steps, -1), axis=0)
            picked = np.take_along_axis(choice, np.maximum(last_switch, 0), axis=0)
            offset = np.where(last_switch >= 0, picked, self._mirror_offset[None, :])
            self._mirror_offset = offset[-1].copy()
            raw_mirror = src + offset * tick_size_array(src)
            mirror = np.clip(
                round_to_tick_array(raw_mirror), self.lower[n_prim:], self.upper[n_prim:]
            )
        else:
            mirror = src
        equities = np.concatenate([prim, mirror], axis=1)
        ratio = equities / self.prev_close[None, :n_eq]
        levels = np.round(self.prev_close[None, n_eq:] * (ratio @ lay.weights.T), 2)
        return np.concatenate([equities, levels], axis=1)

    def _apply(self, times: IntArray) -> None:
        lay = self.layout
        # time before the session opens (pre-open) carries no variance: the gap covered it
        since = max(self.last_ms, self.window[0])
        dt = np.diff(times, prepend=since).astype(np.float64)[:, None]
        var = self._var_ms[None, :] * dt
        x = self._evolve(self._latent[None, :], np.sqrt(var), var)
        self._latent = x[-1].copy()
        points = self._price_columns(x)
        start, end = self.window
        frac = (np.r_[self.last_ms, times] - start) / (end - start)
        share = np.diff(u_shape_cumulative(frac))[:, None]
        noise = np.exp(0.5 * self._rng.standard_normal((len(times), lay.n_eq)) - 0.125)
        added = np.zeros((len(times), lay.n_cols))
        added[:, : lay.n_eq] = self._adv_today[None, : lay.n_eq] * share * noise
        self._record(times, points, self.volume + np.cumsum(added, axis=0))

    def _record(self, times: IntArray, points: FloatArray, cum_volume: FloatArray) -> None:
        self.high = np.maximum(self.high, points.max(axis=0))
        self.low = np.minimum(self.low, points.min(axis=0))
        self.price = points[-1].copy()
        self.volume = cum_volume[-1].copy()
        self.last_ms = int(times[-1])
        minute = (times - self.window[0]) // MINUTE_MS
        self.minutes.add(minute, points, np.floor(cum_volume).astype(np.int64))
