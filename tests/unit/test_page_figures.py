"""Pages take market figures from the tick's snapshot: the Analysis header and the Peer
rows show the market cap and P/E of `MarketSnapshot.fundamentals` at the snapshot's price,
not a copy of that arithmetic and not a second read of the hub."""

from __future__ import annotations

from datetime import UTC, datetime

from stockapp import formatting as fmt
from stockapp.market.instruments import load_universe
from stockapp.market.models import Quote
from stockapp.market.snapshot import MarketSnapshot
from stockapp.pages.analysis_state import header_facts
from stockapp.pages.peers_state import peer_row
from stockapp.state.sorting import next_sort

T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
UNIVERSE = load_universe()


def _inst(symbol: str):
    inst = UNIVERSE.get(symbol)
    assert inst is not None
    return inst


def _snap(inst, price: float) -> MarketSnapshot:
    q = Quote(inst.symbol, inst.market, price, 100.0, price + 5, price - 5, 100.0, 1000, T0)
    return MarketSnapshot(7, {inst.key: q}, universe=UNIVERSE)


def test_analysis_header_uses_the_snapshot_price_for_cap_and_pe():
    tcs = _inst("TCS")
    assert tcs.shares_outstanding and tcs.eps > 0
    for price in (1234.5, 4321.0):
        facts = header_facts(tcs, _snap(tcs, price))
        assert facts["cap"] == fmt.compact_inr(price * tcs.shares_outstanding)
        assert facts["pe"] == fmt.number(price / tcs.eps)
        assert facts["pc"] == fmt.number(100.0)


def test_analysis_header_is_empty_without_a_quote_and_has_no_cap_for_an_index():
    tcs = _inst("TCS")
    assert header_facts(tcs, MarketSnapshot(1, {}, universe=UNIVERSE)) == {}
    index = UNIVERSE.indices()[0]
    facts = header_facts(index, _snap(index, 24000.0))
    assert facts["cap"] == "—" and facts["pe"] == "—"


def test_peer_row_reads_the_snapshot_not_the_hub():
    infy = _inst("INFY")
    low, high = (
        peer_row(_snap(infy, 1000.0), infy, "#000", False, None),
        peer_row(_snap(infy, 2000.0), infy, "#000", True, None),
    )
    assert low["mcap"] == fmt.compact_inr(1000.0 * infy.shares_outstanding)
    assert high["mcap"] == fmt.compact_inr(2000.0 * infy.shares_outstanding)
    assert high["pe"] == fmt.number(2000.0 / infy.eps, 1)
    assert (low["subject"], high["subject"]) == ("", "1")
    # no quote in the snapshot yet: the reference price stands in
    empty = peer_row(MarketSnapshot(1, {}, universe=UNIVERSE), infy, "#000", False, None)
    assert empty["mcap"] == fmt.compact_inr(infy.ref_price * infy.shares_outstanding)


def test_a_header_click_flips_the_sorted_column_and_starts_others_high_to_low():
    assert next_sort("price", True, "price") == ("price", False)
    assert next_sort("price", False, "price") == ("price", True)
    assert next_sort("price", False, "volume") == ("volume", True)
    assert next_sort("price", True, "symbol") == ("symbol", False)
