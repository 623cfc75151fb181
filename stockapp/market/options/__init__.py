"""NSE options: contract calendar (`expiry`), lot sizes (`lots`), pricing, and the chain of
an underlying at a live price (`chain`).

Callers use the names below; the submodules hold the tables and the maths behind them.
"""

from stockapp.market.options.chain import (
    DEFAULT_STRIKES,
    chain_at,
    chain_data,
    fno_underlying,
    fno_underlyings,
    listed_contracts,
    listed_expiries,
)
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
    "DEFAULT_STRIKES",
    "FINNIFTY",
    "MIN_T",
    "NIFTY",
    "Contract",
    "OptionChain",
    "OptionLeg",
    "bs_price",
    "build_chain",
    "chain_at",
    "chain_data",
    "contracts",
    "current_lot_size",
    "expiries",
    "fno_underlying",
    "fno_underlyings",
    "greeks",
    "implied_vol",
    "listed_contracts",
    "listed_expiries",
    "lot_size_for",
    "quote_many",
    "resolve_underlying",
    "strike_step",
]
