"""XIRR of cash flows, holdings and whole portfolios."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import pyxirr

from stockapp.portfolio import (
    IST,
    PriceInfo,
    Trade,
    holdings_from_trades,
    position_xirr,
    trade_flows,
    value_portfolio,
    xirr,
)
from stockapp.portfolio import returns as returns_module

D = Decimal

DOC_DATES = [
    date(2020, 1, 1),
    date(2021, 1, 1),
    date(2022, 1, 1),
    date(2023, 1, 1),
    date(2024, 1, 1),
]
DOC_AMOUNTS = [-10000, 2750, 4250, 3250, 2750]


def npv(rate: float, dates: list[date], amounts: list[float]) -> float:
    """Net present value with XIRR's convention: actual days over a 365-day year."""
    return sum(
        a / (1 + rate) ** ((d - dates[0]).days / 365) for d, a in zip(dates, amounts, strict=True)
    )


def test_documented_example_agrees_with_library_and_hand_check() -> None:
    flows = [(d, D(a)) for d, a in zip(DOC_DATES, DOC_AMOUNTS, strict=True)]
    rate = xirr(flows)
    assert rate is not None
    assert rate == pytest.approx(pyxirr.xirr(DOC_DATES, DOC_AMOUNTS), abs=1e-12)
    # the rate really zeroes the NPV, and nudging it either way does not
    assert abs(npv(rate, DOC_DATES, DOC_AMOUNTS)) < 1e-6
    assert npv(rate - 0.001, DOC_DATES, DOC_AMOUNTS) > 1
    assert npv(rate + 0.001, DOC_DATES, DOC_AMOUNTS) < -1
    # 2020 is a leap year, so with actual/365 the rate is 11.53 %, not a round figure
    assert rate == pytest.approx(0.11527, abs=1e-4)


def test_one_year_ten_percent() -> None:
    rate = xirr([(date(2023, 1, 1), D("-1000")), (date(2024, 1, 1), D("1100"))])
    assert rate == pytest.approx(0.10, abs=1e-9)


def test_order_of_flows_does_not_matter() -> None:
    flows = [(d, D(a)) for d, a in zip(DOC_DATES, DOC_AMOUNTS, strict=True)]
    assert xirr(flows[::-1]) == pytest.approx(xirr(flows), abs=1e-12)


@pytest.mark.parametrize(
    "flows",
    [
        [],
        [(date(2023, 1, 1), D("-1000"))],
        [(date(2023, 1, 1), D("-1000")), (date(2024, 1, 1), D("-10"))],
        [(date(2023, 1, 1), D("1000")), (date(2024, 1, 1), D("10"))],
        # one day only: the library would answer -100 % or 0 %, which mean nothing here
        [(date(2023, 1, 1), D("-1000")), (date(2023, 1, 1), D("1010"))],
        [(date(2023, 1, 1), D("-1000")), (date(2023, 1, 1), D("999"))],
        [(date(2023, 1, 1), D("-1000")), (date(2023, 1, 1), D("1000"))],
        [(date(2023, 1, 1), D("0")), (date(2024, 1, 1), D("0"))],
        [(date(2023, 1, 1), D("-1000")), (date(2024, 1, 1), D("0"))],
    ],
)
def test_undefined_xirr_is_none(flows: list[tuple[date, Decimal]]) -> None:
    assert xirr(flows) is None


@pytest.mark.parametrize("outcome", [float("nan"), float("inf"), None, "raise"])
def test_library_failures_become_none(monkeypatch: pytest.MonkeyPatch, outcome: object) -> None:
    def fake(dates: object, amounts: object) -> object:
        if outcome == "raise":
            raise pyxirr.InvalidPaymentsError("no solution")
        return outcome

    monkeypatch.setattr(returns_module.pyxirr, "xirr", fake)
    assert xirr([(date(2023, 1, 1), D("-1000")), (date(2024, 1, 1), D("1100"))]) is None


def buy(qty: int, price: str, when: datetime, fees: str = "0", symbol: str = "TCS") -> Trade:
    return Trade(
        symbol=symbol,
        market="india_nse",
        side="buy",
        quantity=qty,
        price=D(price),
        traded_at=when,
        fees=D(fees),
    )


def sell(qty: int, price: str, when: datetime, fees: str = "0", symbol: str = "TCS") -> Trade:
    return Trade(
        symbol=symbol,
        market="india_nse",
        side="sell",
        quantity=qty,
        price=D(price),
        traded_at=when,
        fees=D(fees),
    )


