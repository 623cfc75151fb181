"""Allocation of a valued book by sector and by holding, in Decimal (no page, no server)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from stockapp.portfolio import (
    IST,
    PriceInfo,
    TradeIn,
    allocation,
    holdings_from_trades,
    value_portfolio,
)

D = Decimal
SECTOR = {"TCS": "IT", "INFY": "IT", "SBIN": "Banks"}


def _valued(quantities: dict[str, int], priced: set[str]):
    trades = [
        TradeIn(
            symbol=s,
            market="india_nse",
            side="buy",
            quantity=q,
            price=D("100"),
            fees=D("0"),
            traded_at=datetime(2024, 5, 2, 10, 0, tzinfo=IST),
        )
        for s, q in quantities.items()
    ]
    info = {(s, "india_nse"): PriceInfo(110.0, 100.0) for s in priced}
    now = datetime(2024, 6, 3, 10, 0, tzinfo=IST)
    return value_portfolio(holdings_from_trades(trades), info, now.date(), now)


def test_allocation_is_decimal_and_adds_up_to_the_whole_book():
    valued = _valued({"TCS": 1, "INFY": 2, "SBIN": 1}, priced={"TCS", "INFY", "SBIN"})
    by_sector, by_holding = allocation(valued.holdings, lambda h: SECTOR[h.symbol])
    assert [(s.name, s.amount) for s in by_sector] == [("IT", D("330")), ("Banks", D("110"))]
    assert all(isinstance(s.amount, Decimal) and isinstance(s.pct, Decimal) for s in by_holding)
    assert sum(s.pct for s in by_holding) == D(100)
    assert by_holding[0].name == "INFY" and by_holding[0].pct == D("50")


def test_unpriced_holdings_count_at_cost_and_the_tail_folds_into_others():
    valued = _valued({"TCS": 3, "INFY": 1, "SBIN": 1}, priced={"TCS"})
    _, by_holding = allocation(valued.holdings, lambda h: SECTOR[h.symbol], top=2)
    assert [(s.name, s.amount) for s in by_holding] == [("TCS", D("330")), ("Others", D("200"))]


def test_an_empty_book_has_no_slices():
    assert allocation([], lambda h: "") == ([], [])
