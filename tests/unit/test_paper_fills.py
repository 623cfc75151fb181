"""The paper fill model on constructed tick sequences: one test per order kind and edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from stockapp.market.models import Instrument, Quote
from stockapp.market.paper import (
    PENDING,
    WORKING,
    Contract,
    MarketView,
    OrderBook,
    OrderRejected,
    OrderRequest,
    OrderType,
    Product,
    Validity,
    WorkingOrder,
    equity_contract,
    lot_size,
    market_open,
    session_day,
    validate_order,
)

KEY = ("ACME", "india_nse")
DAY1 = date(2026, 11, 26)  # Thursday
DAY2 = date(2026, 11, 27)  # Friday
T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 10:30 IST
NEXT_OPEN = datetime(2026, 11, 27, 3, 45, tzinfo=UTC)  # 09:15 IST


def quote(price: float, at: datetime = T0, prev_close: float = 100.0) -> Quote:
    return Quote("ACME", "india_nse", price, prev_close, price, price, prev_close, 1, at)


def order(kind: OrderType, *, buy: bool = True, oid: int = 1, **kw) -> WorkingOrder:
    stage = (
        PENDING
        if kind in (OrderType.SL, OrderType.SL_M, OrderType.GTT, OrderType.GTT_OCO)
        else WORKING
    )
    return WorkingOrder(
        id=oid,
        user_id=1,
        key=KEY,
        buy=buy,
        quantity=10,
        kind=kind,
        product="cnc",
        validity="day",
        session_day=DAY1,
        stage=stage,
        **kw,
    )


def run(book: OrderBook, prices: list[float], day: date = DAY1, at: datetime = T0):
    """Feed prices one tick each; returns [(tick index, fill price in paise)], triggers."""
    fills, triggers = [], []
    for i, p in enumerate(prices):
        res = book.evaluate({KEY: quote(p, at)}, day, at)
        fills += [(i, f.price) for f in res.fills]
        triggers += [(i, t.leg) for t in res.triggers]
    return fills, triggers


def test_market_buy_pays_ltp_plus_one_tick_and_sell_gets_ltp_minus_one():
    book = OrderBook()
    book.add(order(OrderType.MARKET, oid=1))
    book.add(order(OrderType.MARKET, buy=False, oid=2))
    res = book.evaluate({KEY: quote(100.0)}, DAY1, T0)
    assert {f.order.id: f.price for f in res.fills} == {1: 10001, 2: 9999}
    assert len(book) == 0


def test_market_uses_the_book_when_the_feed_has_one():
    q = quote(100.0)
    q_with_book = type("BookQuote", (), {})()
    for name in ("symbol", "market", "current_price", "prev_close", "timestamp"):
        setattr(q_with_book, name, getattr(q, name))
    q_with_book.bid, q_with_book.ask = 99.95, 100.10
    book = OrderBook()
    book.add(order(OrderType.MARKET, oid=1))
    book.add(order(OrderType.MARKET, buy=False, oid=2))
    res = book.evaluate({KEY: q_with_book}, DAY1, T0)
    assert {f.order.id: f.price for f in res.fills} == {1: 10010, 2: 9995}


def test_market_price_is_clamped_to_the_band_and_lands_on_the_grid():
    # prev close 1000 with a 20% band: upper circuit 1200.00; LTP at the circuit
    book = OrderBook()
    book.add(order(OrderType.MARKET, oid=1))
    res = book.evaluate({KEY: quote(1200.0, prev_close=1000.0)}, DAY1, T0)
    assert res.fills[0].price == 120000
    # LTP 249.99 (tick 0.01) + one tick = 250.00, on the 0.05 grid of its own band
    book.add(order(OrderType.MARKET, oid=2))
    res = book.evaluate({KEY: quote(249.99, prev_close=250.0)}, DAY1, T0)
    assert res.fills[0].price == 25000


def test_limit_buy_rests_then_fills_at_the_limit_when_crossed():
    book = OrderBook()
    book.add(order(OrderType.LIMIT, limit=9900))
    fills, _ = run(book, [100.0, 99.5, 98.7])
    # 99.5 is above the limit; 98.7 trades through it: filled at the limit, not at 98.7
    assert fills == [(2, 9900)]


def test_marketable_limit_fills_at_the_market_price_not_the_limit():
    book = OrderBook()
    book.add(order(OrderType.LIMIT, limit=10100))
    fills, _ = run(book, [100.0])
    assert fills == [(0, 10001)]  # LTP + one tick is better than the 101.00 limit


def test_limit_sell_on_the_grid_edge_fills_when_the_ltp_touches_it_exactly():
    book = OrderBook()
    book.add(order(OrderType.LIMIT, buy=False, limit=10050))
    fills, _ = run(book, [100.0, 100.45, 100.5])
    assert fills == [(2, 10050)]


def test_buy_limit_below_market_gapped_through_at_the_open_fills_at_the_open():
    book = OrderBook()
    book.add(order(OrderType.LIMIT, limit=9900))
    run(book, [100.0])  # day 1: rests
    res = book.evaluate({KEY: quote(97.0, NEXT_OPEN)}, DAY2, NEXT_OPEN)
    assert [f.price for f in res.fills] == [9700]  # the gap price, better than 99.00


def test_sl_buy_triggers_at_or_above_the_trigger_then_works_as_a_limit():
    book = OrderBook()
    book.add(order(OrderType.SL, trigger=10100, limit=10120))
    fills, triggers = run(book, [100.0, 100.9, 101.0])
    assert triggers == [(2, "")]
    assert fills == [(2, 10101)]  # market price 101.01 is within the 101.20 limit


def test_gap_through_a_stop_sl_limit_stays_open_sl_m_fills_at_the_gap():
    book = OrderBook()
    book.add(order(OrderType.SL, buy=False, oid=1, trigger=9900, limit=9880))
    book.add(order(OrderType.SL_M, buy=False, oid=2, trigger=9900))
    run(book, [100.0])
    res = book.evaluate({KEY: quote(95.0, NEXT_OPEN)}, DAY2, NEXT_OPEN)
    assert sorted(t.order.id for t in res.triggers) == [1, 2]
    assert [(f.order.id, f.price) for f in res.fills] == [(2, 9499)]
    assert book.orders[1].stage == WORKING and book.orders[1].limit == 9880
    # the sl fills once the price comes back up to its limit
    fills, _ = run(book, [96.0, 98.8], DAY2, NEXT_OPEN)
    assert fills == [(1, 9880)]


def test_gtt_single_triggers_from_the_side_it_was_placed_on():
    book = OrderBook()
    # placed with LTP 100, trigger 95 below: a buy-the-dip GTT with a 95.50 limit
    book.add(order(OrderType.GTT, trigger=9500, limit=9550, trigger_above=False, fresh=False))
    fills, triggers = run(book, [100.0, 97.0, 95.0])
    assert triggers == [(2, "")]
    assert fills == [(2, 9501)]


def test_gtt_oco_target_leg_fills_and_the_stop_leg_is_dropped():
    book = OrderBook()
    o = order(
        OrderType.GTT_OCO,
        buy=False,
        trigger=11000,
        limit=10990,
        stop_trigger=9000,
        stop_limit=8990,
        fresh=False,
    )
    book.add(o)
    fills, triggers = run(book, [100.0, 105.0, 110.0, 85.0])
    assert triggers == [(2, "target")]
    assert fills == [(2, 10999)]
    assert len(book) == 0


def test_gtt_oco_stop_leg():
    book = OrderBook()
    book.add(
        order(
            OrderType.GTT_OCO,
            buy=False,
            trigger=11000,
            limit=10990,
            stop_trigger=9000,
            stop_limit=8900,
            fresh=False,
        )
    )
    fills, triggers = run(book, [100.0, 90.0])
    assert triggers == [(1, "stop")]
    assert fills == [(1, 8999)]


def test_removed_orders_never_fill():
    book = OrderBook()
    book.add(order(OrderType.LIMIT, limit=9900))
    run(book, [100.0])
    book.remove(1)
    assert run(book, [90.0]) == ([], [])


# -- validation ----------------------------------------------------------------------------
INST = Instrument("ACME", "india_nse", "Acme", lot_size=25, band_pct=20.0)
VIEW = MarketView(ltp=10000, prev_close=10000)


def req(**kw) -> OrderRequest:
    base = dict(symbol="ACME", market="india_nse", side="buy", quantity=10)
    base.update(kw)
    base.setdefault("order_type", OrderType.LIMIT)
    return OrderRequest(**base)


def reason(request: OrderRequest, contract: Contract | None = None) -> str:
    with pytest.raises(OrderRejected) as exc:
        validate_order(request, contract or equity_contract(INST, DAY1), VIEW, now=T0)
    return str(exc.value)


def test_partial_lots_are_refused_for_derivatives():
    fut = Contract("ACME", "india_nse", "futures", lot_size(INST, "futures", DAY1), None)
    assert fut.lot_size == 25
    assert "not a multiple of the lot size 25" in reason(req(quantity=30, price=Decimal(100)), fut)
    ok = validate_order(req(quantity=50, price=Decimal(100)), fut, VIEW, now=T0)
    assert ok.limit == 10000
    # cash equities trade in single shares, whatever the F&O lot
    assert equity_contract(INST, DAY1).lot_size == 1


def test_price_off_the_grid_or_outside_the_band_is_refused():
    assert "not on the tick grid" in reason(req(price=Decimal("300.03")))
    assert "outside today's price band 80.00-120.00" in reason(req(price=Decimal("121")))
    assert "more than two decimals" in reason(req(price=Decimal("100.001")))


def test_stop_loss_trigger_must_be_on_the_far_side_of_the_price():
    r = req(order_type=OrderType.SL, price=Decimal(99), trigger_price=Decimal(98))
    assert "trigger above the last price" in reason(r)
    r = req(order_type=OrderType.SL, price=Decimal(101), trigger_price=Decimal(102))
    assert "at or beyond its trigger" in reason(r)


def test_gtt_needs_gtt_validity_and_oco_needs_straddling_triggers():
    r = req(order_type=OrderType.GTT, price=Decimal(95), trigger_price=Decimal(95))
    assert "validity gtt" in reason(r)
    r = req(
        order_type=OrderType.GTT_OCO,
        validity=Validity.GTT,
        side="sell",
        price=Decimal(110),
        trigger_price=Decimal(110),
        stop_trigger_price=Decimal(101),
        stop_price=Decimal(100),
    )
    assert "either side" in reason(r)


def test_mis_is_closed_after_1520_ist():
    late = datetime(2026, 11, 26, 9, 55, tzinfo=UTC)  # 15:25 IST
    with pytest.raises(OrderRejected, match="after 15:20"):
        validate_order(
            req(product=Product.MIS, price=Decimal(100)),
            equity_contract(INST, DAY1),
            VIEW,
            now=late,
        )


def test_sessions_and_market_hours():
    assert session_day(T0) == DAY1
    after_close = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)  # 16:00 IST
    assert session_day(after_close) == DAY2
    saturday = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    assert session_day(saturday) == date(2026, 11, 30)
    assert market_open(T0, "exchange")
    assert not market_open(after_close, "exchange")
    assert not market_open(saturday, "exchange")
    assert market_open(saturday, "always")
    assert not market_open(T0 - timedelta(hours=2), "exchange")  # 08:30 IST
