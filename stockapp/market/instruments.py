"""The instrument universe: NSE/BSE equities and indices shipped as data files.

`equities.csv` holds one row per NSE equity; every equity is also listed on BSE under the
same symbol (the large and mid caps here are all dual-listed). `indices.json` names each
index, its market and constituents; weights are free-float market caps, as NSE computes
them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources

from stockapp.market.models import DEFAULT_MARKET, Instrument, Key

DATA = resources.files("stockapp.market") / "data"


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "y"}


def _equities_from_csv(text: str) -> list[Instrument]:
    rows = csv.DictReader(text.splitlines())
    out: list[Instrument] = []
    for row in rows:
        band = row.get("band_pct", "").strip()
        common = dict(
            symbol=row["symbol"].strip().upper(),
            name=row["name"].strip(),
            isin=row["isin"].strip(),
            sector=row["sector"].strip(),
            industry=row["industry"].strip(),
            fno=_bool(row["fno"]),
            lot_size=int(row["lot_size"] or 1),
            ref_price=float(row["ref_price"]),
            shares_outstanding=int(float(row["shares_outstanding"])),
            eps=float(row["eps"] or 0),
            band_pct=None if band in {"", "none", "fno"} else float(band),
            volatility=float(row.get("volatility") or 0.25),
        )
        out.append(Instrument(market="india_nse", **common))
        out.append(Instrument(market="india_bse", **common))
    return out


class Universe:
    """Every known instrument, indexed for look-up and search."""

    def __init__(self, instruments: Iterable[Instrument]):
        self._by_key: dict[Key, Instrument] = {}
        for inst in instruments:
            self._by_key[inst.key] = inst
        self.free_float: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, symbol: str, market: str = DEFAULT_MARKET) -> Instrument | None:
        return self._by_key.get((symbol.strip().upper(), market))

    def all(self, market: str | None = None) -> list[Instrument]:
        return [i for i in self._by_key.values() if market is None or i.market == market]

    def equities(self, market: str = DEFAULT_MARKET) -> list[Instrument]:
        return [i for i in self._by_key.values() if i.market == market and not i.is_index]

    def indices(self, market: str | None = None) -> list[Instrument]:
        return [
            i
            for i in self._by_key.values()
            if i.is_index and (market is None or i.market == market)
        ]

    def members(self, indices: Iterable[str], market: str = DEFAULT_MARKET) -> frozenset[str]:
        """Symbols of the equities in any of `indices` (index symbols such as "NIFTY 50");
        unknown indices add nothing."""
        out: set[str] = set()
        for name in indices:
            inst = self._by_key.get((name, market))
            if inst is not None and inst.is_index:
                out.update(inst.constituents)
        return frozenset(out)

    def keys(self) -> list[Key]:
        return list(self._by_key)

    def market_cap(self, inst: Instrument) -> float:
        """Full market cap at the reference price; an index counts as the sum of its
        members, so "nifty" lists NIFTY 50 before the smaller sectoral indices."""
        if not inst.is_index:
            return inst.ref_price * inst.shares_outstanding
        total = 0.0
        for symbol in inst.constituents:
            member = self._by_key.get((symbol, inst.market))
            if member is not None:
                total += member.ref_price * member.shares_outstanding
        return total

    def search(self, query: str, market: str | None = None, limit: int = 10) -> list[Instrument]:
        """Instruments matching what a person types, best first.

        Tiers: the exact symbol; then a symbol or company name that starts with the query
        ("tata" finds Tata Motors as well as TATASTEEL); then a word of the name; then a
        substring anywhere. Within a tier the larger market cap wins, because the large cap
        is what people mean far more often than an alphabetically earlier small cap.
        """
        q = " ".join(query.strip().upper().split())
        if not q:
            return []
        scored: list[tuple[int, float, str, Instrument]] = []
        for inst in self._by_key.values():
            if market is not None and inst.market != market:
                continue
            if market is None and inst.market != DEFAULT_MARKET and not inst.is_index:
                continue
            rank = _match_tier(q, inst.symbol, _plain_name(inst.name))
            if rank is not None:
                scored.append((rank, -self.market_cap(inst), inst.symbol, inst))
        scored.sort(key=lambda t: t[:3])
        return [inst for *_, inst in scored[:limit]]

    def resolve(self, text: str, market: str | None = None) -> Instrument | None:
        """What a typed symbol or company name means: the exact symbol, else the best
        match (the one a search list shows first), or None when nothing matches."""
        found = self.search(text, market, 1)
        return found[0] if found else None

    def peers(self, inst: Instrument, limit: int = 8) -> list[Instrument]:
        """Same industry first, then same sector, largest market cap first."""
        pool = [i for i in self.equities(inst.market) if i.symbol != inst.symbol]
        same_ind = [i for i in pool if i.industry == inst.industry]
        same_sec = [i for i in pool if i.sector == inst.sector and i not in same_ind]

        def cap(i: Instrument) -> float:
            return -i.ref_price * i.shares_outstanding

        return (sorted(same_ind, key=cap) + sorted(same_sec, key=cap))[:limit]


def _plain_name(name: str) -> str:
    """The name without the "Ltd" every company has (else "lt" would match them all)."""
    upper = name.upper().rstrip(".")
    for suffix in (" LTD", " LIMITED"):
        upper = upper.removesuffix(suffix)
    return upper


def _match_tier(q: str, symbol: str, name: str) -> int | None:
    if symbol == q:
        return 0
    if symbol.startswith(q) or name.startswith(q):
        return 1
    if any(word.startswith(q) for word in name.split()) or f" {q}" in f" {name}":
        return 2
    if q in symbol or q in name:
        return 3
    return None


def _index_instruments(spec: dict, equities: dict[Key, Instrument], free_float: dict[str, float]):
    out = []
    for symbol, meta in spec.items():
        market = meta.get("market", DEFAULT_MARKET)
        members = [s for s in meta["constituents"] if (s, market) in equities]
        caps = [
            equities[(s, market)].ref_price
            * equities[(s, market)].shares_outstanding
            * free_float.get(s, 0.5)
            for s in members
        ]
        total = sum(caps) or 1.0
        out.append(
            Instrument(
                symbol=symbol,
                market=market,
                name=meta.get("name", symbol),
                kind="index",
                sector=meta.get("sector", ""),
                industry="Index",
                fno=bool(meta.get("fno", False)),
                lot_size=int(meta.get("lot_size", 1)),
                ref_price=float(meta["base_value"]),
                band_pct=None,
                volatility=float(meta.get("volatility", 0.15)),
                constituents=tuple(members),
                weights=tuple(c / total for c in caps),
            )
        )
    return out


@cache
def load_universe() -> Universe:
    """The shipped universe (parsed once per process)."""
    eq_text = (DATA / "equities.csv").read_text(encoding="utf-8")
    equities = _equities_from_csv(eq_text)
    free_float: dict[str, float] = {}
    for row in csv.DictReader(eq_text.splitlines()):
        free_float[row["symbol"].strip().upper()] = float(row.get("free_float") or 0.5)
    by_key = {i.key: i for i in equities}
    spec = json.loads((DATA / "indices.json").read_text(encoding="utf-8"))
    universe = Universe([*equities, *_index_instruments(spec, by_key, free_float)])
    universe.free_float = free_float
    return universe
