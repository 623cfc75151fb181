"""Option contracts for the Options page: the F&O underlying behind a trading name, its
listed contracts and the chain priced at a spot."""

from __future__ import annotations

from datetime import date

from stockapp.api import options as chains
from stockapp.market.models import Instrument
from stockapp.market.options import Contract, OptionChain
from stockapp.runtime import runtime


def fno_underlying(symbol: str) -> Instrument | None:
    """The NSE instrument behind "BANKNIFTY", "NIFTY 50", "TCS" if it has listed options."""
    return chains.fno_underlying(runtime.universe, symbol)


def listed_contracts(inst: Instrument) -> list[Contract]:
    return chains.listed_contracts(inst)


def chain_at(inst: Instrument, spot: float, expiry: date, strikes_each_side: int) -> OptionChain:
    return chains.chain_at(inst, spot, expiry, strikes_each_side)
