"""Contract specifications of NSE options: underlyings, expiry calendar and strike intervals.

Expiries come from one table, `EXPIRY_SCHEDULES`, whose rows carry the date from which they
apply. Under NSE's scheme from September 2025 every F&O expiry falls on a Tuesday: NIFTY lists
4 weekly contracts (each Tuesday, except the monthly's week), 3 monthly ones (the last Tuesday
of the month), 3 quarterly ones (March, June, September, December) and the next 8 half-yearly
ones (June, December); BANKNIFTY lists monthlies and 3 quarterlies; FINNIFTY, MIDCPNIFTY and
stocks list monthlies only. An expiry that lands on an exchange holiday moves to the previous
trading day, and a contract stops trading, and drops off the listing, at 15:30 IST on its
expiry day. Holidays come from `stockapp.market.calendar`; where that calendar is only an
estimate, so is the expiry (`Contract.calendar_verified`).
"""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from stockapp.market.calendar import (
    CLOSE,
    IST,
    is_trading_day,
    is_verified_day,
    previous_trading_day,
)

NIFTY = "NIFTY 50"
BANKNIFTY = "NIFTY BANK"
FINNIFTY = "NIFTY FIN SERVICE"
# Not in the bundled universe (no "NIFTY MID SELECT" index there), so the API answers 404 for
# it; its rows below are ready for a universe that carries it.
MIDCPNIFTY = "NIFTY MID SELECT"

# Trading names and their universe symbols; keys are compared after collapsing spaces.
_ALIASES: dict[str, str] = {
    "NIFTY": NIFTY,
    "NIFTY50": NIFTY,
    "BANKNIFTY": BANKNIFTY,
    "NIFTYBANK": BANKNIFTY,
    "FINNIFTY": FINNIFTY,
    "NIFTYFINSERVICE": FINNIFTY,
    "NIFTYFIN": FINNIFTY,
    "MIDCPNIFTY": MIDCPNIFTY,
    "NIFTYMIDSELECT": MIDCPNIFTY,
}

# Index strike intervals as NSE sets them for the near contracts.
INDEX_STRIKE_STEPS: dict[str, float] = {NIFTY: 50.0, BANKNIFTY: 100.0, FINNIFTY: 50.0}

# Stock strike intervals by underlying price: (price below, step). Close to NSE's published
# intervals, which grow roughly with price so that ~15 strikes span about ±10-20 %.
STOCK_STRIKE_STEPS: tuple[tuple[float, float], ...] = (
    (100.0, 1.0),
    (250.0, 2.5),
    (500.0, 5.0),
    (1000.0, 10.0),
    (2500.0, 20.0),
    (5000.0, 50.0),
    (10000.0, 100.0),
)
TOP_STOCK_STRIKE_STEP = 250.0

MONDAY, TUESDAY, THURSDAY = 0, 1, 3
EXPIRY_WEEKDAY = TUESDAY  # the weekday of every expiry under the current scheme
QUARTER_MONTHS = (3, 6, 9, 12)
HALF_YEAR_MONTHS = (6, 12)

ExpiryKind = Literal["weekly", "monthly", "quarterly", "half-yearly"]
STOCKS = "*"  # the schedule row for every stock underlying


@dataclass(frozen=True, slots=True)
class ExpirySchedule:
    """One row of the expiry table: how many contracts of each kind an underlying lists, on
    which weekday, for contracts expiring on or after `effective_from`."""

    underlying: str  # a universe symbol, or STOCKS
    effective_from: date
    weekday: int
    weekly: int
    monthly: int
    quarterly: int
    half_yearly: int
    source: str


_SPEC = "NSE equity derivatives contract specifications"
_TUESDAY = "NSE/FAOP/68747 (expiry day moved to Tuesday from 1 September 2025)"
_THURSDAY = "NSE contract specifications before September 2025 (Thursday expiries)"

