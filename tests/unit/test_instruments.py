"""The shipped instrument universe: data files parse, agree with each other and look real.

The data files are read twice: once through `load_universe()` (what the app sees) and once
raw, because the loader silently drops an index member that has no equity row and keeps
only the last of two rows with the same symbol, so those mistakes are invisible through it.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from importlib import resources

import pytest

from stockapp.market.instruments import Universe, load_universe
from stockapp.market.models import Instrument

DATA = resources.files("stockapp.market") / "data"

EXPECTED_MEMBERS = {
    "NIFTY 50": 50,
    "NIFTY NEXT 50": 50,
    "NIFTY BANK": 12,
    "NIFTY IT": 10,
    "NIFTY AUTO": 15,
    "NIFTY PHARMA": 20,
    "NIFTY FMCG": 15,
    "NIFTY METAL": 15,
    "NIFTY REALTY": 10,
    "NIFTY FIN SERVICE": 20,
    "SENSEX": 30,
}
INDEX_LOTS = {"NIFTY 50": 65, "NIFTY BANK": 30, "NIFTY FIN SERVICE": 60}  # NSE/FAOP/70616
ISIN_SHAPE = re.compile(r"^INE[0-9A-Z]{9}$")


@pytest.fixture(scope="module")
def universe() -> Universe:
    return load_universe()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    text = (DATA / "equities.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture(scope="module")
def spec() -> dict[str, dict]:
    return json.loads((DATA / "indices.json").read_text(encoding="utf-8"))


def isin_check_digit_ok(isin: str) -> bool:
    """ISO 6166: letters become 10..35, then Luhn over the digit string with the check digit."""
    digits = "".join(str(int(ch, 36)) for ch in isin)
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        n = int(ch)
        if pos % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def market_cap(inst: Instrument) -> float:
    return inst.ref_price * inst.shares_outstanding


def test_isin_check_digit_helper_accepts_real_and_rejects_altered_codes() -> None:
    assert isin_check_digit_ok("INE002A01018")  # Reliance Industries
    assert isin_check_digit_ok("US0378331005")  # Apple, the textbook example
    assert not isin_check_digit_ok("INE002A01017")
    assert not isin_check_digit_ok("INE002A01028")


def test_universe_has_every_nse_equity_mirrored_on_bse(universe: Universe) -> None:
    nse = universe.equities("india_nse")
    assert len(nse) >= 160
    for inst in nse:
        twin = universe.get(inst.symbol, "india_bse")
        assert twin is not None, inst.symbol
        assert (twin.name, twin.isin, twin.ref_price) == (inst.name, inst.isin, inst.ref_price)
    assert len(universe.equities("india_bse")) == len(nse)


def test_symbols_and_isins_are_unique_and_well_formed(rows: list[dict[str, str]]) -> None:
    symbols = [r["symbol"] for r in rows]
    isins = [r["isin"] for r in rows]
    assert len(symbols) == len(set(symbols))
    assert len(isins) == len(set(isins))
    for row in rows:
        assert row["symbol"] == row["symbol"].strip().upper()
        assert row["name"] and row["name"] == row["name"].strip(), row["symbol"]
        assert ISIN_SHAPE.match(row["isin"]), row["symbol"]
        assert isin_check_digit_ok(row["isin"]), (row["symbol"], row["isin"])


def test_fno_rows_alone_have_lots_and_dynamic_bands(universe: Universe) -> None:
    for inst in universe.equities():
        assert (inst.lot_size > 1) == inst.fno, inst.symbol
        assert (inst.band_pct is None) == inst.fno, inst.symbol
        if inst.fno:
            contract_value = inst.lot_size * inst.ref_price
            assert 2e5 < contract_value < 2e6, inst.symbol
        else:
            assert inst.lot_size == 1
            assert inst.band_pct in {2.0, 5.0, 10.0, 20.0}, inst.symbol
    fno_count = sum(i.fno for i in universe.equities())
    assert fno_count > 150


def test_numbers_are_plausible(universe: Universe) -> None:
    for inst in universe.equities():
        assert 0.15 <= inst.volatility <= 0.55, inst.symbol
        assert 0 < universe.free_float[inst.symbol] <= 1, inst.symbol
        assert inst.ref_price > 0, inst.symbol
        if inst.eps > 0:
            assert 3 < inst.ref_price / inst.eps < 1500, inst.symbol


def test_market_caps_are_in_a_sane_range(universe: Universe) -> None:
    caps = {i.symbol: market_cap(i) for i in universe.equities()}
    for symbol, cap in caps.items():
        assert 5e10 <= cap <= 3e13, symbol  # 5,000 crore .. 30 lakh crore
    assert 1.5e13 < caps["RELIANCE"] < 2.5e13
    assert 1.0e13 < caps["HDFCBANK"] < 2.0e13
    assert 0.9e13 < caps["TCS"] < 1.6e13
    assert max(caps, key=caps.__getitem__) == "RELIANCE"
    largest_ten = sorted(caps, key=caps.__getitem__, reverse=True)[:10]
    nifty = set(universe.get("NIFTY 50").constituents) | {"LICI"}
    assert set(largest_ten) <= nifty


def test_each_industry_belongs_to_one_sector(universe: Universe) -> None:
    sectors_of: dict[str, set[str]] = defaultdict(set)
    for inst in universe.equities():
        assert inst.sector and inst.industry, inst.symbol
        sectors_of[inst.industry].add(inst.sector)
    assert {k: v for k, v in sectors_of.items() if len(v) > 1} == {}
    assert len({i.sector for i in universe.equities()}) <= 20


def test_indices_have_expected_members_that_all_resolve(
    universe: Universe, spec: dict[str, dict]
) -> None:
    for name, count in EXPECTED_MEMBERS.items():
        raw = spec[name]["constituents"]
        assert len(raw) == len(set(raw)) == count, name
        inst = universe.get(name, spec[name]["market"])
        assert inst is not None and inst.is_index, name
        assert list(inst.constituents) == raw, name
    midcap = spec["NIFTY MIDCAP 100"]["constituents"]
    assert 50 <= len(midcap) <= 100
    assert len(universe.get("NIFTY MIDCAP 100").constituents) == len(midcap)


def test_every_index_is_on_its_market_with_sane_levels(
    universe: Universe, spec: dict[str, dict]
) -> None:
    assert len(universe.indices()) == len(spec)
    for name, meta in spec.items():
        expected_market = "india_bse" if name == "SENSEX" else "india_nse"
        assert meta["market"] == expected_market, name
        inst = universe.get(name, expected_market)
        assert inst is not None, name
        assert 0.11 <= inst.volatility <= 0.25, name
        assert inst.fno == (name in INDEX_LOTS), name
        assert inst.lot_size == INDEX_LOTS.get(name, 1), name
        assert inst.band_pct is None
        for member in inst.constituents:
            assert universe.get(member, expected_market) is not None, (name, member)
    assert 24_000 < universe.get("NIFTY 50").ref_price < 28_000
    assert 80_000 < universe.get("SENSEX", "india_bse").ref_price < 90_000


def test_weights_are_positive_and_sum_to_one(universe: Universe) -> None:
    for inst in universe.indices():
        assert len(inst.weights) == len(inst.constituents), inst.symbol
        assert all(w > 0 for w in inst.weights), inst.symbol
        assert math.isclose(sum(inst.weights), 1.0, rel_tol=1e-9), inst.symbol
    nifty = universe.get("NIFTY 50")
    weight = dict(zip(nifty.constituents, nifty.weights, strict=True))
    heaviest = sorted(weight, key=weight.__getitem__, reverse=True)[:3]
    assert "HDFCBANK" in heaviest and "RELIANCE" in heaviest
    assert max(weight.values()) < 0.2


def test_broad_indices_do_not_overlap(spec: dict[str, dict]) -> None:
    nifty = set(spec["NIFTY 50"]["constituents"])
    nxt = set(spec["NIFTY NEXT 50"]["constituents"])
    midcap = set(spec["NIFTY MIDCAP 100"]["constituents"])
    assert not nifty & nxt
    assert not (nifty | nxt) & midcap
    assert set(spec["SENSEX"]["constituents"]) <= nifty


@pytest.mark.parametrize(
    ("index", "sector"),
    [
        ("NIFTY IT", "Information Technology"),
        ("NIFTY PHARMA", "Healthcare"),
        ("NIFTY FMCG", "Fast Moving Consumer Goods"),
        ("NIFTY REALTY", "Realty"),
        ("NIFTY FIN SERVICE", "Financial Services"),
    ],
)
def test_sectoral_index_members_share_its_sector(
    universe: Universe, index: str, sector: str
) -> None:
    inst = universe.get(index)
    assert inst.sector == sector
    assert {universe.get(s).sector for s in inst.constituents} == {sector}


def test_bank_index_holds_only_banks(universe: Universe) -> None:
    banks = universe.get("NIFTY BANK").constituents
    assert {universe.get(s).industry for s in banks} <= {
        "Private Sector Bank",
        "Public Sector Bank",
    }
    assert {"HDFCBANK", "ICICIBANK", "SBIN", "KOTAKBANK", "AXISBANK"} <= set(banks)


def test_search_prefers_symbol_prefix(universe: Universe) -> None:
    found = universe.search("reli")
    assert found and found[0].symbol == "RELIANCE"
    assert universe.search("M&M")[0].symbol == "M&M"
    assert universe.search("bajaj-auto")[0].symbol == "BAJAJ-AUTO"


def test_search_finds_banks_by_name(universe: Universe) -> None:
    found = universe.search("bank", market="india_nse", limit=30)
    equities = [i for i in found if not i.is_index]
    assert len(equities) >= 10
    assert all("BANK" in i.name.upper() or "BANK" in i.symbol for i in found)
    symbols = {i.symbol for i in equities}
    assert {"HDFCBANK", "AXISBANK", "BANKBARODA"} <= symbols
    assert "Private Sector Bank" in {i.industry for i in equities}


def test_peers_of_a_bank_are_banks(universe: Universe) -> None:
    hdfc = universe.get("HDFCBANK")
    peers = universe.peers(hdfc, limit=8)
    assert len(peers) == 8
    assert all(p.industry == "Private Sector Bank" for p in peers)
    assert peers[0].symbol == "ICICIBANK"
    assert hdfc not in peers
    caps = [market_cap(p) for p in peers]
    assert caps == sorted(caps, reverse=True)


def test_search_ranks_by_tier_then_market_cap(universe: Universe) -> None:
    """The query "tata" once listed eight small caps alphabetically, without Tata Motors."""
    tata = [i.symbol for i in universe.search("tata", limit=8)]
    assert "TMPV" in tata and "TCS" in tata  # company names that start with "Tata"
    caps = [universe.market_cap(universe.get(s)) for s in tata]
    assert caps == sorted(caps, reverse=True)  # one tier: largest first


def test_search_finds_indices_and_resolves_names(universe: Universe) -> None:
    assert universe.search("nifty", limit=3)[0].symbol == "NIFTY 50"
    assert universe.search("lt", limit=4)[0].symbol == "LT"  # exact symbol beats everything
    assert universe.resolve("larsen").symbol == "LT"
    assert universe.resolve("reliance").symbol == "RELIANCE"
    assert universe.resolve("zzzz-no-such") is None
