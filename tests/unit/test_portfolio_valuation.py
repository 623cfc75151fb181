"""Marking positions to market: values, day P&L, totals, presentation rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from stockapp.portfolio import (
    IST,
    PriceInfo,
    Trade,
    holdings_from_trades,
    money,
    value_portfolio,
)

D = Decimal
RIL = ("RELIANCE", "india_nse")
TODAY = date(2024, 5, 2)
NOW = datetime(2024, 5, 2, 14, 0, tzinfo=IST)


def trade(
    side: str, qty: int, price: str, when: str, *, fees: str = "0", symbol: str = "RELIANCE"
) -> Trade:
    return Trade(
        id=None,
        symbol=symbol,
        market="india_nse",
        side=side,
        quantity=qty,
        price=D(price),
        traded_at=datetime.fromisoformat(when).replace(tzinfo=IST),
        fees=D(fees),
    )


def day_pnl(book: list[Trade], current: str = "115", prev: str = "110") -> Decimal | None:
    positions = holdings_from_trades(book)
    valuation = value_portfolio(positions, {RIL: PriceInfo(D(current), D(prev))}, TODAY, NOW)
    both = valuation.holdings + valuation.closed
    assert len(both) == 1
    assert valuation.totals.day_pnl == both[0].day_pnl
    return both[0].day_pnl


HELD = trade("buy", 10, "100", "2024-04-30T10:00")


def test_day_pnl_of_shares_held_before_today_uses_prev_close() -> None:
    assert day_pnl([HELD]) == D("50")  # 10 x (115 - 110)


def test_day_pnl_of_shares_bought_today_uses_buy_price() -> None:
    assert day_pnl([trade("buy", 10, "112", "2024-05-02T10:00", fees="7")]) == D("30")


def test_day_pnl_mixes_overnight_and_todays_buys() -> None:
    book = [HELD, trade("buy", 5, "112", "2024-05-02T10:00")]
    assert day_pnl(book) == D("65")  # 10 x 5 + 5 x 3


def test_day_pnl_with_partial_sell_today() -> None:
    book = [HELD, trade("sell", 4, "118", "2024-05-02T11:00", fees="3")]
    assert day_pnl(book) == D("62")  # 6 still held x 5 + 4 sold x (118 - 110)


def test_day_pnl_when_bought_and_sold_today() -> None:
    book = [
        HELD,
        trade("buy", 5, "112", "2024-05-02T10:00"),
        trade("sell", 5, "114", "2024-05-02T11:00"),
    ]
    # overnight 10 moved +5 each; the 5-share round trip made +2 each, whichever lot FIFO sold
    assert day_pnl(book) == D("60")


def test_position_closed_today_reports_day_pnl_among_closed() -> None:
    assert day_pnl([HELD, trade("sell", 10, "118", "2024-05-02T11:00")]) == D("80")


def test_today_is_the_indian_date_not_the_utc_one() -> None:
    # 03:00 IST on 2 May is 1 May in UTC, but it is one of today's trades
    assert day_pnl([trade("buy", 10, "112", "2024-05-02T03:00")]) == D("30")
    # 23:00 IST on 1 May is 17:30 UTC on 1 May: yesterday
    assert day_pnl([trade("buy", 10, "112", "2024-05-01T23:00")]) == D("50")


def test_holding_figures_and_presentation_rounding() -> None:
    book = [trade("buy", 3, "2742.35", "2024-01-15T09:42", fees="12.345")]
    positions = holdings_from_trades(book)
    prices = {RIL: PriceInfo(2931.8, 2920.05)}  # float quotes convert exactly as printed
    valuation = value_portfolio(positions, prices, TODAY, NOW)
    (h,) = valuation.holdings
    assert h.price == PriceInfo(D("2931.8"), D("2920.05"))
    assert h.invested == D("8239.395")
    assert h.market_value == D("8795.4")
    assert h.unrealized_pnl == D("556.005")
    assert h.unrealized_pct == D("556.005") / D("8239.395") * 100
    shown = h.display()
    assert shown["invested"] == D("8239.40") and shown["unrealized_pnl"] == D("556.01")
    assert shown["avg_cost"] == money(D("8239.395") / 3) == D("2746.47")
    assert shown["unrealized_pct"] == D("6.75")
    assert shown["xirr_pct"] is not None and shown["xirr_pct"] > 0


def test_missing_price_leaves_holding_unvalued_and_portfolio_xirr_undefined() -> None:
    book = [HELD, trade("buy", 2, "3900", "2024-01-10T10:00", symbol="TCS")]
    positions = holdings_from_trades(book)
    valuation = value_portfolio(positions, {RIL: PriceInfo(D("115"), D("110"))}, TODAY, NOW)
    tcs = next(h for h in valuation.holdings if h.symbol == "TCS")
    assert tcs.market_value is None and tcs.unrealized_pnl is None and tcs.day_pnl is None
    assert tcs.xirr is None
    totals = valuation.totals
    assert totals.unpriced == (("TCS", "india_nse"),)
    assert totals.invested == D("8800")  # invested counts every holding
    assert totals.market_value == D("1150")
    assert totals.unrealized_pnl == D("150")
    assert totals.unrealized_pct == D("15")
    assert totals.xirr is None


PRICE_STEPS = st.integers(1, 500_000).map(lambda n: D(n) / 100)


@st.composite
def books_and_prices(draw: st.DrawFn) -> tuple[list[Trade], dict]:
    symbols = ("RELIANCE", "TCS", "INFY", "HDFCBANK")
    held = dict.fromkeys(symbols, 0)
    when = datetime(2024, 4, 20, 4, 0, tzinfo=UTC)
    book: list[Trade] = []
    for _ in range(draw(st.integers(1, 30))):
        symbol = draw(st.sampled_from(symbols))
        when += timedelta(hours=draw(st.integers(0, 30)))
        side = draw(st.sampled_from(("buy", "sell"))) if held[symbol] else "buy"
        qty = draw(st.integers(1, 100)) if side == "buy" else draw(st.integers(1, held[symbol]))
        held[symbol] += qty if side == "buy" else -qty
        book.append(
            Trade(
                id=len(book) + 1,
                symbol=symbol,
                market="india_nse",
                side=side,
                quantity=qty,
                price=draw(PRICE_STEPS),
                traded_at=min(when, NOW),
                fees=D(draw(st.integers(0, 2_000))) / 100,
            )
        )
    prices = {(s, "india_nse"): PriceInfo(draw(PRICE_STEPS), draw(PRICE_STEPS)) for s in symbols}
    return book, prices


@settings(max_examples=80, deadline=None)
@given(data=books_and_prices())
def test_totals_are_exact_sums_of_holdings(data: tuple[list[Trade], dict]) -> None:
    book, prices = data
    valuation = value_portfolio(holdings_from_trades(book), prices, TODAY, NOW)
    everything = valuation.holdings + valuation.closed
    totals = valuation.totals
    assert all(h.quantity > 0 for h in valuation.holdings)
    assert all(h.quantity == 0 for h in valuation.closed)
    assert totals.invested == sum((h.invested for h in valuation.holdings), D(0))
    assert totals.market_value == sum((h.market_value for h in valuation.holdings), D(0))
    assert totals.unrealized_pnl == sum((h.unrealized_pnl for h in valuation.holdings), D(0))
    assert totals.unrealized_pnl == totals.market_value - totals.invested
    assert totals.realized_pnl == sum((h.realized_pnl for h in everything), D(0))
    assert totals.day_pnl == sum((h.day_pnl for h in everything), D(0))
    for h in valuation.holdings:
        assert h.market_value == prices[h.key].current_price * h.quantity
    # day P&L is the day's change in value plus the day's net trading cash, at trade prices
    start = {h.key: h.quantity for h in everything}
    todays = [t for t in book if t.trade_date == TODAY]
    cash = D(0)
    for t in todays:
        start[t.key] += -t.quantity if t.side == "buy" else t.quantity
        cash += t.gross if t.side == "sell" else -t.gross
    opening = sum((prices[k].prev_close * q for k, q in start.items()), D(0))
    assert totals.day_pnl == totals.market_value - opening + cash