# The expiry table. To follow a new NSE circular, add rows with the new `effective_from`;
# older rows keep describing contracts that expired before it.
EXPIRY_SCHEDULES: tuple[ExpirySchedule, ...] = (
    ExpirySchedule(NIFTY, date(2000, 1, 1), THURSDAY, 4, 3, 3, 8, _THURSDAY),
    ExpirySchedule(BANKNIFTY, date(2000, 1, 1), THURSDAY, 0, 3, 3, 0, _THURSDAY),
    ExpirySchedule(FINNIFTY, date(2000, 1, 1), THURSDAY, 0, 3, 0, 0, _THURSDAY),
    ExpirySchedule(MIDCPNIFTY, date(2000, 1, 1), THURSDAY, 0, 3, 0, 0, _THURSDAY),
    ExpirySchedule(STOCKS, date(2000, 1, 1), THURSDAY, 0, 3, 0, 0, _THURSDAY),
    # NIFTY: 4 weeklies (excluding the monthly's week), 3 monthlies, 3 quarterlies (Mar/Jun/
    # Sep/Dec) and the next 8 half-yearlies (Jun/Dec) after them. BANKNIFTY lists monthlies
    # and 3 quarterlies; FINNIFTY, MIDCPNIFTY and stocks list monthlies only.
    ExpirySchedule(NIFTY, date(2025, 9, 1), TUESDAY, 4, 3, 3, 8, f"{_TUESDAY}; {_SPEC}"),
    ExpirySchedule(BANKNIFTY, date(2025, 9, 1), TUESDAY, 0, 3, 3, 0, f"{_TUESDAY}; {_SPEC}"),
    ExpirySchedule(FINNIFTY, date(2025, 9, 1), TUESDAY, 0, 3, 0, 0, f"{_TUESDAY}; {_SPEC}"),
    ExpirySchedule(MIDCPNIFTY, date(2025, 9, 1), TUESDAY, 0, 3, 0, 0, f"{_TUESDAY}; {_SPEC}"),
    ExpirySchedule(STOCKS, date(2025, 9, 1), TUESDAY, 0, 3, 0, 0, f"{_TUESDAY}; {_SPEC}"),
)

UnderlyingKind = Literal["index", "equity"]


def resolve_underlying(symbol: str) -> str:
    """The universe symbol for a trading name ("BANKNIFTY" -> "NIFTY BANK"); others upper-cased."""
    cleaned = " ".join(symbol.strip().upper().split())
    return _ALIASES.get(cleaned.replace(" ", ""), cleaned)


def schedule_for(symbol: str, on: date, kind: UnderlyingKind | None = None) -> ExpirySchedule:
    """The expiry table's row for `symbol` for contracts expiring around `on`."""
    resolved = resolve_underlying(symbol)
    key = STOCKS if kind == "equity" else resolved
    rows = [r for r in EXPIRY_SCHEDULES if r.underlying == key and r.effective_from <= on]
    if not rows:
        rows = [r for r in EXPIRY_SCHEDULES if r.underlying == STOCKS and r.effective_from <= on]
    return max(rows, key=lambda r: r.effective_from)


def has_weekly_expiries(symbol: str, on: date | None = None) -> bool:
    return schedule_for(symbol, on or date.today()).weekly > 0


def strike_step(symbol: str, price: float) -> float:
    """Distance between adjacent listed strikes for `symbol` trading near `price`."""
    resolved = resolve_underlying(symbol)
    if resolved in INDEX_STRIKE_STEPS:
        return INDEX_STRIKE_STEPS[resolved]
    for below, step in STOCK_STRIKE_STEPS:
        if price < below:
            return step
    return TOP_STOCK_STRIKE_STEP


def shift_for_holiday(day: date) -> date:
    """The expiry day actually used: `day`, or the trading day before it if the market is shut."""
    return day if is_trading_day(day) else previous_trading_day(day)


def last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year, month, month_calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _month_weekday(symbol: str, year: int, month: int, kind: UnderlyingKind | None) -> int:
    """The expiry weekday the table sets for contracts of that month."""
    return schedule_for(symbol, last_weekday(year, month, TUESDAY), kind).weekday


def last_tuesday(year: int, month: int) -> date:
    return last_weekday(year, month, TUESDAY)


def month_end_expiry(
    symbol: str, year: int, month: int, kind: UnderlyingKind | None = None
) -> date:
    """The monthly (also quarterly, half-yearly) expiry of `symbol` for a month."""
    return shift_for_holiday(last_weekday(year, month, _month_weekday(symbol, year, month, kind)))


def monthly_expiry(year: int, month: int) -> date:
    """The month's expiry under the current scheme (last Tuesday, moved back on a holiday)."""
    return shift_for_holiday(last_tuesday(year, month))


