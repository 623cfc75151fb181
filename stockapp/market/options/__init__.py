"""NSE options: contract calendar (`expiry`), lot sizes (`lots`), pricing and the chain.

Callers use the names below; the submodules hold the tables and the maths behind them.
"""

from stockapp.market.options.expiry import (
    BANKNIFTY,
    FINNIFTY,
    NIFTY,
    Contract,
    contracts,
    expiries,
    resolve_underlying,
    strike_step,
)
from stockapp.market.options.lots import current_lot_size, lot_size_for
from stockapp.market.options.pricing import (
    DEFAULT_RATE,
    MIN_T,
    OptionChain,
    OptionLeg,
    bs_price,
    build_chain,
    greeks,
    implied_vol,
    quote_many,
)

__all__ = [
    "BANKNIFTY",
    "DEFAULT_RATE",
    "FINNIFTY",
    "MIN_T",
    "NIFTY",
    "Contract",
    "OptionChain",
    "OptionLeg",
    "bs_price",
    "build_chain",
    "contracts",
    "current_lot_size",
    "expiries",
    "greeks",
    "implied_vol",
    "lot_size_for",
    "quote_many",
    "resolve_underlying",
    "strike_step",
]
