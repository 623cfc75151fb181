"""Upstream requests per tick against subscriber count (and worker count), in-process.

A counting wrapper around the simulated exchange records every quote request the hub sends.
Every case subscribes the same set of distinct symbols, spread over 1, 100 or 10,000
subscribers, so the hub's promise can be checked exactly: requests per tick equal
ceil(distinct symbols / provider batch size), whoever and however many ask.

With several workers, hubs share a Redis backend (stockapp/market/hub/redis_backend.py, Redis at
127.0.0.1:6379 db 14) and only the leader polls; the case is skipped, and said so, when that
backend or Redis is not available.

    python bench/upstream.py
    python bench/upstream.py --subscribers 1,100,10000 --distinct 1200 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from common import print_table, write_report

from stockapp.market.hub import PriceHub
from stockapp.market.instruments import load_universe
from stockapp.market.models import Bar, FetchResult, Key
from stockapp.market.providers.simulated import SimulatedExchange

REDIS_URL = "redis://127.0.0.1:6379/14"


class CountingProvider:
    """Delegates to the simulator; counts requests and the keys each asked for."""

    def __init__(self, inner: SimulatedExchange, counter: dict[str, int]):
        self.inner, self.counter = inner, counter
        self.name, self.simulated, self.batch_size = inner.name, True, inner.batch_size

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        self.counter["requests"] += 1
        self.counter["keys"] += len(keys)
        return await self.inner.fetch_quotes(keys)

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        return await self.inner.history(key, interval, range_, end=end)

    async def aclose(self) -> None:
        await self.inner.aclose()


def assignments(pool: list[Key], subscribers: int, per_sub: int, seed: int) -> list[list[Key]]:
    """Key lists whose union is exactly `pool`, whatever the subscriber count."""
    if subscribers <= len(pool):
        return [pool[i::subscribers] for i in range(subscribers)]
    rng = random.Random(seed)
    return [[pool[i % len(pool)], *rng.sample(pool, per_sub - 1)] for i in range(subscribers)]


async def _make_backend(workers: int) -> Any:
    if workers == 1:
        return None
    from stockapp.market.hub import RedisBackend  # the scale-out backend

    return RedisBackend(REDIS_URL)


async def _flush_redis() -> None:
    """Start each multi-worker case without the previous case's lease and interest keys."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def run_case(subscribers: int, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    universe = load_universe()
    pool = sorted(universe.keys())
    pool = pool[: args.distinct] if args.distinct else pool
    counter = {"requests": 0, "keys": 0}
    if workers > 1:
        await _flush_redis()
    hubs = []
    for _w in range(workers):
        provider = CountingProvider(SimulatedExchange(universe, tick_interval=args.tick), counter)
        hub = PriceHub(provider, tick_interval=args.tick, backend=await _make_backend(workers))
        await hub.start()
        hubs.append(hub)
    subs = [
        hubs[i % workers].subscribe(keys)
        for i, keys in enumerate(assignments(pool, subscribers, args.keys_per_sub, args.seed))
    ]
    await asyncio.sleep(max(1.0, args.tick * 5))  # first fetches of new keys are not ticks
    ticks0 = sum(int(h.stats()["ticks"]) for h in hubs if h.stats()["leader"])
    req0, keys0 = counter["requests"], counter["keys"]
    started = time.perf_counter()
    await asyncio.sleep(args.duration)
    elapsed = time.perf_counter() - started
    ticks = sum(int(h.stats()["ticks"]) for h in hubs if h.stats()["leader"]) - ticks0
    requests, keys = counter["requests"] - req0, counter["keys"] - keys0
    for s in subs:
        s.close()
    for h in hubs:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await h.stop()
    batch = hubs[0].provider.batch_size
    expected = math.ceil(len(pool) / batch)
    per_tick = requests / ticks if ticks else float("nan")
    return {
        "subscribers": subscribers,
        "workers": workers,
        "distinct_keys": len(pool),
        "batch_size": batch,
        "expected_per_tick": expected,
        "ticks": ticks,
        "ticks_per_s": round(ticks / elapsed, 2),
        "requests": requests,
        "requests_per_tick": round(per_tick, 3),
        "keys_per_tick": round(keys / ticks, 1) if ticks else 0,
        "met": bool(ticks) and abs(per_tick - expected) < 1e-9,
    }


async def run_all(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[str]]:
    rows, notes = [], []
    for workers in args.workers:
        for n in args.subscribers:
            limit = args.duration + 60
            try:
                async with asyncio.timeout(limit):
                    rows.append(await run_case(n, workers, args))
            except TimeoutError:
                notes.append(f"workers={workers} subscribers={n}: did not finish in {limit:.0f}s")
                break
            except Exception as exc:  # no scale-out backend or no Redis: say so, go on
                notes.append(f"workers={workers}: skipped ({type(exc).__name__}: {exc})")
                break
    return rows, notes


COLUMNS = (
    ("workers", "workers"),
    ("subscribers", "subs"),
    ("distinct_keys", "distinct"),
    ("batch_size", "batch"),
    ("ticks", "ticks"),
    ("requests", "requests"),
    ("requests_per_tick", "req/tick"),
    ("expected_per_tick", "expected"),
    ("met", "met"),
)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subscribers", type=_ints, default=[1, 100, 10_000], help="comma-separated")
    p.add_argument(
        "--workers", type=_ints, default=[1, 2, 4], help="hubs sharing Redis, comma-separated"
    )
    p.add_argument("--distinct", type=int, default=0, help="distinct symbols subscribed (0: all)")
    p.add_argument(
        "--keys-per-sub", type=int, default=5, help="keys per subscriber beyond the pool size"
    )
    p.add_argument("--tick", type=float, default=0.2, help="hub tick interval, seconds")
    p.add_argument("--duration", type=float, default=3.0, help="measured seconds per case")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument(
        "--out", type=Path, default=None, help="JSON file (default bench/results/upstream.json)"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rows, notes = asyncio.run(run_all(args))
    print_table(rows, COLUMNS)
    for note in notes:
        print(note)
    write_report("upstream", vars(args), {"cases": rows, "notes": notes}, args.out)


if __name__ == "__main__":
    main()
