"""Screener filters as people type them (query parameters, form fields) <-> ScreenCriteria.

The REST API and the Screener page share these names, units (market cap in crore, the
rest as shown) and messages, so a filter rejected in one is rejected the same way in the
other. Every problem is collected, keyed by the field to show it next to.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from stockapp.market.screening.criteria import (
    BOUNDS,
    CRORE,
    LEGACY_ROW_FIELDS,
    ROW_FIELDS,
    ScreenCriteria,
)


@dataclass(frozen=True, slots=True)
class Param:
    criterion: str  # ScreenCriteria field
    label: str
    scale: float = 1.0  # criterion value = param value x scale

    @property
    def low(self) -> float:
        """Smallest allowed value, in the parameter's unit."""
        return BOUNDS[self.criterion].low / self.scale

    @property
    def high(self) -> float:
        return BOUNDS[self.criterion].high / self.scale


PARAMS: dict[str, Param] = {
    "price_min": Param("price_min", "Price min"),
    "price_max": Param("price_max", "Price max"),
    "change_min": Param("change_percent_min", "Day change % min"),
    "change_max": Param("change_percent_max", "Day change % max"),
    "volume_ratio_min": Param("volume_ratio_min", "Volume / 20-day average"),
    "rsi_min": Param("rsi_min", "RSI min"),
    "rsi_max": Param("rsi_max", "RSI max"),
    "near_high_pct": Param("pct_from_high_max", "Within % of 52-week high"),
    "near_low_pct": Param("pct_from_low_max", "Within % of 52-week low"),
    "mcap_min_cr": Param("market_cap_min", "Market cap min (₹ Cr)", scale=CRORE),
    "mcap_max_cr": Param("market_cap_max", "Market cap max (₹ Cr)", scale=CRORE),
    "pe_min": Param("pe_min", "P/E min"),
    "pe_max": Param("pe_max", "P/E max"),
}
RANGES: tuple[tuple[str, str, str], ...] = (
    ("price_min", "price_max", "Price"),
    ("change_min", "change_max", "Day change %"),
    ("rsi_min", "rsi_max", "RSI"),
    ("mcap_min_cr", "mcap_max_cr", "Market cap"),
    ("pe_min", "pe_max", "P/E"),
)
SORT_ALIASES = {
    "change": "change_percent",
    "rsi": "rsi14",
    "mcap": "market_cap",
    "near_high": "pct_from_52w_high",
    "near_low": "pct_from_52w_low",
    **LEGACY_ROW_FIELDS,
}
MAX_LIMIT = 500


class ScreenParamError(ValueError):
    """Invalid filters; `errors` maps a parameter (or "sector", "sort") to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def _number(name: str, raw: object, errors: dict[str, str]) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    param = PARAMS[name]
    try:
        value = float(str(raw).replace(",", "").strip())
    except ValueError:
        errors[name] = f"{param.label} must be a number, got {str(raw)!r}"
        return None
    if not math.isfinite(value):
        errors[name] = f"{param.label} must be a finite number"
        return None
    if value < param.low:
        errors[name] = f"{param.label} must be at least {param.low:g} ({name})"
    elif value > param.high:
        errors[name] = f"{param.label} must be at most {param.high:g} ({name})"
    return value


def resolve_sectors(wanted: Iterable[str], known: Collection[str], errors: dict[str, str]):
    """Known sector names, matched without regard to case; unknown ones are errors."""
    by_fold = {s.casefold(): s for s in known}
    out: list[str] = []
    for raw in wanted:
        for part in str(raw).split(","):
            name = part.strip()
            if not name:
                continue
            match = by_fold.get(name.casefold())
            if match is None:
                errors["sector"] = f"Unknown sector {name!r}"
            elif match not in out:
                out.append(match)
    return out


def criteria_from_params(
    values: Mapping[str, object],
    *,
    sectors: Iterable[str] = (),
    known_sectors: Collection[str] = (),
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> ScreenCriteria:
    """Criteria from parameter values (strings or numbers; blank = not set).

    Raises ScreenParamError naming every bad field: not a number, out of bounds, a minimum
    above its maximum, an unknown sector or sort column.
    """
    unknown = sorted(set(values) - set(PARAMS))
    if unknown:
        raise ScreenParamError({unknown[0]: f"Unknown filter {unknown[0]!r}"})
    errors: dict[str, str] = {}
    parsed = {name: _number(name, values.get(name), errors) for name in PARAMS}
    for low, high, label in RANGES:
        lo, hi = parsed[low], parsed[high]
        if lo is not None and hi is not None and lo > hi and low not in errors:
            errors[low] = f"{label}: minimum ({lo:g}) is greater than maximum ({hi:g})"
    chosen = resolve_sectors(sectors, known_sectors, errors)
    sort_field = SORT_ALIASES.get(sort or "", sort) or None
    if sort_field is not None and sort_field not in ROW_FIELDS:
        errors["sort"] = f"Cannot sort by {sort!r}; use one of {', '.join(ROW_FIELDS)}"
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"limit must be between 1 and {MAX_LIMIT}"
    if errors:
        raise ScreenParamError(errors)
    kwargs = {
        PARAMS[name].criterion: value * PARAMS[name].scale
        for name, value in parsed.items()
        if value is not None
    }
    return ScreenCriteria(
        sectors=frozenset(chosen) if chosen else None,
        sort_by=sort_field,
        descending=descending,
        limit=limit,
        **kwargs,
    )


def params_from_criteria(criteria: ScreenCriteria) -> dict[str, str]:
    """Form-field text for criteria (the inverse of criteria_from_params for numbers)."""
    out: dict[str, str] = {}
    for name, param in PARAMS.items():
        value = getattr(criteria, param.criterion)
        out[name] = "" if value is None else f"{value / param.scale:.10g}"
    return out