def test_trade_flows_sign_and_fees_and_indian_date() -> None:
    late = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)  # 01:30 IST on 2 March
    flows = trade_flows([buy(2, "100", late, fees="1.5"), sell(1, "150", late, fees="2")])
    assert flows == [(date(2024, 3, 2), D("-201.5")), (date(2024, 3, 2), D("148"))]


def test_position_xirr_adds_market_value_at_now() -> None:
    start = datetime(2023, 1, 1, 10, tzinfo=IST)
    now = datetime(2024, 1, 1, 10, tzinfo=IST)
    trades = [buy(10, "99", start, fees="10")]
    assert position_xirr(trades, D("1100"), now) == pytest.approx(0.10, abs=1e-9)
    assert position_xirr(trades, None, now) is None
    assert position_xirr([buy(10, "99", now)], D("1000"), now) is None  # bought today


def test_closed_position_xirr_uses_only_its_trades() -> None:
    start = datetime(2023, 1, 1, 10, tzinfo=IST)
    end = datetime(2024, 1, 1, 10, tzinfo=IST)
    trades = [buy(10, "100", start), sell(10, "121", end)]
    rate = position_xirr(trades, D(0), datetime(2024, 6, 1, tzinfo=UTC))
    assert rate == pytest.approx(0.21, abs=1e-9)


def test_holding_and_portfolio_xirr_in_valuation() -> None:
    jan23 = datetime(2023, 1, 2, 10, tzinfo=IST)
    jan24 = datetime(2024, 1, 2, 10, tzinfo=IST)
    now = datetime(2025, 1, 1, 10, tzinfo=IST)
    book = [
        buy(10, "100", jan23),
        sell(5, "110", jan24),
        buy(4, "250", jan24, symbol="INFY"),
    ]
    prices = {
        ("TCS", "india_nse"): PriceInfo(D("120"), D("119")),
        ("INFY", "india_nse"): PriceInfo(D("300"), D("290")),
    }
    valuation = value_portfolio(holdings_from_trades(book), prices, now.date(), now)
    by_symbol = {h.symbol: h for h in valuation.holdings}
    expected_tcs = pyxirr.xirr([jan23.date(), jan24.date(), now.date()], [-1000, 550, 600])
    assert by_symbol["TCS"].xirr == pytest.approx(expected_tcs, abs=1e-12)
    assert by_symbol["INFY"].xirr == pytest.approx(0.20, abs=1e-3)
    whole = pyxirr.xirr(
        [jan23.date(), jan24.date(), jan24.date(), now.date()], [-1000, 550, -1000, 1800]
    )
    assert valuation.totals.xirr == pytest.approx(whole, abs=1e-12)
    assert valuation.totals.display()["xirr_pct"] == D(repr(whole * 100)).quantize(D("0.01"))
    assert not math.isnan(valuation.totals.xirr)


def test_flows_with_two_rates_are_ambiguous_not_one_of_them() -> None:
    # -1000, +2300, -1320 a year apart: NPV is zero at both 10 % and 20 % a year
    flows = [
        (date(2021, 1, 1), D(-1000)),
        (date(2022, 1, 1), D(2300)),
        (date(2023, 1, 1), D(-1320)),
    ]
    for rate in (0.10, 0.20):
        assert abs(npv(rate, [d for d, _ in flows], [float(a) for _, a in flows])) < 1e-6
    result = returns_module.xirr_result(flows)
    assert result.rate is None and xirr(flows) is None
    assert result.reason is not None and "ambiguous" in result.reason
    assert "10.0%" in result.reason and "20.0%" in result.reason
    roots = returns_module.npv_roots(flows)
    assert [round(r, 6) for r in roots] == [0.2, 0.1] or [round(r, 6) for r in roots] == [0.1, 0.2]


def test_several_sign_changes_with_one_root_still_solve() -> None:
    flows = [
        (date(2020, 1, 1), D(-1000)),
        (date(2020, 6, 1), D(500)),
        (date(2020, 9, 1), D(-200)),
        (date(2021, 1, 1), D(900)),
    ]
    rate = xirr(flows)
    assert rate is not None
    dates, amounts = [d for d, _ in flows], [float(a) for _, a in flows]
    assert abs(npv(rate, dates, amounts)) < 1e-6
    assert returns_module.xirr_result([(date(2020, 1, 1), D(-5))]).reason
