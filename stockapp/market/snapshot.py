"""One immutable picture of the market per hub version, and the views derived from it.

The hub publishes a `MarketSnapshot` for every delivered batch of quotes. Everything that a
page, the API or the alert engine derives from "the market right now" (breadth, movers,
sector aggregates, fundamentals at the current price, display rows) is computed from a
snapshot at most once, however many sessions or requests ask for it: derived views are
memoised on the snapshot itself, and the next tick brings a new snapshot with an empty memo.

    snap = hub.snapshot()
    snap.breadth()                      # NSE advances / declines / unchanged
    snap.movers("gainers", limit=5)     # [(Instrument, Quote), ...]
    snap.derive(my_view, "arg")         # any pure function of (snapshot, *args), once

Pure domain code: no framework imports, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

from stockapp.market.analytics import (
    Breadth,
    Fundamentals,
    SectorView,
    breadth,
    fundamentals,
    rank_movers,
    sector_views,
)
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument, Key, Quote
from stockapp.market.options import OptionChain, chain_at
from stockapp.market.screening import ScreenData, ScreenRow, relative_performance

T = TypeVar("T")
Pair = tuple[Instrument, Quote]
_EMPTY_UNIVERSE = Universe(())


class MarketSnapshot:
    """The latest quote of every known key at one hub version, read-only.

    `ticks` holds, per key, the direction of its last price change (+1, -1, 0), so a cell can
    flash up or down; `universe` gives the static facts the derived views join with.
    """

    __slots__ = ("_carry", "_memo", "_per_key", "quotes", "ticks", "universe", "version")

    def __init__(
        self,
        version: int,
        quotes: Mapping[Key, Quote],
        *,
        ticks: Mapping[Key, int] | None = None,
        universe: Universe | None = None,
        previous: MarketSnapshot | None = None,
    ) -> None:
        self.version = version
        self.quotes: Mapping[Key, Quote] = MappingProxyType(dict(quotes))
        self.ticks: Mapping[Key, int] = MappingProxyType(dict(ticks or {}))
        self.universe = universe if universe is not None else _EMPTY_UNIVERSE
        self._memo: dict[Hashable, Any] = {}
        self._per_key: dict[Hashable, dict[Key, tuple[Quote, int, Any]]] = {}
        # per-key values of the previous version stay valid for keys whose quote is the same
        # object; keep the dicts, not the previous snapshot, so no chain of versions builds up
        self._carry = previous._per_key if previous is not None else {}

    @classmethod
    def empty(cls, universe: Universe | None = None) -> MarketSnapshot:
        return cls(-1, {}, universe=universe)

    def __repr__(self) -> str:
        return f"<MarketSnapshot v{self.version} {len(self.quotes)} quotes>"

    def __len__(self) -> int:
        return len(self.quotes)

    def get(self, key: Key) -> Quote | None:
        return self.quotes.get(key)

    def pick(self, keys: Iterable[Key]) -> dict[Key, Quote]:
        """The quotes of `keys` that the snapshot has."""
        quotes = self.quotes
        return {k: q for k in keys if (q := quotes.get(k)) is not None}

    def direction(self, key: Key) -> int:
        return self.ticks.get(key, 0)

    # -- memoisation --------------------------------------------------------------------------

    def derive(self, fn: Callable[..., T], *args: Hashable) -> T:
        """`fn(self, *args)`, computed once for this snapshot (args must be hashable)."""
        slot = (fn, args)
        try:
            return self._memo[slot]
        except KeyError:
            value = self._memo[slot] = fn(self, *args)
            return value

    def per_key(self, fn: Callable[[Quote, int], T], key: Key) -> T | None:
        """`fn(quote, direction)` for one key, computed once per distinct quote.

        Unlike `derive`, a value outlives the tick while the key's quote stays the same object,
        so rendering one row per changed key per tick is all a tick costs."""
        quote = self.quotes.get(key)
        if quote is None:
            return None
        cache = self._per_key.get(fn)
        if cache is None:
            cache = self._per_key[fn] = {}
        hit = cache.get(key)
        direction = self.ticks.get(key, 0)
        if hit is None:
            old = self._carry.get(fn)
            hit = old.get(key) if old is not None else None
            if hit is not None and hit[0] is quote and hit[1] == direction:
                cache[key] = hit
        if hit is None or hit[0] is not quote or hit[1] != direction:
            hit = cache[key] = (quote, direction, fn(quote, direction))
        return hit[2]

    # -- derived views ------------------------------------------------------------------------

    def equities(self, market: str = DEFAULT_MARKET) -> list[Pair]:
        """(instrument, quote) of every equity of `market` with a quote, in universe order."""
        return self.derive(_equities, market)

    def breadth(self, market: str = DEFAULT_MARKET) -> Breadth:
        return self.derive(_breadth, market)

    def movers(
        self,
        kind: str,
        limit: int = 20,
        market: str = DEFAULT_MARKET,
        within: tuple[str, ...] = (),
    ) -> list[Pair]:
        """One movers ranking (see analytics.MOVER_KINDS); raises ValueError for others.
        `within` names indices (e.g. ("NIFTY 50",)): only their members are ranked."""
        return self.derive(_movers, kind, limit, market, within)

    def sectors(self, market: str = DEFAULT_MARKET) -> list[SectorView]:
        """Sector aggregates, best % change first."""
        return self.derive(_sectors, market)

    def screen_rows(self, data: ScreenData) -> list[ScreenRow]:
        """Screener rows of every equity of `data`'s market with a quote, in symbol order
        (rebuilt once more when the history behind them finishes loading)."""
        return self.derive(_screen_rows, data, data.ready)

    def option_chain(self, inst: Instrument, expiry: date, strikes: int) -> OptionChain | None:
        """The option chain of `inst` at its current price (None without a price)."""
        return self.derive(_option_chain, inst, expiry, strikes)

    def relative_performance(
        self, data: ScreenData, keys: tuple[Key, ...], sessions: int
    ) -> tuple[tuple[date, ...], list[dict[date, float] | None]]:
        """Daily closes of `keys` rebased to 100 `sessions` ago, today at the live price
        (see screening.relative_performance)."""
        return self.derive(_relative_performance, data, keys, sessions, data.ready)

    def fundamentals(self, inst: Instrument) -> Fundamentals:
        """Market cap and P/E at the current price (the reference price without a quote)."""
        quote = self.quotes.get(inst.key)
        return fundamentals(inst, quote.current_price if quote is not None else inst.ref_price)


def _equities(snap: MarketSnapshot, market: str) -> list[Pair]:
    quotes = snap.quotes
    return [
        (inst, q)
        for inst in snap.universe.equities(market)
        if (q := quotes.get(inst.key)) is not None
    ]


def _breadth(snap: MarketSnapshot, market: str) -> Breadth:
    return breadth(q for _, q in snap.equities(market))


def _movers(
    snap: MarketSnapshot, kind: str, limit: int, market: str, within: tuple[str, ...]
) -> list[Pair]:
    if limit < 20:  # a short list is the head of the full one, ranked once
        return snap.movers(kind, 20, market, within)[:limit]
    pairs = snap.equities(market)
    if within:
        members = snap.universe.members(within, market)
        pairs = [p for p in pairs if p[0].symbol in members]
    return rank_movers(pairs, kind, limit)


def _sectors(snap: MarketSnapshot, market: str) -> list[SectorView]:
    return sector_views(snap.universe.equities(market), snap.quotes)


def _screen_rows(snap: MarketSnapshot, data: ScreenData, _ready: bool) -> list[ScreenRow]:
    return data.rows(snap.quotes)


def _relative_performance(
    snap: MarketSnapshot, data: ScreenData, keys: tuple[Key, ...], sessions: int, _ready: bool
) -> tuple[tuple[date, ...], list[dict[date, float] | None]]:
    return relative_performance(data, keys, snap.quotes, sessions)


def _option_chain(
    snap: MarketSnapshot, inst: Instrument, expiry: date, strikes: int
) -> OptionChain | None:
    quote = snap.quotes.get(inst.key)
    if quote is None or quote.current_price <= 0:
        return None
    return chain_at(inst, quote.current_price, expiry, strikes)
