"""Fan-out throughput of the price hub, in one process, without network.

Every tick a provider moves every price in the pool, so each subscriber gets all of its keys each
tick. Consumers are tasks calling `Subscription.get()`, as /ws handlers do. Reported per case:
quotes consumed per second (and per CPU second, which stays comparable on a busy machine), the
hub's own fan-out cost per tick and the quote age on delivery. Small cases are bound by the tick
rate; large ones saturate the event loop, where conflation keeps every reader current.

    python bench/hub_fanout.py                      # 1, 100 and 10,000 subscribers
    python bench/hub_fanout.py --subscribers 1000 --tick 0.05 --duration 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stockapp.market.hub import PriceHub  # noqa: E402
from stockapp.market.models import Bar, FetchResult, Key, Quote, utcnow  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "results" / "hub_fanout.json"


class ChurningProvider:
    """Answers instantly and changes every requested price on every call."""

    name = "bench"
    simulated = True
    batch_size = 50

    def __init__(self, keys: Sequence[Key], seed: int) -> None:
        self._rng = random.Random(seed)
        self._price = {k: 100.0 + 10 * i for i, k in enumerate(keys)}
        self._volume = dict.fromkeys(keys, 0)

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        now = utcnow()
        result = FetchResult()
        for key in keys:
            price = round(self._price[key] * (1 + self._rng.uniform(-0.001, 0.001)), 2)
            self._price[key] = price
            self._volume[key] += 1
            result.quotes[key] = Quote(
                symbol=key[0],
                market=key[1],
                current_price=price,
                open=price,
                high=price,
                low=price,
                prev_close=price,
                volume=self._volume[key],
                timestamp=now,
            )
        return result

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        return []

    async def aclose(self) -> None:
        return None


async def run_case(
    subscribers: int, keys_per_sub: int, pool_size: int, tick: float, duration: float, seed: int
) -> dict[str, float | int]:
    pool = [(f"SYM{i:04d}", "india_nse") for i in range(pool_size)]
    rng = random.Random(seed)
    hub = PriceHub(ChurningProvider(pool, seed), tick_interval=tick)
    subs = [hub.subscribe(rng.sample(pool, keys_per_sub)) for _ in range(subscribers)]
    consumed = [0]
    ages: list[float] = []
    sample_every = max(1, subscribers // 100)

    async def consume(index: int) -> None:
        sub = subs[index]
        sampled = index % sample_every == 0
        while True:
            batch = await sub.get()
            consumed[0] += len(batch)
            if sampled and batch:
                quote = next(iter(batch.values()))
                ages.append((utcnow() - quote.timestamp).total_seconds())

    tasks = [asyncio.create_task(consume(i)) for i in range(subscribers)]
    await hub.start()
    with hub.subscribe(pool[:1], label="warm-up") as probe:  # let two ticks pass
        await probe.get()
        await probe.get()
    before, consumed_before = hub.stats(), consumed[0]
    ages.clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.sleep(duration)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    after, consumed_total = hub.stats(), consumed[0] - consumed_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await hub.stop()

    ticks = int(after["ticks"] - before["ticks"])
    offered = int(after["deliveries"] - before["deliveries"])
    fanout_s = float(after["fanout_seconds_total"] - before["fanout_seconds_total"])
    fanouts = max(1, ticks)
    ages.sort()
    return {
        "subscribers": subscribers,
        "keys_per_sub": keys_per_sub,
        "distinct_keys": int(after["distinct_keys"]),
        "seconds": round(elapsed, 3),
        "ticks": ticks,
        "ticks_per_s": round(ticks / elapsed, 2),
        "upstream_requests": int(after["upstream_requests"] - before["upstream_requests"]),
        "quotes_offered": offered,
        "quotes_consumed": consumed_total,
        "consumed_per_s": round(consumed_total / elapsed),
        "cpu_seconds": round(cpu, 3),
        "consumed_per_cpu_s": round(consumed_total / cpu) if cpu else 0,
        "conflated": int(after["queue_drops"] - before["queue_drops"]),
        "fanout_ms_per_tick": round(fanout_s / fanouts * 1000, 3),
        "fanout_max_ms": round(float(after["fanout_seconds_max"]) * 1000, 3),
        "fanout_quotes_per_s": round(offered / fanout_s) if fanout_s else 0,
        "age_p50_ms": round(statistics.median(ages) * 1000, 2) if ages else 0.0,
        "age_p99_ms": round(ages[int(len(ages) * 0.99) - 1] * 1000, 2) if ages else 0.0,
    }


COLUMNS = (
    ("subscribers", "subs"),
    ("ticks_per_s", "ticks/s"),
    ("upstream_requests", "upstream"),
    ("quotes_consumed", "consumed"),
    ("consumed_per_s", "consumed/s"),
    ("cpu_seconds", "cpu s"),
    ("consumed_per_cpu_s", "consumed/cpu-s"),
    ("conflated", "conflated"),
    ("fanout_ms_per_tick", "fanout ms/tick"),
    ("fanout_quotes_per_s", "fanout quotes/s"),
    ("age_p50_ms", "age p50 ms"),
    ("age_p99_ms", "age p99 ms"),
)


def print_table(rows: list[dict[str, float | int]]) -> None:
    widths = [max(len(title), *(len(str(r[key])) for r in rows)) for key, title in COLUMNS]
    print("  ".join(title.rjust(w) for (_, title), w in zip(COLUMNS, widths, strict=True)))
    for row in rows:
        cells = (str(row[key]).rjust(w) for (key, _), w in zip(COLUMNS, widths, strict=True))
        print("  ".join(cells))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--subscribers",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 100, 10_000],
        help="comma-separated subscriber counts, one case each (default 1,100,10000)",
    )
    parser.add_argument("--keys-per-sub", type=int, default=5, help="keys per subscriber")
    parser.add_argument("--pool", type=int, default=200, help="distinct keys to draw from")
    parser.add_argument("--tick", type=float, default=0.1, help="hub tick interval, seconds")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per case")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rows = [
        asyncio.run(run_case(n, args.keys_per_sub, args.pool, args.tick, args.duration, args.seed))
        for n in args.subscribers
    ]
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "hub_fanout",
        "generated_at": utcnow().isoformat(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "params": {k: v for k, v in vars(args).items() if k != "out"},
        "results": rows,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
