"""Statutory charges and brokerage on a paper fill, from a dated table, in exact Decimal.

What a discount broker's contract note shows for one executed order (Zerodha's layout):

    brokerage      delivery 0; intraday and futures 0.03% of turnover capped at ₹20 per
                   executed order; options a flat ₹20 per executed order
    STT            delivery 0.1% on buy and sell; intraday 0.025% on the sell side;
                   futures and options on the sell side (options: on the premium)
    exchange txn   a percentage of turnover, by exchange and segment
    SEBI fees      ₹10 per crore of turnover (0.0001%)
    stamp duty     buy side only: delivery 0.015%, intraday 0.003%, futures 0.002%,
                   options 0.003%
    GST            18% of (brokerage + exchange transaction charges + SEBI fees)

Rounding (what a contract note prints): STT to the nearest rupee, every other line to the
paisa, half up; GST is taken on the rounded lines it applies to. DP charges (a flat fee per
scrip on delivery sells, billed by the depository) and the NSE clearing charge are not part
of the contract note and are left out.

Sources (each number below carries its own):
  [Z]   Zerodha, "Charges" (zerodha.com/charges; support.zerodha.com, "What is the brokerage
        at Zerodha for equity?"): brokerage, SEBI ₹10/crore, stamp rates, GST base, and the
        transaction percentages it bills (NSE figures include the NSE IPFT contribution).
  [NSE] NSE circular of 27 Sep 2024, effective 1 Oct 2024 (reported by PTI/NDTV Profit,
        "NSE revises cash, F&O market fees from October 1"): cash ₹2.97 per lakh each side,
        equity futures ₹1.73 per lakh, equity options ₹35.03 per lakh of premium; plus the
        NSE IPFT contribution of ₹10/crore (cash, futures) and ₹50/crore (options) from
        1 Apr 2023 (NSE press release of 24 Mar 2023). Hence 0.00307%, 0.00183%, 0.03553%.
  [BSE] BSE cash segment (groups A/B): ₹375 per crore = 0.00375% [Z].
  [STT] Finance (No. 2) Act 2024, from 1 Oct 2024: sale of futures 0.02%, sale of an option
        0.1% of premium (was 0.0125% / 0.0625%). Finance Act 2026, from 1 Apr 2026: futures
        0.05%, options 0.15% of premium. Cash-segment STT (0.1% delivery both sides, 0.025%
        intraday sell) unchanged since 2013 (Finance Act 2013).
  [Stamp] Indian Stamp Act amendment (Finance Act 2019), uniform rates from 1 Jul 2020.
  [SEBI] SEBI turnover fee ₹10/crore since 1 Jun 2021 (SEBI circular of 2021).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Segment = Literal["equity", "futures", "options"]
PAISA = Decimal("0.01")
RUPEE = Decimal("1")
ZERO = Decimal(0)
PCT = Decimal("0.01")


def _pct(text: str) -> Decimal:
    """A percentage as a fraction: _pct("0.1") == 0.001."""
    return Decimal(text) * PCT


@dataclass(frozen=True, slots=True)
class SegmentRates:
    brokerage_pct: Decimal  # of turnover, capped at brokerage_cap; 0 = none
    brokerage_cap: Decimal
    brokerage_flat: Decimal  # per executed order (options)
    stt_buy: Decimal
    stt_sell: Decimal
    txn: dict[str, Decimal]  # by market
    stamp_buy: Decimal


@dataclass(frozen=True, slots=True)
class RateCard:
    effective_from: date
    delivery: SegmentRates
    intraday: SegmentRates
    futures: SegmentRates
    options: SegmentRates
    sebi_per_turnover: Decimal = Decimal("0.000001")  # ₹10 per crore [Z][SEBI]
    gst: Decimal = Decimal("0.18")  # [Z]

    def rates(self, segment: Segment, intraday: bool) -> SegmentRates:
        if segment == "futures":
            return self.futures
        if segment == "options":
            return self.options
        return self.intraday if intraday else self.delivery


_CASH_TXN = {"india_nse": _pct("0.00307"), "india_bse": _pct("0.00375")}  # [NSE] [BSE]
_DELIVERY = SegmentRates(
    brokerage_pct=ZERO,  # zero brokerage on delivery [Z]
    brokerage_cap=ZERO,
    brokerage_flat=ZERO,
    stt_buy=_pct("0.1"),  # [STT]
    stt_sell=_pct("0.1"),
    txn=_CASH_TXN,
    stamp_buy=_pct("0.015"),  # [Stamp]
)
_INTRADAY = SegmentRates(
    brokerage_pct=_pct("0.03"),  # 0.03% or ₹20, whichever is lower [Z]
    brokerage_cap=Decimal(20),
    brokerage_flat=ZERO,
    stt_buy=ZERO,
    stt_sell=_pct("0.025"),  # [STT]
    txn=_CASH_TXN,
    stamp_buy=_pct("0.003"),  # [Stamp]
)


def _futures(stt: str) -> SegmentRates:
    return SegmentRates(
        brokerage_pct=_pct("0.03"),
        brokerage_cap=Decimal(20),
        brokerage_flat=ZERO,
        stt_buy=ZERO,
        stt_sell=_pct(stt),
        txn={"india_nse": _pct("0.00183"), "india_bse": ZERO},  # [NSE]; BSE futures free [Z]
        stamp_buy=_pct("0.002"),  # [Stamp]
    )


def _options(stt: str) -> SegmentRates:
    return SegmentRates(
        brokerage_pct=ZERO,
        brokerage_cap=ZERO,
        brokerage_flat=Decimal(20),  # flat ₹20 per executed order [Z]
        stt_buy=ZERO,
        stt_sell=_pct(stt),  # on the premium
        txn={"india_nse": _pct("0.03553"), "india_bse": _pct("0.0325")},  # [NSE] [Z]
        stamp_buy=_pct("0.003"),  # [Stamp]
    )


# Newest last; a trade uses the last card in force on its date (the first for older dates).
RATE_CARDS: tuple[RateCard, ...] = (
    RateCard(date(2024, 10, 1), _DELIVERY, _INTRADAY, _futures("0.02"), _options("0.1")),
    RateCard(date(2026, 4, 1), _DELIVERY, _INTRADAY, _futures("0.05"), _options("0.15")),
)


def rate_card(on: date) -> RateCard:
    card = RATE_CARDS[0]
    for candidate in RATE_CARDS:
        if candidate.effective_from <= on:
            card = candidate
    return card


@dataclass(frozen=True, slots=True)
class Charges:
    brokerage: Decimal
    stt: Decimal
    exchange: Decimal
    sebi: Decimal
    stamp: Decimal
    gst: Decimal

    @property
    def total(self) -> Decimal:
        return self.brokerage + self.stt + self.exchange + self.sebi + self.stamp + self.gst

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "brokerage": self.brokerage,
            "stt": self.stt,
            "exchange": self.exchange,
            "sebi": self.sebi,
            "stamp": self.stamp,
            "gst": self.gst,
            "total": self.total,
        }


def _paise(x: Decimal) -> Decimal:
    return x.quantize(PAISA, rounding=ROUND_HALF_UP)


def compute_charges(
    *,
    segment: Segment,
    intraday: bool,
    side: str,
    market: str,
    quantity: int,
    price: Decimal,
    on: date,
) -> Charges:
    """The contract-note charges of one executed order of `quantity` at `price` on `on`."""
    rates = rate_card(on).rates(segment, intraday)
    card = rate_card(on)
    turnover = price * quantity
    buy = side == "buy"
    brokerage = rates.brokerage_flat
    if rates.brokerage_pct:
        brokerage = min(turnover * rates.brokerage_pct, rates.brokerage_cap)
    brokerage = _paise(brokerage)
    stt_rate = rates.stt_buy if buy else rates.stt_sell
    stt = (turnover * stt_rate).quantize(RUPEE, rounding=ROUND_HALF_UP)
    exchange = _paise(turnover * rates.txn.get(market, ZERO))
    sebi = _paise(turnover * card.sebi_per_turnover)
    stamp = _paise(turnover * rates.stamp_buy) if buy else ZERO
    gst = _paise((brokerage + exchange + sebi) * card.gst)
    return Charges(brokerage, stt, exchange, sebi, stamp, gst)
