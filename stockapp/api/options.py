"""Option chains of the F&O underlyings: listed expiries and a live, Black-Scholes-priced chain
(the chain itself is built in `stockapp.market.options`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from stockapp.api.deps import HubDep, UniverseDep
from stockapp.api.schemas import model_of
from stockapp.market import options
from stockapp.market.calendar import IST, calendar_status
from stockapp.market.clock import app_now
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.market.options.pricing import OptionLeg

router = APIRouter(prefix="/options", tags=["options"])
MIN_STRIKES, MAX_STRIKES = 5, 50
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


# One side of a chain row is the domain's OptionLeg, field for field (no hand-kept copy).
LegOut = model_of(OptionLeg, "LegOut")


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
    inst = options.fno_underlying(universe, symbol)
    if inst is not None:
        return inst
    valid = ", ".join(i.symbol for i in options.fno_underlyings(universe))
    if universe.get(options.resolve_underlying(symbol), DEFAULT_MARKET) is None:
        raise HTTPException(404, detail=f"Unknown underlying {symbol!r}; use one of {valid}")
    raise HTTPException(
        404,
        detail=f"{symbol} has no listed options (not in the F&O segment); use one of {valid}",
    )


@router.get("/{symbol}/expiries", response_model=ExpiriesOut)
async def get_expiries(symbol: str, universe: UniverseDep) -> ExpiriesOut:
    inst = _underlying_or_404(universe, symbol)
    listed = options.listed_contracts(inst)
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
    ] = options.DEFAULT_STRIKES,
) -> ChainOut:
    inst = _underlying_or_404(universe, symbol)
    now = app_now().astimezone(IST)
    listed = options.listed_expiries(inst, now)
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
    return ChainOut(
        **options.chain_data(options.chain_at(inst, quote.current_price, chosen, strikes, now))
    )
