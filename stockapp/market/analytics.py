"""Market-wide views computed from the latest quotes: movers, breadth, sectors, fundamentals.

Pure functions over (Instrument, Quote) pairs so the API and the live pages rank the same
way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from stockapp.market.models import Instrument, Key, Quote

MoverKind = Literal["gainers", "losers", "active", "value", "near_high", "near_low"]
MOVER_KINDS: tuple[str, ...] = ("gainers", "losers", "active", "value", "near_high", "near_low")


def pct_from(value: float, ref: float) -> float:
    return (value - ref) / ref * 100 if ref else 0.0


def rank_movers(
    pairs: Iterable[tuple[Instrument, Quote]], kind: str, limit: int = 20
) -> list[tuple[Instrument, Quote]]:
    """Equities ranked for one movers tab; indices are never movers."""
    rows = [(i, q) for i, q in pairs if not i.is_index]
    if kind == "gainers":
        rows = [r for r in rows if r[1].change_percent > 0]
        rows.sort(key=lambda r: -r[1].change_percent)
    elif kind == "losers":
        rows = [r for r in rows if r[1].change_percent < 0]
        rows.sort(key=lambda r: r[1].change_percent)
    elif kind == "active":
        rows.sort(key=lambda r: -r[1].volume)
    elif kind == "value":
        rows.sort(key=lambda r: -(r[1].volume * r[1].current_price))
    elif kind == "near_high":
        rows.sort(key=lambda r: -pct_from(r[1].current_price, r[1].week52_high or r[1].high))
    elif kind == "near_low":
        rows.sort(key=lambda r: pct_from(r[1].current_price, r[1].week52_low or r[1].low))
    else:
        raise ValueError(f"unknown movers type {kind!r}; use one of {', '.join(MOVER_KINDS)}")
    return rows[:limit]


@dataclass(slots=True)
class Breadth:
    advances: int = 0
    declines: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.advances + self.declines + self.unchanged


def breadth(quotes: Iterable[Quote]) -> Breadth:
    b = Breadth()
    for q in quotes:
        if q.current_price > q.prev_close:
            b.advances += 1
        elif q.current_price < q.prev_close:
            b.declines += 1
        else:
            b.unchanged += 1
    return b


@dataclass(slots=True)
class SectorView:
    sector: str
    change_percent: float
    market_cap: float
    breadth: Breadth
    members: list[tuple[Instrument, Quote]] = field(default_factory=list)

    @property
    def best(self) -> tuple[Instrument, Quote] | None:
        return max(self.members, key=lambda r: r[1].change_percent, default=None)

    @property
    def worst(self) -> tuple[Instrument, Quote] | None:
        return min(self.members, key=lambda r: r[1].change_percent, default=None)


def market_cap(inst: Instrument, price: float) -> float:
    return price * inst.shares_outstanding


class Fundamentals(NamedTuple):
    market_cap: float | None
    pe: float | None


def fundamentals(inst: Instrument, price: float) -> Fundamentals:
    """Market cap (INR) and trailing P/E at `price`; None where the data cannot tell (an
    index, an unknown share count, a loss-maker)."""
    if inst.is_index:
        return Fundamentals(None, None)
    cap = market_cap(inst, price) if inst.shares_outstanding else None
    pe = price / inst.eps if inst.eps > 0 else None
    return Fundamentals(cap, pe)


def sector_views(
    instruments: Iterable[Instrument], quotes: Mapping[Key, Quote]
) -> list[SectorView]:
    """Market-cap-weighted % change per sector (weights at the previous close)."""
    groups: dict[str, list[tuple[Instrument, Quote]]] = defaultdict(list)
    for inst in instruments:
        q = quotes.get(inst.key)
        if q is None or inst.is_index or not inst.sector:
            continue
        groups[inst.sector].append((inst, q))
    views = []
    for sector, members in groups.items():
        weights = [market_cap(i, q.prev_close) for i, q in members]
        total = sum(weights) or 1.0
        chg = sum(w * q.change_percent for w, (_, q) in zip(weights, members, strict=True))
        cap = sum(market_cap(i, q.current_price) for i, q in members)
        members.sort(key=lambda r: -r[1].change_percent)
        views.append(
            SectorView(
                sector=sector,
                change_percent=round(chg / total, 2),
                market_cap=cap,
                breadth=breadth(q for _, q in members),
                members=members,
            )
        )
    views.sort(key=lambda v: -v.change_percent)
    return views
