"""A broken upstream: the real Yahoo provider behind httpx.MockTransport, inside a real
PriceHub with a fast tick and short timeouts.

For each fault (timeouts, 429 with Retry-After, 5xx, garbage bodies, an upstream that hangs)
the hub keeps serving the last price marked stale, answers REST-style reads at once, recovers
by itself once upstream answers again, and does not hammer upstream while it is down (the
circuit breaker caps requests far below one retried call per tick).
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import Instrument, Key
from stockapp.market.providers.yahoo import YahooProvider
from stockapp.market.resilience import EqualJitterBackoff
from stockapp.state.views import _render as render_view
from stockapp.state.views import field

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures/yahoo/quote_batch.json").read_text()
)
KEY: Key = ("RELIANCE", "india_nse")
TICK = 0.05
UNIVERSE = Universe([Instrument(symbol=s, market="india_nse", name=s) for s in ("RELIANCE", "TCS")])


class FlakyUpstream:
    """Answers like Yahoo in mode "ok" (the price moving each call), else misbehaves."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests = 0
        self.price = 1263.05
        self.never = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        mode = self.mode
        if mode == "ok":
            self.price = round(self.price + 0.05, 2)
            body = copy.deepcopy(FIXTURE)
            for record in body["quoteResponse"]["result"]:
                record["regularMarketPrice"] = self.price
                record["regularMarketTime"] = int(time.time())
            return httpx.Response(200, json=body)
        if mode == "500":
            return httpx.Response(503, text="upstream down")
        if mode == "429":
            return httpx.Response(429, headers={"Retry-After": "1"}, text="slow down")
        if mode == "garbage":
            return httpx.Response(200, content=b"<html>\x00\xff not json")
        if mode == "wrong json":
            return httpx.Response(200, json={"quoteResponse": {"result": "nope"}})
        if mode == "timeout":
            raise httpx.ReadTimeout("read timed out", request=request)
        if mode == "hang":
            await self.never.wait()
        raise AssertionError(mode)


@pytest.fixture
async def rig() -> AsyncIterator[tuple[PriceHub, FlakyUpstream]]:
    upstream = FlakyUpstream()
    client = httpx.AsyncClient(transport=httpx.MockTransport(upstream))
    provider = YahooProvider(
        UNIVERSE,
        client,
        rate_per_sec=1000.0,
        max_retries=2,
        timeout=0.2,
        breaker_threshold=3,
        breaker_reset_seconds=0.6,
        backoff=EqualJitterBackoff(base=0.01, cap=0.04),
        retry_after_cap=0.05,
    )
    hub = PriceHub(provider, tick_interval=TICK, fetch_timeout=0.5, cache_ttl=TICK)
    await hub.start()
    try:
        yield hub, upstream
    finally:
        await hub.stop()
        await client.aclose()


async def wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.mark.parametrize("fault", ["500", "429", "garbage", "wrong json", "timeout", "hang"])
async def test_fault_marks_stale_keeps_serving_and_recovers(rig, fault):
    hub, upstream = rig
    sub = hub.subscribe([KEY], label="test")
    assert await wait_for(lambda: (q := hub.latest(KEY)) is not None and not q.stale)
    upstream.mode = fault
    assert await wait_for(lambda: hub.latest(KEY).stale), f"{fault}: quote not marked stale"
    last = hub.latest(KEY)
    assert last.current_price > 0
    # reads answer at once with the last price while upstream is broken
    started = time.monotonic()
    served = await hub.quotes([KEY])
    assert time.monotonic() - started < 1.5
    assert served[KEY].current_price == last.current_price and served[KEY].stale
    # the UI row carries the stale marker the price cell shows
    assert field(render_view(served[KEY], "", False), "x") == "1"
    # hammering check: a 1.2 s outage at 20 ticks/s with 2 retries would be ~70 requests
    before = upstream.requests
    await asyncio.sleep(1.2)
    during = upstream.requests - before
    assert during <= 12, f"{fault}: {during} upstream requests in 1.2 s while it was down"
    upstream.mode = "ok"
    assert await wait_for(lambda: not hub.latest(KEY).stale, 5.0), f"{fault}: no recovery"
    assert hub.latest(KEY).current_price != last.current_price
    assert field(render_view(hub.latest(KEY), "", False), "x") == ""
    sub.close()


def test_price_cell_shows_a_stale_badge_only_for_stale_rows():
    import reflex as rx

    from stockapp.components.price import flash_price

    row = rx.Var(_js_expr="row", _var_type=str).to(str)
    rendered = str(flash_price(row).render())
    # the badge is conditional on the row's last field (index 7: "x", stale)
    assert "stale" in rendered and 'split("|")[7]' in rendered
