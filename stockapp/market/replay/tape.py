"""A past session's minute bars turned back into the quotes a live feed would have shown.

Within each minute the price walks the bar's path, open → the extreme nearer the open → the
other extreme → close, a quarter of the minute each, so at any replay speed the quotes pass
through every price the bar records and the day's running high, low and volume agree with
the bars a chart shows for the same moment. Prices come from the bars, so they stay on the
tick grid and inside the day's band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from stockapp.market.models import Bar, Key, Quote
from stockapp.market.sim.session import MINUTE_MS, from_ms, to_ms

FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class SessionMinutes:
    """One instrument's minute bars for one past session, oldest first."""

    key: Key
    day: date
    start_ms: int  # the first bar's open time
    o: FloatArray
    h: FloatArray
    l: FloatArray  # noqa: E741  (the conventional OHLC name)
    c: FloatArray
    v: np.ndarray
    prev_close: float
    week52_high: float = 0.0
    week52_low: float = 0.0
    _hi: FloatArray = field(init=False, repr=False)
    _lo: FloatArray = field(init=False, repr=False)
    _vol: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not len(self.o):
            raise ValueError("a session needs at least one minute bar")
        # running day high/low/volume up to and including each minute
        object.__setattr__(self, "_hi", np.maximum.accumulate(self.h))
        object.__setattr__(self, "_lo", np.minimum.accumulate(self.l))
        object.__setattr__(self, "_vol", np.cumsum(self.v))

    @classmethod
    def from_bars(
        cls,
        key: Key,
        day: date,
        bars: Sequence[Bar] | Any,
        prev_close: float,
        *,
        start_ms: int | None = None,
        week52_high: float = 0.0,
        week52_low: float = 0.0,
    ) -> SessionMinutes:
        """From a provider's list of `Bar`s (starting at the first bar's time), or from
        columns of bars with `o, h, l, c, v` arrays (the simulator's, at `start_ms`)."""
        if isinstance(bars, Sequence):
            start_ms = to_ms(bars[0].t) if start_ms is None else start_ms
            o, h, l, c = (np.array([getattr(b, f) for b in bars]) for f in "ohlc")  # noqa: E741
            v = np.array([b.v for b in bars], dtype=np.int64)
        else:
            o, h, l, c, v = bars.o, bars.h, bars.l, bars.c, bars.v  # noqa: E741
        if start_ms is None:
            raise ValueError("columns of bars need their start_ms")
        return cls(key, day, start_ms, o, h, l, c, v, prev_close, week52_high, week52_low)

    @property
    def end_ms(self) -> int:
        return self.start_ms + len(self.o) * MINUTE_MS

    def _minute(self, at_ms: int) -> tuple[int, int]:
        offset = min(max(at_ms - self.start_ms, 0), len(self.o) * MINUTE_MS)
        return divmod(offset, MINUTE_MS)

    def _seen(self, minute: int, into: int) -> tuple[float, ...]:
        """The prices of minute `minute`'s path shown by `into` ms into it."""
        o, h, low, c = self.o[minute], self.h[minute], self.l[minute], self.c[minute]
        path = (o, h, low, c) if h - o <= o - low else (o, low, h, c)
        return path[: into * 4 // MINUTE_MS + 1]

    def forming_bar(self, at_ms: int) -> Bar | None:
        """The bar of the minute in progress at `at_ms`, as far as the replay has shown it."""
        minute, into = self._minute(at_ms)
        if minute >= len(self.o):
            return None
        seen = self._seen(minute, into)
        return Bar(
            t=from_ms(self.start_ms + minute * MINUTE_MS),
            o=float(seen[0]),
            h=float(max(seen)),
            l=float(min(seen)),
            c=float(seen[-1]),
            v=int(self.v[minute]) * into // MINUTE_MS,
        )

    def quote_at(self, at_ms: int) -> Quote:
        """The quote a live feed showed at `at_ms` (clamped to the session)."""
        minute, into = self._minute(at_ms)
        if minute >= len(self.o):  # the session is over: the day's final figures
            price, hi, lo, vol = self.c[-1], self._hi[-1], self._lo[-1], self._vol[-1]
        else:
            seen = self._seen(minute, into)
            price = seen[-1]
            hi, lo = max(seen), min(seen)
            vol = int(self.v[minute]) * into // MINUTE_MS
            if minute:
                hi = max(hi, self._hi[minute - 1])
                lo = min(lo, self._lo[minute - 1])
                vol += int(self._vol[minute - 1])
        symbol, market = self.key
        return Quote(
            symbol=symbol,
            market=market,
            current_price=float(price),
            open=float(self.o[0]),
            high=float(hi),
            low=float(lo),
            prev_close=self.prev_close,
            volume=int(vol),
            timestamp=from_ms(min(max(at_ms, self.start_ms), self.end_ms)),
            week52_high=max(self.week52_high, float(hi)),
            week52_low=min(self.week52_low, float(lo)) if self.week52_low else float(lo),
        )
