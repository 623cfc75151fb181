"""Paper fills valued by the real portfolio code: realized P&L equals the contract notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from stockapp.market.paper import compute_charges
from stockapp.paper.portfolio import paper_positions
from stockapp.paper.store import FillData
from stockapp.portfolio import PriceInfo, value_portfolio

T = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


def fill(fid: int, side: str, qty: int, price: str, at: datetime, product: str = "cnc"):
    charges = compute_charges(
        segment="equity",
        intraday=product == "mis",
        side=side,
        market="india_nse",
        quantity=qty,
        price=D(price),
        on=at.date(),
    )
    return FillData(fid, fid, "ACME", "india_nse", side, product, qty, D(price), charges.total, at)


def test_delivery_round_trip_realizes_the_contract_note_net():
    # the notes of test_paper_charges: buy 10 @ 2,500 (29.69), sell 10 @ 2,600 (26.98)
    fills = [fill(1, "buy", 10, "2500", T), fill(2, "sell", 10, "2600", T + timedelta(days=5))]
    positions = paper_positions(fills)
    valued = value_portfolio(positions, {}, date(2026, 12, 1), T + timedelta(days=5))
    assert valued.totals.realized_pnl == D("943.33")
    assert valued.holdings == ()


def test_open_paper_holding_carries_its_buy_charges_in_cost():
    positions = paper_positions([fill(1, "buy", 10, "2500", T)])
    price = PriceInfo(D("2550"), D("2500"))
    valued = value_portfolio(positions, {("ACME", "india_nse"): price}, T.date(), T)
    h = valued.holdings[0]
    assert h.invested == D("25029.69")
    assert h.unrealized_pnl == D("25500") - D("25029.69")
    assert valued.totals.xirr is None or isinstance(valued.totals.xirr, float)


def test_intraday_round_trip_matches_its_notes():
    # buy 100 @ 1,500 (33.72), sell 100 @ 1,512.50 (67.25): net 1,149.03
    fills = [
        fill(1, "buy", 100, "1500", T, "mis"),
        fill(2, "sell", 100, "1512.50", T + timedelta(hours=3), "mis"),
    ]
    valued = value_portfolio(paper_positions(fills), {}, T.date(), T + timedelta(hours=3))
    assert valued.totals.realized_pnl == D("1149.03")
