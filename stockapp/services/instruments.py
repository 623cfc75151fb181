"""The instrument universe as pages see it: look-ups and search, never the runtime itself."""

from __future__ import annotations

from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.services.market import universe


def instrument(symbol: str, market: str = DEFAULT_MARKET) -> Instrument | None:
    return universe().get(symbol, market)


def known(symbol: str, market: str) -> bool:
    return universe().get(symbol, market) is not None


def known_equity(symbol: str, market: str) -> bool:
    inst = universe().get(symbol, market)
    return inst is not None and not inst.is_index


def search(query: str, market: str | None, limit: int) -> list[Instrument]:
    return universe().search(query, market, limit)


def indices() -> list[Instrument]:
    return list(universe().indices())


def sector_of(symbol: str, market: str) -> str:
    """The instrument's sector, "Other" when it has none."""
    inst = universe().get(symbol, market)
    return (inst.sector if inst else "") or "Other"


def name_of(symbol: str, market: str) -> str:
    inst = universe().get(symbol, market)
    return inst.name if inst else symbol


def peers(inst: Instrument, limit: int) -> list[Instrument]:
    """Same-industry stocks, closest first."""
    return list(universe().peers(inst, limit))
