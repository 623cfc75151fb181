"""Minute bars of the current simulated session, for every column at once.

Prices are kept as integer paise (int32 is plenty: 2^31 paise is over two crore rupees) so a
full 24-hour day for a few hundred listings stays around ten megabytes, and bars convert back
to exactly the printed two-decimal prices. Volume is stored as the day's cumulative volume at
each bar's last tick; a bar's own volume is the difference from the previous bar.
"""

from __future__ import annotations

import numpy as np

from stockapp.market.sim.history import OHLCV
from stockapp.market.sim.layout import FloatArray, IntArray


class MinuteStore:
    def __init__(self, minutes: int, columns: int) -> None:
        shape = (max(minutes, 1), columns)
        self.o = np.zeros(shape, dtype=np.int32)
        self.h = np.zeros(shape, dtype=np.int32)
        self.l = np.zeros(shape, dtype=np.int32)
        self.c = np.zeros(shape, dtype=np.int32)
        self.cum_v = np.zeros(shape, dtype=np.int64)
        self.filled = np.zeros(shape[0], dtype=bool)

    def add(self, minute: IntArray, points: FloatArray, cum_volume: IntArray) -> None:
        """Fold ticks (rows of `points`, minute offsets ascending) into their bars."""
        minute = np.clip(minute, 0, len(self.filled) - 1)
        paise = np.rint(points * 100).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, np.diff(minute) != 0])
        ends = np.r_[starts[1:], len(minute)] - 1
        rows = minute[starts]
        first, last = paise[starts], paise[ends]
        top = np.maximum.reduceat(paise, starts, axis=0)
        bottom = np.minimum.reduceat(paise, starts, axis=0)
        seen = self.filled[rows][:, None]
        self.o[rows] = np.where(seen, self.o[rows], first)
        self.h[rows] = np.where(seen, np.maximum(self.h[rows], top), top)
        self.l[rows] = np.where(seen, np.minimum(self.l[rows], bottom), bottom)
        self.c[rows] = last
        self.cum_v[rows] = cum_volume[ends]
        self.filled[rows] = True

    def bars(self, col: int) -> tuple[IntArray, OHLCV]:
        """(minute offsets, bars) of one column, skipping minutes that saw no tick."""
        rows = np.flatnonzero(self.filled)
        cum = self.cum_v[rows, col]
        bars = OHLCV(
            self.o[rows, col] / 100.0,
            self.h[rows, col] / 100.0,
            self.l[rows, col] / 100.0,
            self.c[rows, col] / 100.0,
            np.diff(cum, prepend=0).astype(np.int64),
        )
        return rows.astype(np.int64), bars
