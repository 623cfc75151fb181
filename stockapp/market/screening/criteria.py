"""Stock screener: filter and sort rows of market data by user criteria.

Criteria are a plain dataclass that round-trips through JSON dicts strictly (unknown keys
and wrong types are rejected), so a saved screen never silently changes meaning.
A row missing a value a criterion needs (no P/E for a loss-maker, no RSI for a new
listing) does not pass that criterion.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

Row = TypeVar("Row")


@dataclass(slots=True)
class ScreenRow:
    """One instrument's screenable facts.

    `pct_from_52w_high` / `pct_from_52w_low` are distances in percent (3.0 = 3 % below
    the high / above the low); the screener compares their absolute values.
    """

    symbol: str
    name: str = ""
    sector: str = ""
    price: float | None = None
    change_percent: float | None = None
    volume: float | None = None
    avg_volume_20d: float | None = None
    volume_ratio: float | None = None
    rsi14: float | None = None
    pct_from_52w_high: float | None = None
    pct_from_52w_low: float | None = None
    market_cap: float | None = None  # INR
    pe: float | None = None


ROW_FIELDS = tuple(f.name for f in fields(ScreenRow))
# row fields under names they had before (saved screens may still sort by them)
LEGACY_ROW_FIELDS = {"change_pct": "change_percent"}

# criteria under names they had before (saved screens and clients may still use them)
LEGACY_CRITERIA = {"change_pct_min": "change_percent_min", "change_pct_max": "change_percent_max"}

CRORE = 10_000_000


@dataclass(frozen=True, slots=True)
class Bound:
    """A numeric criterion: the row field it bounds, from below or above, and the range
    the bound itself may take (docs/api.md): finite, and wide enough for any real
    instrument, so arithmetic on a bound (crore -> rupees, comparisons) never overflows."""

    row_field: str
    upper: bool
    low: float
    high: float


BOUNDS: dict[str, Bound] = {
    "price_min": Bound("price", False, 0, 1e9),
    "price_max": Bound("price", True, 0, 1e9),
    "change_percent_min": Bound("change_percent", False, -100, 10_000),
    "change_percent_max": Bound("change_percent", True, -100, 10_000),
    "volume_ratio_min": Bound("volume_ratio", False, 0, 1e6),
    "rsi_min": Bound("rsi14", False, 0, 100),
    "rsi_max": Bound("rsi14", True, 0, 100),
    "pct_from_high_max": Bound("pct_from_52w_high", True, 0, 1e6),
    "pct_from_low_max": Bound("pct_from_52w_low", True, 0, 1e6),
    "market_cap_min": Bound("market_cap", False, 0, 1e9 * CRORE),
    "market_cap_max": Bound("market_cap", True, 0, 1e9 * CRORE),
    "pe_min": Bound("pe", False, -1e6, 1e6),
    "pe_max": Bound("pe", True, -1e6, 1e6),
}
_DISTANCE_FIELDS = {"pct_from_52w_high", "pct_from_52w_low"}


@dataclass(slots=True)
class ScreenCriteria:
    sectors: frozenset[str] | None = None
    price_min: float | None = None
    price_max: float | None = None
    change_percent_min: float | None = None
    change_percent_max: float | None = None
    volume_ratio_min: float | None = None
    rsi_min: float | None = None
    rsi_max: float | None = None
    pct_from_high_max: float | None = None
    pct_from_low_max: float | None = None
    market_cap_min: float | None = None
    market_cap_max: float | None = None
    pe_min: float | None = None
    pe_max: float | None = None
    sort_by: str | None = None
    descending: bool = False
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.sectors is not None:
            if isinstance(self.sectors, str) or not all(isinstance(s, str) for s in self.sectors):
                raise ValueError("sectors must be a collection of sector names")
            self.sectors = frozenset(self.sectors)
        for name, bound in BOUNDS.items():
            value = getattr(self, name)
            if value is not None and not _is_number(value):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if value is not None and not bound.low <= value <= bound.high:
                raise ValueError(f"{name} must be between {bound.low:g} and {bound.high:g}")
        for low, high in (
            ("price_min", "price_max"),
            ("change_percent_min", "change_percent_max"),
            ("rsi_min", "rsi_max"),
            ("market_cap_min", "market_cap_max"),
            ("pe_min", "pe_max"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ValueError(f"{low} ({low_value:g}) is greater than {high} ({high_value:g})")
        if isinstance(self.sort_by, str):
            self.sort_by = LEGACY_ROW_FIELDS.get(self.sort_by, self.sort_by)
        if self.sort_by is not None and self.sort_by not in ROW_FIELDS:
            raise ValueError(
                f"cannot sort by '{self.sort_by}'; choose one of {', '.join(ROW_FIELDS)}"
            )
        if not isinstance(self.descending, bool):
            raise ValueError(f"descending must be true or false, got {self.descending!r}")
        if self.limit is not None and (
            isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1
        ):
            raise ValueError(f"limit must be a positive whole number, got {self.limit!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreenCriteria:
        return criteria_from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return criteria_to_dict(self)


CRITERIA_FIELDS = tuple(f.name for f in fields(ScreenCriteria))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _value(row: object, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _passes(row: object, criteria: ScreenCriteria) -> bool:
    if criteria.sectors is not None:
        wanted = {s.casefold() for s in criteria.sectors}
        if str(_value(row, "sector") or "").casefold() not in wanted:
            return False
    for name, bound in BOUNDS.items():
        limit = getattr(criteria, name)
        if limit is None:
            continue
        value = _value(row, bound.row_field)
        if not _is_number(value):
            return False
        if bound.row_field in _DISTANCE_FIELDS:
            value = abs(value)
        if (value > limit) if bound.upper else (value < limit):
            return False
    return True


def apply_screen(rows: Iterable[Row], criteria: ScreenCriteria) -> list[Row]:
    """Rows passing every set criterion, sorted and limited; rows are returned as given.

    Sorting is stable and puts rows without a value for the sort field last either way.
    """
    kept = [row for row in rows if _passes(row, criteria)]
    if criteria.sort_by is not None:
        key = criteria.sort_by
        present = [row for row in kept if _value(row, key) is not None]
        missing = [row for row in kept if _value(row, key) is None]
        present.sort(key=lambda row: _sort_key(_value(row, key)), reverse=criteria.descending)
        kept = present + missing
    if criteria.limit is not None:
        kept = kept[: criteria.limit]
    return kept


def _sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def criteria_from_dict(data: Mapping[str, Any]) -> ScreenCriteria:
    """Build criteria from saved JSON; unknown keys and wrong types raise ValueError."""
    if not isinstance(data, Mapping):
        raise ValueError("screen criteria must be a JSON object")
    values = {LEGACY_CRITERIA.get(k, k): v for k, v in data.items()}
    unknown = sorted(set(values) - set(CRITERIA_FIELDS), key=str)
    if unknown:
        raise ValueError(f"unknown screen criteria: {', '.join(map(str, unknown))}")
    sectors = values.get("sectors")
    if sectors is not None and not isinstance(sectors, list | tuple | set | frozenset):
        raise ValueError("sectors must be a list of sector names")
    if values.get("sort_by") is not None and not isinstance(values["sort_by"], str):
        raise ValueError("sort_by must be a field name")
    return ScreenCriteria(**values)


def criteria_to_dict(criteria: ScreenCriteria) -> dict[str, Any]:
    """JSON-ready dict holding only the criteria that are set (plus sort direction)."""
    out: dict[str, Any] = {}
    for name in CRITERIA_FIELDS:
        value = getattr(criteria, name)
        if name == "sectors" and value is not None:
            out[name] = sorted(value)
        elif name == "descending" or value is not None:
            out[name] = value
    return out


def screen_rows(rows: Sequence[Mapping[str, Any]]) -> list[ScreenRow]:
    """Typed rows from dicts (e.g. a cached market table); extra keys are ignored."""
    return [ScreenRow(**{k: row[k] for k in ROW_FIELDS if k in row}) for row in rows]
