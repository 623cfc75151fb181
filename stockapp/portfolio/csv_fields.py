"""Parsers for single CSV cells; each raises FieldError with a message fit for the user."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from stockapp.portfolio.csv_safe import FORMULA_START
from stockapp.portfolio.trades import EARLIEST_TRADE_DATE, IST, TradeError, check_trade_date

# A trade given only a date is placed at the market open, so it sorts inside the session.
DATE_ONLY_TIME = time(9, 15)
MAX_QUANTITY = 10**9
MAX_PRICE = Decimal(10**9)
MAX_NOTE = 500
SYMBOL_RE = re.compile(r"[A-Z0-9][A-Z0-9&._-]{0,39}")
MAX_TRADE_ID = 64  # the trade_id column's width
TRADE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]*")
MARKET_NAMES = {
    "nse": "india_nse",
    "india_nse": "india_nse",
    "bse": "india_bse",
    "india_bse": "india_bse",
}


class FieldError(ValueError):
    pass


def _number(text: str, what: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace("₹", "").strip()
    if not cleaned:
        raise FieldError(f"{what} is empty")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldError(f"{what} {text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise FieldError(f"{what} {text.strip()!r} is not a number")
    return value


def parse_quantity(text: str) -> int:
    value = _number(text, "quantity")
    if value <= 0:
        raise FieldError(f"quantity must be greater than zero, got {text.strip()}")
    if value != value.to_integral_value():
        raise FieldError(f"quantity must be a whole number of shares, got {text.strip()}")
    if value > MAX_QUANTITY:
        raise FieldError(f"quantity {text.strip()} is implausibly large")
    return int(value)


def parse_price(text: str) -> Decimal:
    value = _number(text, "price")
    if value <= 0:
        raise FieldError(f"price must be greater than zero, got {text.strip()}")
    if value > MAX_PRICE:
        raise FieldError(f"price {text.strip()} is implausibly large")
    return value


def parse_fees(text: str) -> Decimal:
    if not text.strip():
        return Decimal(0)
    value = _number(text, "fees")
    if value < 0:
        raise FieldError(f"fees cannot be negative, got {text.strip()}")
    if value > MAX_PRICE:
        raise FieldError(f"fees {text.strip()} are implausibly large")
    return value


def parse_side(text: str) -> str:
    side = text.strip().lower()
    if side in {"buy", "b"}:
        return "buy"
    if side in {"sell", "s"}:
        return "sell"
    if not side:
        raise FieldError("side is empty; use buy or sell")
    raise FieldError(f"unknown side {text.strip()!r}; use buy or sell")


def parse_market(text: str, default: str) -> str:
    name = text.strip().lower()
    if not name:
        return default
    market = MARKET_NAMES.get(name)
    if market is None:
        raise FieldError(f"unknown exchange {text.strip()!r}; use NSE or BSE")
    return market


def parse_symbol(text: str) -> str:
    symbol = text.strip().upper()
    if not symbol:
        raise FieldError("symbol is empty")
    if not SYMBOL_RE.fullmatch(symbol):
        raise FieldError(f"{text.strip()!r} is not a valid trading symbol")
    return symbol


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    raw = text.strip()
    if not raw:
        raise FieldError("date is empty")
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"date {raw!r} is not a YYYY-MM-DD date") from None
    _not_too_old(day)
    return day


EARLIEST_INSTANT = datetime.combine(EARLIEST_TRADE_DATE, time(0), tzinfo=IST).astimezone(UTC)


def _not_too_old(day: date) -> None:
    try:
        check_trade_date(day)
    except TradeError as exc:
        raise FieldError(str(exc)) from None


def at_market_open(day: date) -> datetime:
    return datetime.combine(day, DATE_ONLY_TIME, tzinfo=IST).astimezone(UTC)


def parse_when(text: str) -> datetime:
    """YYYY-MM-DD, or an ISO 8601 date-time; a time without an offset is India time."""
    raw = text.strip()
    if len(raw) == 10:
        return at_market_open(parse_date(raw))
    if not raw:
        raise FieldError("date is empty")
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError(
            f"date {raw!r} is not a YYYY-MM-DD date or an ISO date-time (2024-05-02T10:15:23)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=IST)
    when = when.astimezone(UTC)
    if when < EARLIEST_INSTANT:  # one comparison per row: imports run to 10,000s of rows
        _not_too_old(when.astimezone(IST).date())
    return when


def parse_note(text: str) -> str:
    note = text.strip()
    # undo the apostrophe export adds to stop spreadsheets evaluating a note as a formula
    if note.startswith("'") and note[1:2] and note[1:2] in FORMULA_START:
        note = note[1:]
    if len(note) > MAX_NOTE:
        raise FieldError(f"note is longer than {MAX_NOTE} characters")
    return note


def parse_trade_id(text: str) -> str:
    """A broker trade id: up to 64 letters, digits and . _ : / # - (first a letter or digit);
    '' when the cell is empty."""
    trade_id = text.strip()
    if not trade_id:
        return ""
    if len(trade_id) > MAX_TRADE_ID:
        raise FieldError(f"trade_id is longer than {MAX_TRADE_ID} characters")
    if not TRADE_ID_RE.fullmatch(trade_id):
        raise FieldError(
            "trade_id may contain only letters, digits and . _ : / # - "
            "and must start with a letter or digit"
        )
    return trade_id
