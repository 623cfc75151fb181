"""Option contracts for the Options page: the F&O underlying behind a trading name and its
listed contracts (chains themselves are derived on the market snapshot)."""

from __future__ import annotations

from stockapp.market import options
from stockapp.market.models import Instrument
from stockapp.market.options import Contract
from stockapp.services.market import universe


def fno_underlying(symbol: str) -> Instrument | None:
    """The NSE instrument behind "BANKNIFTY", "NIFTY 50", "TCS" if it has listed options."""
    return options.fno_underlying(universe(), symbol)


def listed_contracts(inst: Instrument) -> list[Contract]:
    return options.listed_contracts(inst)
