"""The intraday volume profile: what share of a day's volume is usually traded by a given
minute of the session.

A morning's volume compared with whole days' volume always looks small, so "volume surge"
(today's volume / the 20-day average) could not fire before the afternoon. The fair
comparison is with the average volume *to the same minute of the session*. That is
estimated as the stock's 20-day average daily volume times the share of a day's volume the
market trades by that minute, measured from the intraday bars of the last 20 complete
sessions of a sample of stocks (the shape, heavy at the open and close, is common to the
market; one profile keeps the screener's history load small).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from stockapp.market.calendar import IST, session_bounds
from stockapp.market.models import Bar

SESSIONS = 20
GRID = np.linspace(0.0, 1.0, 376)  # fractions of the session, about one point a minute
SessionWindow = Callable[[date], tuple[datetime, datetime]]


def session_fraction(ts: datetime, window_of: SessionWindow = session_bounds) -> float:
    """How far through its day's session `ts` is: 0 at the open, 1 at the close (clipped)."""
    start, end = window_of(ts.astimezone(IST).date())
    span = (end - start).total_seconds()
    if span <= 0:
        return 1.0
    return min(max((ts - start).total_seconds() / span, 0.0), 1.0)


def day_share_curve(
    bars: Sequence[Bar], window: tuple[datetime, datetime], bar: timedelta
) -> np.ndarray | None:
    """Cumulative share of one session's volume on GRID (None for a day without volume)."""
    volumes = np.array([b.v for b in bars], dtype=np.float64)
    total = volumes.sum()
    if total <= 0:
        return None
    start, end = window
    span = (end - start).total_seconds()
    ends = np.array([((b.t - start) + bar).total_seconds() / span for b in bars])
    x = np.r_[0.0, np.clip(ends, 0.0, 1.0)]
    y = np.r_[0.0, np.cumsum(volumes) / total]
    return np.interp(GRID, x, y)


@dataclass(frozen=True, slots=True)
class VolumeProfile:
    curve: np.ndarray  # mean cumulative share of the day's volume on GRID
    sessions: int  # how many (symbol, session) curves were averaged

    def share_at(self, fraction: float) -> float:
        return float(np.interp(min(max(fraction, 0.0), 1.0), GRID, self.curve))


def build_profile(
    series: Iterable[Sequence[Bar]],
    window_of: SessionWindow,
    bar: timedelta,
    sessions: int = SESSIONS,
) -> VolumeProfile | None:
    """Average share curve over each series' last `sessions` complete sessions.

    Each series is one symbol's intraday bars, oldest first; its last day is taken as the
    current, still forming, session and left out.
    """
    curves: list[np.ndarray] = []
    for bars in series:
        by_day: dict[date, list[Bar]] = {}
        for b in bars:
            by_day.setdefault(b.t.astimezone(IST).date(), []).append(b)
        days = sorted(by_day)[:-1][-sessions:]
        for day in days:
            curve = day_share_curve(by_day[day], window_of(day), bar)
            if curve is not None:
                curves.append(curve)
    if not curves:
        return None
    return VolumeProfile(np.mean(curves, axis=0), len(curves))
