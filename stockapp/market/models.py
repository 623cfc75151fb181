"""Value types shared by every part of the market domain.

Prices are floats already rounded to the instrument's tick size; money math that must be
exact (portfolio) converts to Decimal at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Market = Literal["india_nse", "india_bse"]
MARKETS: tuple[str, ...] = ("india_nse", "india_bse")
DEFAULT_MARKET = "india_nse"

# (symbol, market): the identity of a subscribable instrument.
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Instrument:
    """Static facts about one tradable instrument or index."""

    symbol: str
    market: str
    name: str
    kind: Literal["equity", "index"] = "equity"
    isin: str = ""
    sector: str = ""
    industry: str = ""
    fno: bool = False
    lot_size: int = 1
    ref_price: float = 0.0  # plausible recent price; the simulator starts near it
    shares_outstanding: int = 0  # for market cap
    eps: float = 0.0  # trailing twelve months, for P/E
    band_pct: float | None = 20.0  # daily price band in %, None = F&O dynamic band
    volatility: float = 0.25  # annualised, for the simulator
    # index only: constituent symbols (same market) and their weights (sum to 1)
    constituents: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()

    @property
    def key(self) -> Key:
        return (self.symbol, self.market)

    @property
    def is_index(self) -> bool:
        return self.kind == "index"


@dataclass(slots=True)
class Quote:
    """The latest observed state of one instrument."""

    symbol: str
    market: str
    current_price: float
    open: float
    high: float
    low: float
    prev_close: float
    volume: int
    timestamp: datetime  # when the price was observed (UTC, aware)
    stale: bool = False
    week52_high: float = 0.0
    week52_low: float = 0.0

    @property
    def key(self) -> Key:
        return (self.symbol, self.market)

    @property
    def change(self) -> float:
        return round(self.current_price - self.prev_close, 4)

    @property
    def change_percent(self) -> float:
        if not self.prev_close:
            return 0.0
        return round((self.current_price - self.prev_close) / self.prev_close * 100, 2)

    def same_price(self, other: Quote | None) -> bool:
        return (
            other is not None
            and other.current_price == self.current_price
            and other.volume == self.volume
            and other.stale == self.stale
        )


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; `t` is the bar's start time (UTC, aware)."""

    t: datetime
    o: float
    h: float
    l: float  # noqa: E741  (the conventional OHLC name)
    c: float
    v: int


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_ms(ts: datetime) -> str:
    """ISO 8601 UTC with milliseconds and a Z, as the public API promises."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class FetchResult:
    """What one upstream request returned: quotes found and keys it could not serve."""

    quotes: dict[Key, Quote] = field(default_factory=dict)
    missing: list[Key] = field(default_factory=list)
