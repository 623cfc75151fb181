"""Contract specifications of NSE options: underlyings, expiry calendar and strike intervals.

Expiry rules follow NSE's schedule from September 2025: every F&O expiry falls on a Tuesday.
NIFTY lists weekly contracts (each Tuesday) besides its monthly ones (the last Tuesday of
the month) and quarterly ones (the last Tuesday of March, June, September and December);
BANKNIFTY, FINNIFTY and every stock list monthly contracts only. An expiry that lands on an
exchange holiday moves to the previous trading day, and a contract stops trading, and drops
off the listing, at 15:30 IST on its expiry day.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, time, timedelta
from typing import Literal

from stockapp.market.calendar import CLOSE, IST, is_trading_day, previous_trading_day

NIFTY = "NIFTY 50"
BANKNIFTY = "NIFTY BANK"
FINNIFTY = "NIFTY FIN SERVICE"

# Trading names and their universe symbols; keys are compared after collapsing spaces.
_ALIASES: dict[str, str] = {
    "NIFTY": NIFTY,
    "NIFTY50": NIFTY,
    "BANKNIFTY": BANKNIFTY,
    "NIFTYBANK": BANKNIFTY,
    "FINNIFTY": FINNIFTY,
    "NIFTYFINSERVICE": FINNIFTY,
    "NIFTYFIN": FINNIFTY,
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

WEEKLY_CONTRACTS = 4  # NIFTY weeklies listed besides the monthly ones
MONTHLY_CONTRACTS = 3  # current month and the next two
QUARTERLY_CONTRACTS = 2  # NIFTY quarterlies listed beyond the monthly ones
EXPIRY_WEEKDAY = 1  # Tuesday

UnderlyingKind = Literal["index", "equity"]


def resolve_underlying(symbol: str) -> str:
    """The universe symbol for a trading name ("BANKNIFTY" -> "NIFTY BANK"); others upper-cased."""
    cleaned = " ".join(symbol.strip().upper().split())
    return _ALIASES.get(cleaned.replace(" ", ""), cleaned)


def has_weekly_expiries(symbol: str) -> bool:
    return resolve_underlying(symbol) == NIFTY


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


def last_tuesday(year: int, month: int) -> date:
    last = date(year, month, month_calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - EXPIRY_WEEKDAY) % 7)


def monthly_expiry(year: int, month: int) -> date:
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


def _monthlies(now: date | datetime, count: int, months: tuple[int, ...] = ()) -> list[date]:
    """The next `count` live month-end expiries, optionally only in the given `months`."""
    local = as_ist(now)
    year, month = local.year, local.month
    out: list[date] = []
    while len(out) < count:
        if not months or month in months:
            expiry = monthly_expiry(year, month)
            if is_live(expiry, local):
                out.append(expiry)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _weeklies(now: date | datetime, count: int) -> list[date]:
    """The next `count` weekly-only expiries (weeks holding a monthly expiry are skipped)."""
    local = as_ist(now)
    tuesday = local.date() + timedelta(days=(EXPIRY_WEEKDAY - local.date().weekday()) % 7)
    out: list[date] = []
    while len(out) < count:
        if tuesday != last_tuesday(tuesday.year, tuesday.month):
            expiry = shift_for_holiday(tuesday)
            if is_live(expiry, local):
                out.append(expiry)
        tuesday += timedelta(days=7)
    return out


def expiries(symbol: str, now: date | datetime, kind: UnderlyingKind | None = None) -> list[date]:
    """Listed, unexpired option expiries of `symbol` at `now`, nearest first.

    `kind` is the underlying's `Instrument.kind`; an "equity" is always monthly-only, even if
    its name looks like an index alias. Without it the kind follows from the symbol.
    """
    if kind not in (None, "index", "equity"):
        raise ValueError(f"unknown underlying kind: {kind!r}")
    if kind == "equity" or not has_weekly_expiries(symbol):
        return _monthlies(now, MONTHLY_CONTRACTS)
    monthly = _monthlies(now, MONTHLY_CONTRACTS)
    quarter_ends = _monthlies(now, MONTHLY_CONTRACTS + QUARTERLY_CONTRACTS, (3, 6, 9, 12))
    quarterly = [d for d in quarter_ends if d > monthly[-1]][:QUARTERLY_CONTRACTS]
    return sorted({*_weeklies(now, WEEKLY_CONTRACTS), *monthly, *quarterly})
