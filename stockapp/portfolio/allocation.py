"""How a valued book is spread: by sector and by holding, as Decimal amounts and percentages.

A holding without a live price counts at cost, so the split still adds up to the whole book.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from stockapp.portfolio.valuation import HoldingValuation

TOP_HOLDINGS = 10
OTHERS = "Others"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Slice:
    name: str
    amount: Decimal
    pct: Decimal  # percent of the whole book


def holding_amount(h: HoldingValuation) -> Decimal:
    """The market value, or the amount invested while the holding has no price."""
    return h.market_value if h.market_value is not None else h.invested


def _slices(pairs: list[tuple[str, Decimal]], total: Decimal) -> list[Slice]:
    whole = total or Decimal(1)
    return [Slice(name, amount, amount / whole * HUNDRED) for name, amount in pairs]


def allocation(
    holdings: Iterable[HoldingValuation],
    sector_of: Callable[[HoldingValuation], str],
    *,
    top: int = TOP_HOLDINGS,
) -> tuple[list[Slice], list[Slice]]:
    """(by sector, by holding), largest first; beyond `top` holdings the smallest are
    folded into one "Others" slice."""
    weights = [(h.symbol, sector_of(h), holding_amount(h)) for h in holdings]
    total = sum((w for _, _, w in weights), Decimal(0))
    sectors: dict[str, Decimal] = {}
    for _, sector, amount in weights:
        sectors[sector] = sectors.get(sector, Decimal(0)) + amount
    by_sector = sorted(sectors.items(), key=lambda p: -p[1])
    by_holding = sorted(((s, w) for s, _, w in weights), key=lambda p: -p[1])
    if len(by_holding) > top:
        rest = sum((w for _, w in by_holding[top - 1 :]), Decimal(0))
        by_holding = [*by_holding[: top - 1], (OTHERS, rest)]
    return _slices(by_sector, total), _slices(by_holding, total)
