"""Value over time from trades and daily closes; and the file row of each imported trade."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from stockapp.portfolio import IST, TradeIn, parse_tradebook
from stockapp.portfolio.history import value_over_time

D = Decimal


def _t(symbol: str, side: str, qty: int, price: str, day: date, fees: str = "0") -> TradeIn:
    return TradeIn(
        symbol=symbol,
        market="india_nse",
        side=side,
        quantity=qty,
        price=D(price),
        fees=D(fees),
        traded_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=IST),
    )


def test_value_follows_holdings_and_closes_with_carry_forward():
    trades = [
        _t("AAA", "buy", 10, "100", date(2024, 1, 2), fees="5"),
        _t("BBB", "buy", 4, "50", date(2024, 1, 3)),
        _t("AAA", "sell", 6, "120", date(2024, 1, 4), fees="2"),
    ]
    closes = {
        ("AAA", "india_nse"): [
            (date(2024, 1, 1), D("90")),  # before the first trade: not shown
            (date(2024, 1, 2), D("101")),
            (date(2024, 1, 3), D("110")),
            (date(2024, 1, 4), D("121")),
        ],
        # BBB has no bar on the 4th: its close of the 3rd carries forward
        ("BBB", "india_nse"): [(date(2024, 1, 3), D("55"))],
    }
    points = value_over_time(trades, closes)
    assert [p.day for p in points] == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
    assert [p.value for p in points] == [D("1010"), D("1320"), D("704")]
    assert [p.net_invested for p in points] == [D("1005"), D("1205"), D("487")]


def test_days_before_a_held_instrument_has_a_close_are_left_out():
    trades = [
        _t("AAA", "buy", 1, "10", date(2024, 1, 2)),
        _t("BBB", "buy", 1, "10", date(2024, 1, 2)),
    ]
    closes = {
        ("AAA", "india_nse"): [(date(2024, 1, 2), D("11")), (date(2024, 1, 3), D("12"))],
        ("BBB", "india_nse"): [(date(2024, 1, 3), D("13"))],
    }
    points = value_over_time(trades, closes)
    assert [(p.day, p.value) for p in points] == [(date(2024, 1, 3), D("25"))]


def test_no_trades_no_points():
    assert value_over_time([], {("AAA", "india_nse"): [(date(2024, 1, 2), D("1"))]}) == []


def test_parsed_import_knows_each_trades_file_row():
    data = (
        b"date,symbol,side,quantity,price,trade_id\n"
        b"2024-01-02,TCS,buy,1,3500,A1\n"
        b"\n"
        b"2024-01-03,TCS,buy,1,3500,A1\n"  # a duplicate: skipped
        b"2024-01-04,INFY,buy,2,1500,\n"
    )
    parsed = parse_tradebook(data, now=datetime(2025, 1, 1, tzinfo=IST))
    assert parsed.skipped_duplicates == 1
    assert parsed.row_numbers == (2, 5)
    assert parsed.row_of(parsed.trades[1]) == 5
    assert parsed.row_of(_t("TCS", "buy", 1, "1", date(2024, 1, 2))) is None
