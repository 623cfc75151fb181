"""Numbers the Indian way (₹1,23,456.70; lakh and crore), via Babel's en_IN locale.

Formatting happens once per quote per tick on the server (shared by every session), so
the browser only swaps strings.

Half-way values round half-up (away from zero: 0.125 -> 0.13, -0.125 -> -0.13), as money is
rounded on Indian contract notes and statements, not half-to-even (Babel's and Python's
default). A float is taken at its shortest decimal form (`repr`), so 1.005 counts as the
half-way value it was written as, not as the binary 1.00499999... it is stored as.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

IST = timezone(timedelta(hours=5, minutes=30), "IST")

LOCALE = "en_IN"
LAKH = 100_000
CRORE = 10_000_000


def half_up(value: float | Decimal, decimals: int = 2) -> Decimal:
    """`value` rounded to `decimals` places, half-way values away from zero."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fixed(value: float, decimals: int = 2) -> str:
    """`value` with Western thousands commas and half-up rounding, without Babel (fast)."""
    if not math.isfinite(value):
        return f"{value:,.{decimals}f}"
    rounded = half_up(value, decimals)
    return f"{abs(rounded) if rounded == 0 else rounded:,.{decimals}f}"


def number(value: float | Decimal, decimals: int = 2) -> str:
    pattern = "#,##,##0" + ("." + "0" * decimals if decimals else "")
    if not math.isfinite(value):
        return format_decimal(value, format=pattern, locale=LOCALE)
    rounded = half_up(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def inr(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}₹{number(abs(value), decimals)}"


def signed(value: float, decimals: int = 2) -> str:
    text = number(abs(value), decimals)
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def signed_inr(value: Decimal | None) -> str:
    """Signed rupees ("+₹1,234.50", "-₹80.00"): the sign first, so change_color() works.
    Rounds to paise half up, as contract notes do."""
    if value is None:
        return "—"
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = inr(abs(value))
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def pct(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    return signed(value, decimals) + "%"


def compact(value: float | None, decimals: int = 2) -> str:
    """12,34,567 -> '12.35 L'; 1,23,45,67,890 -> '123.46 Cr'; larger -> 'L Cr'."""
    if value is None:
        return "—"
    v = abs(value)
    sign = "-" if value < 0 else ""
    if v >= CRORE * LAKH:
        return f"{sign}{number(v / (CRORE * LAKH), decimals)} L Cr"
    if v >= CRORE:
        return f"{sign}{number(v / CRORE, decimals)} Cr"
    if v >= LAKH:
        return f"{sign}{number(v / LAKH, decimals)} L"
    return f"{sign}{number(v, 0)}"


def compact_inr(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    text = compact(value, decimals)
    return f"-₹{text[1:]}" if text.startswith("-") else f"₹{text}"


def price(value: float | None, is_index: bool = False) -> str:
    """A price on its tick grid: always two decimals; indices without the rupee sign."""
    if value is None:
        return "—"
    return number(value, 2) if is_index else inr(value, 2)


def ist_time(iso: str) -> str:
    """An ISO 8601 instant ("2026-12-02T09:15:03.120Z") as Indian time, as the app shows
    times everywhere: "2026-12-02 14:45:03 IST". A naive instant is taken as UTC."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST")
