"""How the simulated market lays the universe out in its numpy state arrays.

Columns come in three blocks, each priced differently:

1. *primaries* - NSE equities (and any listing with no NSE twin), driven by the factor model.
   An index with no known constituents is also a primary: it walks on its own volatility.
2. *mirrors* - BSE listings of NSE equities; they follow the NSE price to within a tick.
3. *member indices* - computed from their constituents' prices every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument, Key
from stockapp.market.sim.history import seeded_rng
from stockapp.market.ticksize import round_index, round_to_tick

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Share of an equity's variance from the market, its sector and itself (sums to 1).
MARKET_SHARE, SECTOR_SHARE, OWN_SHARE = 0.42, 0.20, 0.38
# Delivery-plus-intraday turnover as a share of outstanding shares on an ordinary day.
DAILY_TURNOVER = 0.0012
BSE_VOLUME_SHARE = 0.08
DEFAULT_PRICE = 100.0


@dataclass(frozen=True, slots=True)
class Layout:
    instruments: list[Instrument]  # one per display column
    col_of: dict[Key, int]
    n_prim: int
    n_eq: int  # primaries + mirrors; member indices follow
    mirror_source: IntArray  # for each mirror, its primary column
    free_index: BoolArray  # over primaries: an index walking on its own
    sector_of: IntArray  # over primaries
    n_sectors: int
    loadings: FloatArray  # (3, n_prim): market, sector, own
    weights: FloatArray  # (n_member_indices, n_eq), rows sum to 1
    adv: FloatArray  # expected daily volume per column (0 for indices)
    initial_close: FloatArray  # the first day's previous close per column

    @property
    def n_cols(self) -> int:
        return len(self.instruments)

    def history_symbol(self, col: int) -> str:
        """Mirrors share their primary's generated history (BSE closes where NSE closes)."""
        if self.n_prim <= col < self.n_eq:
            return self.instruments[int(self.mirror_source[col - self.n_prim])].symbol
        return self.instruments[col].symbol


def _members(inst: Instrument, eq_col: dict[Key, int]) -> list[tuple[int, float]]:
    return [
        (eq_col[(sym, inst.market)], w)
        for sym, w in zip(inst.constituents, inst.weights, strict=False)
        if (sym, inst.market) in eq_col and w > 0
    ]


def _adv(inst: Instrument, seed: int) -> float:
    factor = math.exp(0.5 * float(seeded_rng(seed, inst.symbol, "adv").standard_normal()))
    price = inst.ref_price or DEFAULT_PRICE
    if inst.shares_outstanding > 0:
        return max(inst.shares_outstanding * DAILY_TURNOVER * factor, 1000.0)
    return max(5e7 / price * factor, 1000.0)


def build_layout(universe: Universe, seed: int) -> Layout:
    equities = [i for i in universe.all() if not i.is_index]
    nse_symbols = {i.symbol for i in equities if i.market == DEFAULT_MARKET}
    primaries = [i for i in equities if i.market == DEFAULT_MARKET or i.symbol not in nse_symbols]
    mirrors = [i for i in equities if i.market != DEFAULT_MARKET and i.symbol in nse_symbols]
    eq_col = {inst.key: n for n, inst in enumerate(primaries + mirrors)}
    member_indices, free_indices = [], []
    for idx in universe.indices():
        (member_indices if _members(idx, eq_col) else free_indices).append(idx)
    primaries = primaries + free_indices
    n_prim = len(primaries)
    ordered = primaries + mirrors + member_indices
    col_of = {inst.key: n for n, inst in enumerate(ordered)}
    n_eq = n_prim + len(mirrors)

    prim_col = {(i.symbol, DEFAULT_MARKET): n for n, i in enumerate(primaries) if not i.is_index}
    mirror_source = np.array([prim_col[(m.symbol, DEFAULT_MARKET)] for m in mirrors], np.int64)
    free = np.array([i.is_index for i in primaries], dtype=bool)
    sectors = sorted({i.sector for i in primaries})
    sector_of = np.array([sectors.index(i.sector) for i in primaries], dtype=np.int64)
    shares = np.array([MARKET_SHARE, SECTOR_SHARE, OWN_SHARE])
    loadings = np.repeat(np.sqrt(shares)[:, None], n_prim, axis=1)
    loadings[:, free] = np.sqrt([[0.9], [0.0], [0.1]])

    weights = np.zeros((len(member_indices), n_eq))
    for row, idx in enumerate(member_indices):
        for col, w in _members(idx, col_of):
            weights[row, col] = w
    if len(member_indices):
        weights /= weights.sum(axis=1, keepdims=True)

    adv = np.zeros(len(ordered))
    for n, inst in enumerate(primaries):
        adv[n] = 0.0 if inst.is_index else _adv(inst, seed)
    for n, src in enumerate(mirror_source):
        adv[n_prim + n] = adv[src] * BSE_VOLUME_SHARE
    closes = np.array(
        [
            round_index(i.ref_price or DEFAULT_PRICE)
            if i.is_index
            else round_to_tick(i.ref_price or DEFAULT_PRICE)
            for i in ordered
        ]
    )
    closes[n_prim:n_eq] = closes[mirror_source]
    return Layout(
        ordered,
        col_of,
        n_prim,
        n_eq,
        mirror_source,
        free,
        sector_of,
        len(sectors),
        loadings,
        weights,
        adv,
        closes,
    )
