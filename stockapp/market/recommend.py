"""Rule-based recommendations for a whole market, shared by the API and every UI session.

Daily history is read once per market (lazily, in small chunks so ticks keep flowing) and
only its short tail is kept per symbol. After that, rating the market is cheap: each live
price is folded into the tail as today's bar and the rules are evaluated, about 0.1 ms a
symbol. Results are cached for `min_interval` seconds, so however many sessions and API
calls ask, the market is rated at most once per interval.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from stockapp.market.calendar import IST
from stockapp.market.indicators import SnapshotInputs, with_live_price
from stockapp.market.instruments import Universe
from stockapp.market.models import Instrument, Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.signals import Recommendation, evaluate

log = logging.getLogger(__name__)

BUILD_CHUNK = 16  # symbols read between yields to the event loop
HISTORY_RANGE = "5y"  # daily bars: enough for the 1-year return and the 200-day average
DEFAULT_MIN_INTERVAL = 3.0

Latest = Callable[[Key], Quote | None]


@dataclass(frozen=True, slots=True)
class Rated:
    instrument: Instrument
    recommendation: Recommendation
    quote: Quote | None

    @property
    def market_cap(self) -> float | None:
        shares = self.instrument.shares_outstanding
        return self.recommendation.price * shares if shares else None


@dataclass(frozen=True, slots=True)
class Ratings:
    """One rating pass over a market, best score first."""

    market: str
    generation: int
    computed_at: float
    items: list[Rated]


@dataclass(slots=True)
class _History:
    inputs: SnapshotInputs
    last_day: date  # IST date of the history's last bar


@dataclass(slots=True)
class _Market:
    history: dict[Key, _History] = field(default_factory=dict)
    built_day: date | None = None
    stale: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ratings: Ratings | None = None


class RecommendationService:
    def __init__(
        self,
        universe: Universe,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.universe = universe
        self.min_interval = min_interval
        self._clock = clock
        self._markets: dict[str, _Market] = {}
        self._generation = 0
        self.build_seconds: dict[str, float] = {}

    def _market(self, market: str) -> _Market:
        return self._markets.setdefault(market, _Market())

    def ready(self, market: str) -> bool:
        state = self._markets.get(market)
        return state is not None and state.built_day is not None and not state.stale

    async def ensure_ready(self, market: str, provider: QuoteProvider) -> None:
        """Read daily history for every equity of `market` unless already read today."""
        state = self._market(market)
        if self.ready(market):
            return
        async with state.lock:
            if self.ready(market):
                return
            started = time.perf_counter()
            history: dict[Key, _History] = {}
            for index, inst in enumerate(self.universe.equities(market)):
                if index and index % BUILD_CHUNK == 0:
                    await asyncio.sleep(0)
                try:
                    bars = await provider.history(inst.key, "1d", HISTORY_RANGE)
                except Exception:  # one symbol's missing history must not hide the rest
                    log.warning("no daily history for %s", inst.key, exc_info=True)
                    continue
                if bars:
                    last_day = bars[-1].t.astimezone(IST).date()
                    history[inst.key] = _History(SnapshotInputs.from_bars(bars), last_day)
            state.history = history
            state.built_day = max((h.last_day for h in history.values()), default=date.min)
            state.stale = False
            state.ratings = None
            self.build_seconds[market] = time.perf_counter() - started
            log.info(
                "recommendations: %d %s symbols read in %.2fs",
                len(history),
                market,
                self.build_seconds[market],
            )

    def current(self, market: str, latest: Latest) -> Ratings | None:
        """The market's ratings, recomputed when older than `min_interval`; None until
        `ensure_ready` has run."""
        state = self._markets.get(market)
        if state is None or state.built_day is None:
            return None
        now = self._clock()
        cached = state.ratings
        if cached is not None and now - cached.computed_at < self.min_interval:
            return cached
        self._generation += 1
        state.ratings = Ratings(market, self._generation, now, self._rate(state, market, latest))
        return state.ratings

    def _rate(self, state: _Market, market: str, latest: Latest) -> list[Rated]:
        items: list[Rated] = []
        for inst in self.universe.equities(market):
            hist = state.history.get(inst.key)
            if hist is None:
                continue
            q = latest(inst.key)
            if q is None:
                snapshot = hist.inputs.snapshot()
                items.append(Rated(inst, evaluate(inst.symbol, snapshot), None))
                continue
            day = q.timestamp.astimezone(IST).date()
            if state.built_day is not None and day > state.built_day:
                state.stale = True  # a new session: re-read history on the next ensure_ready
            snapshot = with_live_price(
                hist.inputs,
                q.current_price,
                q.volume,
                day_high=q.high,
                day_low=q.low,
                append=day > hist.last_day,
            )
            items.append(Rated(inst, evaluate(inst.symbol, snapshot, q.current_price), q))
        items.sort(key=lambda r: (-r.recommendation.score, r.instrument.symbol))
        return items
