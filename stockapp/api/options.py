"""Option chains of the F&O underlyings: listed expiries and a live, Black-Scholes-priced chain.

The helpers at the top (which underlyings trade options, their expiries, one chain at the
live price) carry no HTTP concerns; the Options page uses them too.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from stockapp.api.deps import HubDep, UniverseDep
from stockapp.market.calendar import IST, calendar_status
from stockapp.market.clock import app_now
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.market.options import (
    DEFAULT_RATE,
    Contract,
    OptionChain,
    build_chain,
    contracts,
    expiries,
    implied_vol,
    resolve_underlying,
)

router = APIRouter(prefix="/options", tags=["options"])
MIN_STRIKES, MAX_STRIKES, DEFAULT_STRIKES = 5, 50, 15
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


def chain_payload(chain: OptionChain) -> dict:
    """The chain as the API answers it, with iv to 6 decimals.

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


# -- routes --------------------------------------------------------------------------------


class ContractOut(BaseModel):
    expiry: str
    kind: Literal["weekly", "monthly", "quarterly", "half-yearly"]
    calendar_verified: bool


class ExpiriesOut(BaseModel):
    symbol: str
    expiries: list[str]
    contracts: list[ContractOut]
    calendar_verified: bool
    calendar_note: str | None


class LegOut(BaseModel):
    ltp: float
    bid: float
    ask: float
    volume: int
    oi: int
    oi_change: int
    iv: float
    delta: float
    gamma: float
    theta: float
    vega: float


class RowOut(BaseModel):
    strike: float
    call: LegOut
    put: LegOut


class ChainOut(BaseModel):
    symbol: str
    expiry: str
    underlying_price: float
    risk_free_rate: float
    lot_size: int
    time_to_expiry_years: float
    pcr: float | None  # null when there is no call open interest
    max_pain: float
    atm_strike: float
    rows: list[RowOut]


def _underlying_or_404(universe: Universe, symbol: str) -> Instrument:
    inst = fno_underlying(universe, symbol)
    if inst is not None:
        return inst
    valid = ", ".join(i.symbol for i in fno_underlyings(universe))
    if universe.get(resolve_underlying(symbol), DEFAULT_MARKET) is None:
        raise HTTPException(404, detail=f"Unknown underlying {symbol!r}; use one of {valid}")
    raise HTTPException(
        404,
        detail=f"{symbol} has no listed options (not in the F&O segment); use one of {valid}",
    )


@router.get("/{symbol}/expiries", response_model=ExpiriesOut)
async def get_expiries(symbol: str, universe: UniverseDep) -> ExpiriesOut:
    inst = _underlying_or_404(universe, symbol)
    listed = listed_contracts(inst)
    status = calendar_status(*(c.expiry for c in listed))
    return ExpiriesOut(
        symbol=inst.symbol,
        expiries=[c.expiry.isoformat() for c in listed],
        contracts=[ContractOut(**c.to_dict()) for c in listed],  # type: ignore[arg-type]
        calendar_verified=status.verified,
        calendar_note=status.note,
    )


@router.get("/{symbol}/chain", response_model=ChainOut)
async def get_chain(
    symbol: str,
    universe: UniverseDep,
    hub: HubDep,
    expiry: Annotated[str | None, Query(description="YYYY-MM-DD; the nearest when omitted")] = None,
    strikes: Annotated[
        int, Query(ge=MIN_STRIKES, le=MAX_STRIKES, description="strikes on each side of ATM")
    ] = DEFAULT_STRIKES,
) -> ChainOut:
    inst = _underlying_or_404(universe, symbol)
    now = app_now().astimezone(IST)
    listed = listed_expiries(inst, now)
    if expiry is None:
        chosen = listed[0]
    else:
        try:
            if not ISO_DATE.fullmatch(expiry):
                raise ValueError(expiry)
            chosen = date.fromisoformat(expiry)
        except ValueError as exc:
            raise HTTPException(422, detail="expiry must be a date as YYYY-MM-DD") from exc
        if chosen not in listed:
            raise HTTPException(
                422,
                detail=f"{expiry} is not a listed expiry of {inst.symbol}; use one of "
                + ", ".join(d.isoformat() for d in listed),
            )
    quote = (await hub.quotes([inst.key])).get(inst.key)
    if quote is None or quote.current_price <= 0:
        raise HTTPException(503, detail=f"No live price for {inst.symbol} yet; try again")
    return ChainOut(**chain_payload(chain_at(inst, quote.current_price, chosen, strikes, now)))
