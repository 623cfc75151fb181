"""What can be traded on paper: cash equities and NSE options, each as a `Contract`.

Options are named like a broker's trading symbol, with the full expiry date so weekly and
monthly contracts read alike: `<underlying><YY><MON><DD><strike><CE|PE>`, for example
`NIFTY26DEC2926000CE` (NIFTY 50, expiry 29 Dec 2026, strike 26000, call) or
`RELIANCE26DEC291400PE`. The underlying is its trading name (NIFTY, BANKNIFTY, FINNIFTY, or
the stock symbol). A contract is tradable while it is listed (see options.expiry) and its
strike is on the underlying's strike grid; it has no price band, a fixed 0.05 tick, and
trades in whole lots (the lot NSE set for its expiry, see `lot_size`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import numpy as np

from stockapp.market.calendar import CLOSE, IST
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument, Key, Quote
from stockapp.market.options import (
    BANKNIFTY,
    FINNIFTY,
    MIN_T,
    NIFTY,
    expiries,
    quote_many,
    resolve_underlying,
    strike_step,
)
from stockapp.market.paper.orders import Contract, equity_contract, lot_size

OPTION_TICK_PAISE = 5
_TRADING_NAMES = {NIFTY: "NIFTY", BANKNIFTY: "BANKNIFTY", FINNIFTY: "FINNIFTY"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_OPTION = re.compile(
    r"^(?P<name>.+?)(?P<yy>\d{2})(?P<mon>" + "|".join(_MONTHS) + r")(?P<dd>\d{2})"
    r"(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE)$"
)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    underlying: str  # the universe symbol ("NIFTY 50", "RELIANCE")
    expiry: date
    strike: Decimal
    is_call: bool

    @property
    def symbol(self) -> str:
        name = _TRADING_NAMES.get(self.underlying, self.underlying)
        strike = format(self.strike.normalize(), "f")
        stamp = f"{self.expiry:%y}{_MONTHS[self.expiry.month - 1]}{self.expiry:%d}"
        return f"{name}{stamp}{strike}{'CE' if self.is_call else 'PE'}"


def parse_option_symbol(text: str) -> OptionSpec | None:
    found = _OPTION.match(text.strip().upper().replace(" ", ""))
    if found is None:
        return None
    try:
        expiry = date(2000 + int(found["yy"]), _MONTHS.index(found["mon"]) + 1, int(found["dd"]))
        strike = Decimal(found["strike"])
    except (ValueError, InvalidOperation):
        return None
    return OptionSpec(resolve_underlying(found["name"]), expiry, strike, found["right"] == "CE")


@dataclass(frozen=True, slots=True)
class OptionContract(Contract):
    spec: OptionSpec | None = None

    @property
    def underlying_key(self) -> Key:
        assert self.spec is not None
        return (self.spec.underlying, DEFAULT_MARKET)


def resolve_contract(
    universe: Universe, symbol: str, market: str, now: datetime
) -> Contract | None:
    """The tradable contract named `symbol` on `market`, or None (unknown, an index, an
    unlisted expiry or strike)."""
    inst = universe.get(symbol, market)
    day = now.date()
    if inst is not None:
        return None if inst.is_index else equity_contract(inst, day)
    spec = parse_option_symbol(symbol)
    if spec is None or market != DEFAULT_MARKET:
        return None
    under = universe.get(spec.underlying, DEFAULT_MARKET)
    if under is None or not under.fno:
        return None
    if spec.expiry not in expiries(under.symbol, now, under.kind):
        return None
    step = Decimal(str(strike_step(under.symbol, under.ref_price)))
    if spec.strike <= 0 or spec.strike % step:
        return None
    return OptionContract(
        symbol=spec.symbol,
        market=DEFAULT_MARKET,
        segment="options",
        lot_size=lot_size(under, "options", spec.expiry),
        band_pct=None,
        tick=OPTION_TICK_PAISE,
        banded=False,
        expiry=spec.expiry,
        spec=spec,
    )


@dataclass(slots=True)
class BookQuote(Quote):
    """A quote with a bid and an ask (option contracts, priced off their underlying)."""

    bid: float = 0.0
    ask: float = 0.0


YEAR_SECONDS = 365.0 * 86_400.0


class OptionPricer:
    """Prices a fixed set of option contracts off their underlyings' prices in a few
    vectorised calls (one per kind: index, equity), whatever the number of underlyings and
    expiries: the engine builds one when the set of ordered contracts changes and calls it
    on every tick."""

    def __init__(
        self,
        universe: Universe,
        contracts: Sequence[OptionContract],
        cache: dict[Key, tuple] | None = None,
    ) -> None:
        """`cache` keeps each contract's fixed pricing inputs across rebuilds."""
        cache = {} if cache is None else cache
        self._groups: list[tuple[str, list[OptionContract], list[Key], dict]] = []
        by_kind: dict[str, list[tuple[OptionContract, tuple]]] = defaultdict(list)
        for c in contracts:
            key = (c.symbol, c.market)
            row = cache.get(key)
            if row is None:
                under = universe.get(*c.underlying_key)
                if under is None or c.spec is None:
                    continue
                row = cache[key] = (
                    "index" if under.is_index else "equity",
                    float(c.spec.strike),
                    c.spec.is_call,
                    under.volatility,
                    strike_step(under.symbol, under.ref_price),
                    datetime.combine(c.spec.expiry, CLOSE, tzinfo=IST).timestamp(),
                )
            by_kind[row[0]].append((c, row))
        for kind, pairs in by_kind.items():
            columns = list(zip(*(row[1:] for _, row in pairs), strict=True))
            arrays = {
                name: np.array(col, bool if name == "call" else float)
                for name, col in zip(
                    ("strike", "call", "vol", "step", "close"), columns, strict=True
                )
            }
            unders = [c.underlying_key for c, _ in pairs]
            self._groups.append((kind, [c for c, _ in pairs], unders, arrays))

    def quotes(
        self,
        spots: Mapping[Key, float],
        now: datetime,
        prev_spots: Mapping[Key, float] | None = None,
    ) -> dict[Key, BookQuote]:
        """Quotes of the contracts whose underlying is in `spots` (a positive price)."""
        out: dict[Key, BookQuote] = {}
        stamp = now.timestamp()
        for kind, contracts, unders, a in self._groups:
            spot = np.array([spots.get(u, 0.0) for u in unders], float)
            live = spot > 0
            if not live.any():
                continue
            t = np.maximum((a["close"][live] - stamp) / YEAR_SECONDS, MIN_T)
            args = (a["strike"][live], t, a["vol"][live], a["call"][live], a["step"][live], kind)
            ltp, bid, ask = quote_many(spot[live], *args)
            prev = ltp
            if prev_spots is not None:
                before = np.array([prev_spots.get(u, 0.0) for u in unders], float)[live]
                prev = np.where(
                    before > 0, quote_many(np.where(before > 0, before, 1.0), *args)[0], ltp
                )
            chosen = [c for c, ok in zip(contracts, live, strict=True) if ok]
            for i, c in enumerate(chosen):
                price = float(ltp[i])
                out[(c.symbol, c.market)] = BookQuote(
                    c.symbol, c.market, price, price, price, price, float(prev[i]), 0, now,
                    bid=float(bid[i]), ask=float(ask[i]),
                )  # fmt: skip
        return out


def option_quotes(
    under: Instrument,
    spot: float,
    contracts: Sequence[OptionContract],
    now: datetime,
    prev_spot: float | None = None,
) -> dict[Key, BookQuote]:
    """Quotes for `contracts` of one underlying trading at `spot`; `prev_spot` also prices
    each contract's previous close."""
    pricer = OptionPricer(_OneInstrument(under), contracts)
    prev = {under.key: prev_spot} if prev_spot else None
    return pricer.quotes({under.key: spot}, now, prev)


class _OneInstrument(Universe):
    def __init__(self, inst: Instrument) -> None:
        super().__init__([inst])
