"""Contract-note charges, checked against notes computed by hand (rates: charges.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from stockapp.market.paper import compute_charges

DAY = date(2026, 11, 26)


def charges(**kw):
    base = dict(segment="equity", intraday=False, market="india_nse", on=DAY)
    base.update(kw)
    return compute_charges(**base)


def test_delivery_round_trip_matches_a_hand_computed_contract_note():
    # Buy 10 @ 2,500.00 on NSE, delivery. Turnover 25,000.00
    #   brokerage  0                                   0.00
    #   STT        0.1% x 25,000 = 25.00, to the rupee 25
    #   NSE txn    0.00307% x 25,000 = 0.7675        0.77
    #   SEBI       25,000 / 1e7 x 10 = 0.025         0.03
    #   stamp      0.015% x 25,000 = 3.75            3.75
    #   GST        18% x (0 + 0.77 + 0.03) = 0.144   0.14
    #   total                                         29.69
    buy = charges(side="buy", quantity=10, price=D("2500.00"))
    assert buy.as_dict() == {
        "brokerage": D("0.00"),
        "stt": D("25"),
        "exchange": D("0.77"),
        "sebi": D("0.03"),
        "stamp": D("3.75"),
        "gst": D("0.14"),
        "total": D("29.69"),
    }
    # Sell 10 @ 2,600.00. Turnover 26,000.00
    #   STT 26; txn 0.7982 -> 0.80; SEBI 0.026 -> 0.03; no stamp on a sell;
    #   GST 18% x 0.83 = 0.1494 -> 0.15; total 26.98
    sell = charges(side="sell", quantity=10, price=D("2600.00"))
    assert (sell.stt, sell.exchange, sell.sebi, sell.stamp, sell.gst) == (
        D("26"),
        D("0.80"),
        D("0.03"),
        D("0"),
        D("0.15"),
    )
    assert sell.total == D("26.98")
    # net P&L on the note: 1,000.00 gross - 29.69 - 26.98
    assert D(1000) - buy.total - sell.total == D("943.33")


def test_intraday_round_trip_matches_a_hand_computed_contract_note():
    # Buy 100 @ 1,500.00, MIS. Turnover 1,50,000.00
    #   brokerage  min(0.03% x 1,50,000 = 45, 20)   20.00
    #   STT        none on an intraday buy           0
    #   NSE txn    0.00307% x 1,50,000 = 4.605      4.61
    #   SEBI       0.15                             0.15
    #   stamp      0.003% x 1,50,000 = 4.50         4.50
    #   GST        18% x 24.76 = 4.4568             4.46
    #   total                                       33.72
    buy = charges(side="buy", intraday=True, quantity=100, price=D("1500.00"))
    assert (buy.brokerage, buy.stt, buy.exchange, buy.sebi, buy.stamp, buy.gst) == (
        D("20.00"),
        D("0"),
        D("4.61"),
        D("0.15"),
        D("4.50"),
        D("4.46"),
    )
    assert buy.total == D("33.72")
    # Sell 100 @ 1,512.50. Turnover 1,51,250.00
    #   brokerage 20.00; STT 0.025% = 37.8125 -> 38; txn 4.643375 -> 4.64;
    #   SEBI 0.15125 -> 0.15; GST 18% x 24.79 = 4.4622 -> 4.46; total 67.25
    sell = charges(side="sell", intraday=True, quantity=100, price=D("1512.50"))
    assert sell.total == D("67.25")
    assert D(1250) - buy.total - sell.total == D("1149.03")


def test_small_intraday_order_pays_the_percentage_not_the_cap():
    # 10 @ 100.00: 0.03% of 1,000 = 0.30 < 20
    assert charges(side="buy", intraday=True, quantity=10, price=D(100)).brokerage == D("0.30")


def test_bse_cash_rate_and_dated_option_stt():
    assert charges(side="buy", market="india_bse", quantity=100, price=D(1000)).exchange == D(
        "3.75"
    )
    # Sell 75 options at a premium of 120: STT 0.15% from 1 Apr 2026 (13.50 -> 14),
    # 0.1% before (9); brokerage a flat 20; NSE options txn 0.03553% = 3.1977 -> 3.20
    new = compute_charges(
        segment="options",
        intraday=False,
        side="sell",
        market="india_nse",
        quantity=75,
        price=D(120),
        on=date(2026, 11, 26),
    )
    old = compute_charges(
        segment="options",
        intraday=False,
        side="sell",
        market="india_nse",
        quantity=75,
        price=D(120),
        on=date(2025, 6, 2),
    )
    assert (new.stt, old.stt, new.brokerage, new.exchange) == (D(14), D(9), D(20), D("3.20"))
