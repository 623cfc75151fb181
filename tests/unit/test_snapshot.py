"""Market snapshots: one immutable object per hub version, derived views computed once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from stockapp.market import analytics
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import load_universe
from stockapp.market.models import Key, Quote
from stockapp.market.options import listed_expiries
from stockapp.market.providers.simulated import SimulatedExchange
from stockapp.market.snapshot import MarketSnapshot
from stockapp.state.views import field, views_for

T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
UNIVERSE = load_universe()


def quote(key: Key, price: float, prev_close: float = 100.0, volume: int = 1000) -> Quote:
    return Quote(key[0], key[1], price, prev_close, price, price, prev_close, volume, T0)


def market(prices: dict[str, float]) -> dict[Key, Quote]:
    return {(s, "india_nse"): quote((s, "india_nse"), p) for s, p in prices.items()}


def test_derived_views_are_computed_once_per_snapshot():
    calls: list[int] = []

    def view(snap: MarketSnapshot, n: int) -> int:
        calls.append(n)
        return len(snap) * n

    snap = MarketSnapshot(1, market({"TCS": 101, "INFY": 99}))
    assert [snap.derive(view, 2) for _ in range(3)] == [4, 4, 4]
    assert snap.derive(view, 3) == 6
    assert calls == [2, 3], "once per (view, arguments) for the snapshot's lifetime"
    nxt = MarketSnapshot(2, market({"TCS": 102}), previous=snap)
    assert nxt.derive(view, 2) == 2 and calls == [2, 3, 2], "a new tick recomputes"


def test_snapshot_is_read_only():
    snap = MarketSnapshot(1, market({"TCS": 101}))
    with pytest.raises(TypeError):
        snap.quotes[("INFY", "india_nse")] = quote(("INFY", "india_nse"), 1)  # type: ignore[index]


def test_market_views_match_the_pure_functions():
    equities = UNIVERSE.equities("india_nse")[:40]
    quotes = {
        i.key: quote(i.key, 100 + (n % 7) - 3, volume=1000 + 37 * n) for n, i in enumerate(equities)
    }
    snap = MarketSnapshot(5, quotes, universe=UNIVERSE)
    pairs = [(i, quotes[i.key]) for i in equities]
    b = snap.breadth()
    want = analytics.breadth(quotes.values())
    assert (b.advances, b.declines, b.unchanged) == (want.advances, want.declines, want.unchanged)
    assert snap.movers("gainers") == analytics.rank_movers(pairs, "gainers", 20)
    assert snap.movers("active", 5) == analytics.rank_movers(pairs, "active", 5)
    assert [v.sector for v in snap.sectors()] == [
        v.sector for v in analytics.sector_views(equities, quotes)
    ]
    with pytest.raises(ValueError):
        snap.movers("sideways")


def test_movers_within_indices_rank_only_their_members():
    equities = UNIVERSE.equities("india_nse")
    quotes = {i.key: quote(i.key, 100 + n % 11) for n, i in enumerate(equities)}
    snap = MarketSnapshot(7, quotes, universe=UNIVERSE)
    nifty50 = UNIVERSE.members(["NIFTY 50"])
    nifty100 = UNIVERSE.members(["NIFTY 50", "NIFTY NEXT 50"])
    assert len(nifty50) == 50 and nifty50 < nifty100
    assert UNIVERSE.members(["NIFTY 500", "TCS"]) == frozenset()  # not indices here
    top = snap.movers("gainers", 20, "india_nse", ("NIFTY 50",))
    assert top and {i.symbol for i, _ in top} <= nifty50
    assert top == analytics.rank_movers(
        [(i, quotes[i.key]) for i in equities if i.symbol in nifty50], "gainers", 20
    )
    assert {i.symbol for i, _ in snap.movers("gainers")} - nifty50, "all: beyond NIFTY 50"
    assert snap.movers("gainers", 5, "india_nse", ("NIFTY 50",)) == top[:5]


def test_fundamentals_is_one_function_for_every_caller():
    inst = next(i for i in UNIVERSE.equities() if i.eps > 0 and i.shares_outstanding)
    index = UNIVERSE.indices("india_nse")[0]
    snap = MarketSnapshot(1, {inst.key: quote(inst.key, 250.0)}, universe=UNIVERSE)
    cap, pe = snap.fundamentals(inst)
    assert cap == 250.0 * inst.shares_outstanding and pe == pytest.approx(250.0 / inst.eps)
    assert snap.fundamentals(index) == (None, None), "an index has neither"
    assert analytics.fundamentals(inst, 250.0) == snap.fundamentals(inst)
    assert MarketSnapshot(2, {}).fundamentals(inst).market_cap == analytics.market_cap(
        inst, inst.ref_price
    ), "without a quote: at the reference price"


def test_rows_render_once_per_quote_and_flash_with_the_tick_direction():
    key = ("TCS", "india_nse")
    renders: list[float] = []

    def render(q: Quote, tick: int) -> str:
        renders.append(q.current_price)
        return f"{q.current_price}:{tick}"

    q1 = quote(key, 101.0)
    s1 = MarketSnapshot(1, {key: q1})
    s2 = MarketSnapshot(2, {key: q1}, previous=s1)
    assert s1.per_key(render, key) == s2.per_key(render, key) == "101.0:0"
    assert renders == [101.0], "an unchanged quote is not rendered again next tick"
    s3 = MarketSnapshot(3, {key: quote(key, 100.5)}, ticks={key: -1}, previous=s2)
    assert s3.per_key(render, key) == "100.5:-1"
    assert s3.per_key(render, ("INFY", "india_nse")) is None


def test_option_chain_is_priced_at_the_snapshot_spot():
    nifty = UNIVERSE.get("NIFTY 50")
    assert nifty is not None
    expiry = listed_expiries(nifty)[0]
    snap = MarketSnapshot(1, {nifty.key: quote(nifty.key, 24_000.0, 23_900.0)})
    chain = snap.option_chain(nifty, expiry, 5)
    assert chain is not None and chain.underlying_price == 24_000.0 and len(chain.rows) == 11
    assert snap.option_chain(nifty, expiry, 5) is chain
    assert MarketSnapshot(2, {}).option_chain(nifty, date(2030, 1, 1), 5) is None


async def test_the_hub_publishes_one_snapshot_per_delivered_batch():
    hub = PriceHub(SimulatedExchange(UNIVERSE, tick_interval=0.05), tick_interval=0.05)
    hub.universe = UNIVERSE
    got: list[tuple[MarketSnapshot, dict[Key, Quote]]] = []
    hub.add_snapshot_listener(lambda snap, changed: got.append((snap, dict(changed))))
    keys = [i.key for i in UNIVERSE.equities()[:30]]
    sub = hub.subscribe(keys)
    await hub.start()
    try:
        for _ in range(100):
            if len(got) >= 3:
                break
            await asyncio.sleep(0.05)
        assert len(got) >= 3
        snap, changed = got[-1]
        assert snap.version >= got[0][0].version + 2 and snap is not got[0][0]
        assert all(snap.get(k) is not None for k in changed)
        now = hub.snapshot()
        assert hub.snapshot() is now, "one object per version, shared by every reader"
        assert set(keys) <= set(now.quotes) and now.breadth().total == len(keys)
        moved = [k for k in keys if now.direction(k)]
        assert moved, "ticks say which way each price last moved"
        for k in moved:
            assert field(views_for(now, [k])[k[0]], "d") == (
                "up" if now.direction(k) > 0 else "down"
            )
    finally:
        sub.close()
        await hub.stop()
