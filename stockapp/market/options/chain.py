"""Option chains of the F&O underlyings at a live price: which underlyings trade options,
their listed expiries, one chain at a spot, and the chain as plain data.

Shared by the API and the Options page (through `MarketSnapshot.option_chain`), so both
price the same chain the same way.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from stockapp.market.calendar import IST
from stockapp.market.clock import app_now
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.market.options.expiry import Contract, contracts, expiries, resolve_underlying
from stockapp.market.options.pricing import DEFAULT_RATE, OptionChain, build_chain, implied_vol

DEFAULT_STRIKES = 15


def fno_underlying(universe: Universe, symbol: str) -> Instrument | None:
    """The NSE instrument behind a trading name ("BANKNIFTY", "NIFTY 50", "TCS") if it has
    listed options; None for unknown or non-F&O symbols."""
    inst = universe.get(resolve_underlying(symbol), DEFAULT_MARKET)
    return inst if inst is not None and inst.fno else None


def fno_underlyings(universe: Universe) -> list[Instrument]:
    """Indices first (NIFTY, BANKNIFTY, FINNIFTY), then stocks by symbol."""
    found = [i for i in universe.all(DEFAULT_MARKET) if i.fno]
    return sorted(found, key=lambda i: (not i.is_index, i.symbol))


def listed_expiries(inst: Instrument, now: datetime | None = None) -> list[date]:
    return expiries(inst.symbol, now or app_now().astimezone(IST), inst.kind)


def listed_contracts(inst: Instrument, now: datetime | None = None) -> list[Contract]:
    """Listed contracts with their kind (weekly/monthly/quarterly/half-yearly)."""
    return contracts(inst.symbol, now or app_now().astimezone(IST), inst.kind)


def chain_at(
    inst: Instrument,
    spot: float,
    expiry: date,
    strikes_each_side: int = DEFAULT_STRIKES,
    now: datetime | None = None,
) -> OptionChain:
    return build_chain(
        inst,
        spot,
        expiry,
        now or app_now().astimezone(IST),
        r=DEFAULT_RATE,
        strikes_each_side=strikes_each_side,
    )


def chain_data(chain: OptionChain) -> dict:
    """The chain as plain data, with iv to 6 decimals.

    The chain's own iv is rounded to 4 decimals, which for a deep index option (vega of
    thousands of rupees per unit of volatility) moves the re-priced premium by more than a
    tick; solving again from the ltp at the published spot, rate and time keeps
    ltp and iv consistent to well under a paisa.
    """
    out = chain.to_dict()
    rows = out["rows"]
    if not rows:
        return out
    legs = [row["call"] for row in rows] + [row["put"] for row in rows]
    strikes = np.array([row["strike"] for row in rows] * 2)
    is_call = np.arange(len(legs)) < len(rows)
    iv = implied_vol(
        np.array([leg["ltp"] for leg in legs]),
        out["underlying_price"],
        strikes,
        out["time_to_expiry_years"],
        out["risk_free_rate"],
        is_call,
    )
    for leg, value in zip(legs, np.atleast_1d(iv).tolist(), strict=True):
        if np.isfinite(value):
            leg["iv"] = round(value, 6)
    return out
