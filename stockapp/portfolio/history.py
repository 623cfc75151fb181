"""The portfolio's value day by day, from its trades and each instrument's daily closes.

Each day's value is the shares held at the end of that (Indian) trading day times that day's
close; an instrument without a bar that day keeps its last close (a holiday on one exchange,
a suspended stock). Days on which a held instrument has no close yet are left out rather
than drawn as a false dip. Alongside, the net amount invested so far (money put in minus
money taken out, fees included) shows how much of the curve is contribution, not return.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stockapp.market.models import Key
from stockapp.portfolio.fifo import ZERO, sort_trades
from stockapp.portfolio.trades import TradeIn

DailyClose = tuple[date, Decimal]


@dataclass(frozen=True, slots=True)
class ValuePoint:
    day: date
    value: Decimal
    net_invested: Decimal


class _Running:
    """A step function of date: the running total of amounts up to and including a day."""

    def __init__(self) -> None:
        self.days: list[date] = []
        self.totals: list[Decimal] = []

    def add(self, day: date, amount: Decimal) -> None:
        total = (self.totals[-1] if self.totals else ZERO) + amount
        if self.days and self.days[-1] == day:
            self.totals[-1] = total
        else:
            self.days.append(day)
            self.totals.append(total)

    def at(self, day: date) -> Decimal:
        i = bisect_right(self.days, day)
        return self.totals[i - 1] if i else ZERO


def value_over_time(
    trades: Iterable[TradeIn], closes: Mapping[Key, Sequence[DailyClose]]
) -> list[ValuePoint]:
    """One point per day that has a close for any traded instrument, from the first trade on."""
    held: dict[Key, _Running] = {}
    invested = _Running()
    first: date | None = None
    for trade in sort_trades(trades):
        day = trade.trade_date
        first = first or day
        signed = trade.quantity if trade.side == "buy" else -trade.quantity
        held.setdefault(trade.key, _Running()).add(day, Decimal(signed))
        invested.add(day, -trade.cash_flow)
    if first is None:
        return []
    series = {key: sorted(closes.get(key, ())) for key in held}
    days = sorted({day for rows in series.values() for day, _ in rows if day >= first})
    cursor = dict.fromkeys(held, -1)
    points: list[ValuePoint] = []
    for day in days:
        value = ZERO
        complete = True
        for key, shares in held.items():
            rows = series[key]
            i = cursor[key]
            while i + 1 < len(rows) and rows[i + 1][0] <= day:
                i += 1
            cursor[key] = i
            quantity = shares.at(day)
            if not quantity:
                continue
            if i < 0:
                complete = False
                break
            value += quantity * rows[i][1]
        if complete:
            points.append(ValuePoint(day, value, invested.at(day)))
    return points
