"""FIFO positions, realized P&L, oversell detection and book validation."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockapp.portfolio import (
    IST,
    OversellError,
    Trade,
    TradeError,
    TradeIn,
    holdings_from_trades,
    validate_deletion,
    validate_new_trade,
)

D = Decimal
RIL = ("RELIANCE", "india_nse")


def trade(
    side: str,
    qty: int,
    price: str,
    when: str,
    *,
    fees: str = "0",
    id: int | None = None,
    symbol: str = "RELIANCE",
    market: str = "india_nse",
) -> Trade:
    return Trade(
        id=id,
        symbol=symbol,
        market=market,
        side=side,
        quantity=qty,
        price=D(price),
        traded_at=datetime.fromisoformat(when).replace(tzinfo=IST),
        fees=D(fees),
    )


def test_fifo_partial_sell_allocates_buy_fees_pro_rata() -> None:
    book = [
        trade("buy", 10, "100", "2024-01-01T10:00", fees="10", id=1),
        trade("buy", 5, "120", "2024-02-01T10:00", fees="3", id=2),
        trade("sell", 12, "130", "2024-03-01T10:00", fees="5", id=3),
    ]
    pos = holdings_from_trades(book)[RIL]
    # sold: all of lot 1 (1000 + 10 fees) and 2 of lot 2 (240 + 3*2/5 fees)
    assert pos.realized_pnl == D("1560") - D("5") - D("1010") - D("241.2")
    assert pos.quantity == 3
    assert [(lot.quantity, lot.price, lot.fees) for lot in pos.lots] == [(3, D("120"), D("1.8"))]
    assert pos.invested == D("361.8")
    assert pos.avg_cost == D("120.6")
    assert pos.bought_quantity == 15 and pos.sold_quantity == 12
    assert pos.first_bought == datetime(2024, 2, 1, 4, 30, tzinfo=UTC)


def test_closed_position_is_kept_with_realized_pnl() -> None:
    book = [
        trade("buy", 4, "1500", "2024-01-01T10:00", id=1, symbol="INFY"),
        trade("sell", 4, "1400.50", "2024-01-05T10:00", fees="2", id=2, symbol="INFY"),
    ]
    pos = holdings_from_trades(book)[("INFY", "india_nse")]
    assert pos.quantity == 0 and not pos.is_open
    assert pos.lots == () and pos.invested == 0 and pos.avg_cost == 0
    assert pos.realized_pnl == D("-400")


def test_same_symbol_on_two_exchanges_are_separate_positions() -> None:
    book = [
        trade("buy", 4, "100", "2024-01-01T10:00", id=1),
        trade("buy", 6, "101", "2024-01-01T10:00", id=2, market="india_bse"),
    ]
    positions = holdings_from_trades(book)
    assert positions[RIL].quantity == 4
    assert positions[("RELIANCE", "india_bse")].quantity == 6


def test_replay_orders_by_time_then_id_not_input_order() -> None:
    buy = trade("buy", 5, "100", "2024-05-02T10:00", id=1)
    sell = trade("sell", 5, "110", "2024-05-02T10:00", id=2)
    later_buy = trade("buy", 1, "90", "2024-05-03T10:00", id=3)
    positions = holdings_from_trades([later_buy, sell, buy])
    assert positions[RIL].quantity == 1
    assert positions[RIL].realized_pnl == D("50")
    # at the same instant the lower id goes first, so a sell saved before its buy fails
    with pytest.raises(OversellError):
        holdings_from_trades([replace(buy, id=2), replace(sell, id=1)])


def test_oversell_message_names_quantity_symbol_date_and_holding() -> None:
    book = [
        trade("buy", 4, "2800", "2024-04-30T10:00", id=1),
        trade("sell", 10, "2900", "2024-05-02T10:15:23", id=2),
    ]
    with pytest.raises(OversellError) as err:
        holdings_from_trades(book)
    assert str(err.value) == "Cannot sell 10 RELIANCE on 2024-05-02: only 4 held at that time"
    assert err.value.held == 4 and err.value.trade is book[1]


def test_oversell_date_is_the_indian_trading_date() -> None:
    # 00:30 IST on 2 May is still 1 May in UTC
    with pytest.raises(OversellError, match="on 2024-05-02"):
        holdings_from_trades([trade("sell", 1, "10", "2024-05-02T00:30", id=1)])


def test_validate_insert_of_backdated_sell_that_starves_a_later_sell() -> None:
    book = [
        trade("buy", 10, "100", "2024-01-01T10:00", id=1),
        trade("sell", 8, "110", "2024-03-01T10:00", id=2),
    ]
    with pytest.raises(OversellError) as err:
        validate_new_trade(book, trade("sell", 5, "105", "2024-02-01T10:00"))
    assert err.value.trade is book[1] and err.value.held == 5
    ok = validate_new_trade(book, trade("sell", 2, "105", "2024-02-01T10:00"))
    assert ok[RIL].quantity == 0


def test_validate_edit_of_earlier_buy_that_makes_later_sell_invalid() -> None:
    book = [
        trade("buy", 10, "100", "2024-01-01T10:00", id=1),
        trade("sell", 8, "110", "2024-03-01T10:00", id=2),
    ]
    smaller = trade("buy", 6, "100", "2024-01-01T10:00", id=1)
    with pytest.raises(OversellError, match="Cannot sell 8 RELIANCE on 2024-03-01: only 6"):
        validate_new_trade(book, smaller)  # id 1 exists, so this is an edit
    moved = trade("buy", 10, "100", "2024-04-01T10:00", id=1)
    with pytest.raises(OversellError, match="only 0 held"):
        validate_new_trade(book, moved, replaces=1)
    other_symbol = trade("buy", 10, "100", "2024-01-01T10:00", id=1, symbol="TCS")
    with pytest.raises(OversellError):
        validate_new_trade(book, other_symbol)
    bigger = validate_new_trade(book, trade("buy", 12, "100", "2024-01-01T10:00", id=1))
    assert bigger[RIL].quantity == 4


def test_validate_deletion_of_buy_detects_later_oversell() -> None:
    book = [
        trade("buy", 10, "100", "2024-01-01T10:00", id=1),
        trade("buy", 5, "100", "2024-01-02T10:00", id=2),
        trade("sell", 12, "110", "2024-03-01T10:00", id=3),
        trade("buy", 1, "50", "2024-01-01T10:00", id=4, symbol="ITC"),
    ]
    with pytest.raises(OversellError, match="only 10 held"):
        validate_deletion(book, 2)
    after = validate_deletion(book, 3)
    assert after[RIL].quantity == 15
    assert ("ITC", "india_nse") not in after  # untouched instruments are not replayed
    assert validate_deletion(book, 4) == {}
    with pytest.raises(KeyError):
        validate_deletion(book, 99)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", 0),
        ("quantity", -3),
        ("quantity", True),
        ("quantity", 2.5),
        ("price", D("0")),
        ("price", 10.5),
        ("price", D("NaN")),
        ("fees", D("-1")),
        ("side", "short"),
        ("market", "nasdaq"),
        ("symbol", "  "),
        ("traded_at", datetime(2024, 1, 1, 10)),
    ],
)
def test_trade_rejects_invalid_fields(field: str, value: object) -> None:
    fields: dict[str, object] = dict(
        symbol="TCS",
        market="india_nse",
        side="buy",
        quantity=1,
        price=D("3900"),
        traded_at=datetime(2024, 1, 1, 10, tzinfo=UTC),
    )
    fields[field] = value
    with pytest.raises(TradeError):
        TradeIn(**fields)  # type: ignore[arg-type]


def test_trade_normalises_symbol_and_time_zone() -> None:
    t = TradeIn(
        symbol=" infy ",
        market="india_bse",
        side="sell",
        quantity=2,
        price=D("1500"),
        traded_at=datetime(2024, 5, 2, 10, 15, tzinfo=IST),
        fees=D("1.5"),
        trade_id="  ",
    )
    assert t.symbol == "INFY" and t.key == ("INFY", "india_bse")
    assert t.traded_at == datetime(2024, 5, 2, 4, 45, tzinfo=UTC) and t.traded_at.tzinfo is UTC
    assert t.trade_id is None
    assert t.cash_flow == D("2998.5")


# ---------------------------------------------------------------- property tests


@dataclass
class RefLot:
    qty: int
    cost_per_share: Fraction  # price plus this lot's fees spread evenly over its shares


def reference_fifo(trades: list[TradeIn]) -> tuple[int, Fraction, Fraction]:
    """Held quantity, remaining cost and realized P&L, by the textbook per-share method."""
    lots: list[RefLot] = []
    realized = Fraction(0)
    for t in sorted(trades, key=lambda t: (t.traded_at, getattr(t, "id", 0))):
        if t.side == "buy":
            lots.append(RefLot(t.quantity, Fraction(t.price) + Fraction(t.fees) / t.quantity))
            continue
        realized += Fraction(t.price) * t.quantity - Fraction(t.fees)
        left = t.quantity
        while left:
            take = min(left, lots[0].qty)
            realized -= take * lots[0].cost_per_share
            lots[0].qty -= take
            left -= take
            if lots[0].qty == 0:
                lots.pop(0)
    held = sum(lot.qty for lot in lots)
    return held, sum((lot.qty * lot.cost_per_share for lot in lots), Fraction(0)), realized


SYMBOLS = ("RELIANCE", "TCS", "INFY")
START = datetime(2023, 1, 2, 4, 0, tzinfo=UTC)


@st.composite
def valid_books(draw: st.DrawFn) -> list[Trade]:
    """Random trade sequences that never sell more than is held."""
    n = draw(st.integers(1, 40))
    held = dict.fromkeys(SYMBOLS, 0)
    out: list[Trade] = []
    when = START
    for i in range(n):
        symbol = draw(st.sampled_from(SYMBOLS))
        when += timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
        can_sell = held[symbol] > 0
        side = draw(st.sampled_from(("buy", "sell"))) if can_sell else "buy"
        qty = draw(st.integers(1, 200)) if side == "buy" else draw(st.integers(1, held[symbol]))
        held[symbol] += qty if side == "buy" else -qty
        price = D(draw(st.integers(1, 500_000))) / 100
        fees = D(draw(st.integers(0, 5_000))) / 100
        out.append(
            Trade(
                id=i + 1,
                symbol=symbol,
                market="india_nse",
                side=side,
                quantity=qty,
                price=price,
                traded_at=when,
                fees=fees,
            )
        )
    return out


def close(a: Decimal, b: Fraction) -> bool:
    return abs(Fraction(a) - b) < Fraction(1, 10**4)  # fee shares are kept to 1e-6


@settings(max_examples=150, deadline=None)
@given(book=valid_books(), seed=st.randoms(use_true_random=False))
def test_fifo_matches_reference_implementation(book: list[Trade], seed: random.Random) -> None:
    shuffled = list(book)
    seed.shuffle(shuffled)  # input order must not matter
    positions = holdings_from_trades(shuffled)
    for key, pos in positions.items():
        mine = [t for t in book if t.key == key]
        held, cost, realized = reference_fifo(mine)
        bought = sum(t.quantity for t in mine if t.side == "buy")
        sold = sum(t.quantity for t in mine if t.side == "sell")
        assert pos.quantity == held == bought - sold
        assert sum(lot.quantity for lot in pos.lots) == pos.quantity
        assert close(pos.invested, cost)
        assert close(pos.realized_pnl, realized)
        if held:
            assert close(pos.avg_cost, cost / held)
        # every rupee spent on buys is either still invested or was matched against a sell
        spent = sum((t.gross + t.fees for t in mine if t.side == "buy"), D(0))
        received = sum((t.gross - t.fees for t in mine if t.side == "sell"), D(0))
        assert close(pos.invested + received - pos.realized_pnl, Fraction(spent))


@settings(max_examples=100, deadline=None)
@given(book=valid_books(), extra=st.integers(1, 50))
def test_selling_more_than_held_is_always_rejected(book: list[Trade], extra: int) -> None:
    pos = holdings_from_trades(book)[book[-1].key]
    oversell = Trade(
        id=len(book) + 1,
        symbol=pos.symbol,
        market=pos.market,
        side="sell",
        quantity=pos.quantity + extra,
        price=D("100"),
        traded_at=book[-1].traded_at + timedelta(days=1),
    )
    with pytest.raises(OversellError) as err:
        validate_new_trade(book, oversell)
    assert err.value.held == pos.quantity
    if pos.quantity:
        after = validate_new_trade(book, replace(oversell, quantity=pos.quantity))
        assert after[pos.key].quantity == 0