def as_ist(now: date | datetime) -> datetime:
    """`now` in IST; a bare date means the start of that day, a naive datetime IST wall time."""
    if isinstance(now, datetime):
        return now.replace(tzinfo=IST) if now.tzinfo is None else now.astimezone(IST)
    return datetime.combine(now, time(0, 0), tzinfo=IST)


def is_live(expiry: date, now: date | datetime) -> bool:
    """True until the contract's close: 15:30 IST on the expiry day."""
    local = as_ist(now)
    return (local.date(), local.time()) < (expiry, CLOSE)


@dataclass(frozen=True, slots=True)
class Contract:
    """One listed expiry with its kind, and whether the holiday calendar behind its date is
    the exchange's published one (False: the date is an estimate)."""

    expiry: date
    kind: ExpiryKind
    calendar_verified: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "expiry": self.expiry.isoformat(),
            "kind": self.kind,
            "calendar_verified": self.calendar_verified,
        }


def _month_ends(
    symbol: str,
    kind: UnderlyingKind | None,
    local: datetime,
    count: int,
    months: tuple[int, ...] = (),
    after: date | None = None,
) -> list[date]:
    """The next `count` live month-end expiries after `after`, only in `months` if given."""
    year, month = local.year, local.month
    out: list[date] = []
    while len(out) < count:
        if not months or month in months:
            expiry = month_end_expiry(symbol, year, month, kind)
            if is_live(expiry, local) and (after is None or expiry > after):
                out.append(expiry)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _weeklies(symbol: str, local: datetime, count: int) -> list[date]:
    """The next `count` weekly-only expiries (weeks holding a monthly expiry are skipped)."""
    out: list[date] = []
    day = local.date()
    for _ in range(count * 3 + 10):
        if len(out) == count:
            break
        weekday = schedule_for(symbol, day).weekday
        nominal = day + timedelta(days=(weekday - day.weekday()) % 7)
        # a week that straddles a change of expiry weekday follows the newer row
        weekday = schedule_for(symbol, nominal).weekday
        nominal = day + timedelta(days=(weekday - day.weekday()) % 7)
        if nominal != last_weekday(nominal.year, nominal.month, weekday):
            expiry = shift_for_holiday(nominal)
            if is_live(expiry, local) and expiry not in out:
                out.append(expiry)
        day = nominal + timedelta(days=1)
    return out


def _verified(symbol: str, expiry: date, kind: UnderlyingKind | None) -> bool:
    """An expiry's date is certain when the calendar is verified from it to its nominal day
    (the scheduled weekday it may have been moved back from)."""
    weekday = schedule_for(symbol, expiry, kind).weekday
    nominal = expiry + timedelta(days=(weekday - expiry.weekday()) % 7)
    span = (nominal - expiry).days
    return all(is_verified_day(expiry + timedelta(days=i)) for i in range(span + 1))


def contracts(
    symbol: str, now: date | datetime, kind: UnderlyingKind | None = None
) -> list[Contract]:
    """Listed, unexpired option contracts of `symbol` at `now`, nearest first, with kinds.

    `kind` is the underlying's `Instrument.kind`; an "equity" is always monthly-only, even if
    its name looks like an index alias. Without it the kind follows from the symbol.
    """
    if kind not in (None, "index", "equity"):
        raise ValueError(f"unknown underlying kind: {kind!r}")
    local = as_ist(now)
    row = schedule_for(symbol, local.date(), kind)
    found: dict[date, ExpiryKind] = {}
    monthly = _month_ends(symbol, kind, local, row.monthly)
    last = monthly[-1] if monthly else None
    quarterly = _month_ends(symbol, kind, local, row.quarterly, QUARTER_MONTHS, last)
    last = quarterly[-1] if quarterly else last
    half = _month_ends(symbol, kind, local, row.half_yearly, HALF_YEAR_MONTHS, last)
    for day in _weeklies(symbol, local, row.weekly) if kind != "equity" else []:
        found[day] = "weekly"
    for days, label in ((monthly, "monthly"), (quarterly, "quarterly"), (half, "half-yearly")):
        for day in days:
            found[day] = label  # type: ignore[assignment]
    return [Contract(d, found[d], _verified(symbol, d, kind)) for d in sorted(found)]


def expiries(symbol: str, now: date | datetime, kind: UnderlyingKind | None = None) -> list[date]:
    """Listed, unexpired option expiries of `symbol` at `now`, nearest first."""
    return [c.expiry for c in contracts(symbol, now, kind)]
