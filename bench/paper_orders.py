"""Time the paper-order engine adds to the leader's tick path.

10,000 open orders across 1,000 users (10 each) on the NSE equities of the shipped universe:
limit buys below and limit sells above the market, stop-losses (sl, sl_m), GTT singles and
OCOs, 1-10 % away from the price. Every tick moves every price (a random walk of about
0.15 % a tick, as a busy session), so every ordered instrument is in every batch. Timed per
tick: `PaperEngine.evaluate` (what the hub's tick listener runs on the leader: session
clock, the book's indexed evaluation, queueing of triggers and fills). Database writes
happen afterwards in the engine's worker, off the tick path; here the worker's writes are
stubbed out so only the tick path is measured. Both wall time and the thread's CPU time are
reported: on a shared machine the wall-clock tail is mostly time the thread was not running.
Orders that fill are replaced by new ones, so the book stays at its size.

    python bench/paper_orders.py                       # 10,000 orders, 1,000 users
    python bench/paper_orders.py --options 0.1 --out bench/results/paper_orders_options.json
    python bench/paper_orders.py --orders 50000 --ticks 300

With --options, that share of the orders is on 200 NSE option contracts near the money
(random F&O underlyings, the two nearest expiries), priced off their underlyings each tick.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import pct, write_report  # noqa: E402
from stockapp.market.instruments import load_universe  # noqa: E402
from stockapp.market.models import Key, Quote  # noqa: E402
from stockapp.market.options import expiries, strike_step  # noqa: E402
from stockapp.market.paper import PENDING, WORKING, OrderType, WorkingOrder  # noqa: E402
from stockapp.market.paper.contracts import (  # noqa: E402
    OptionSpec,
    option_quotes,
    resolve_contract,
)
from stockapp.paper import executions  # noqa: E402
from stockapp.paper.engine import PaperEngine  # noqa: E402

KINDS = (
    OrderType.LIMIT,
    OrderType.LIMIT,
    OrderType.SL,
    OrderType.SL_M,
    OrderType.GTT,
    OrderType.GTT_OCO,
)
AT = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # a Thursday, 10:30 IST
DAY = date(2026, 11, 26)


async def _no_db(fn, *args, **kwargs):
    return [] if fn is executions.open_orders else None


def make_order(oid: int, user: int, key: Key, ltp: int, rng: random.Random) -> WorkingOrder:
    kind = rng.choice(KINDS)
    buy = rng.random() < 0.5
    away = int(ltp * rng.uniform(0.01, 0.10))
    near, far = (ltp - away, ltp + away) if buy else (ltp + away, ltp - away)
    o = WorkingOrder(
        id=oid,
        user_id=user,
        key=key,
        buy=buy,
        quantity=1,
        kind=kind,
        product="cnc",
        validity="gtt" if kind in (OrderType.GTT, OrderType.GTT_OCO) else "day",
        session_day=DAY,
        stage=WORKING,
        fresh=False,
    )
    if kind == OrderType.LIMIT:
        o.limit = near  # a buy below the market, a sell above it
    elif kind in (OrderType.SL, OrderType.SL_M):
        o.stage, o.trigger = PENDING, far  # a buy stop above, a sell stop below
        o.limit = far + (away // 10 if buy else -away // 10) if kind == OrderType.SL else None
    elif kind == OrderType.GTT:
        o.stage, o.trigger, o.limit, o.trigger_above = PENDING, near, near, not buy
    else:
        o.stage, o.trigger, o.limit = PENDING, (near if buy else far), (near if buy else far)
        o.stop_trigger = far if buy else near
        o.stop_limit = o.stop_trigger
    return o


def option_keys(count: int, rng: random.Random) -> dict[Key, tuple[Key, int]]:
    """`count` listed option contracts near the money of random F&O underlyings (the first
    two expiries): contract key -> (underlying key, a premium in paise to place orders by)."""
    universe = load_universe()
    unders = [i for i in universe.all("india_nse") if i.fno]
    out: dict[Key, tuple[Key, int]] = {}
    while len(out) < count:
        under = rng.choice(unders)
        expiry = rng.choice(expiries(under.symbol, AT, under.kind)[:2])
        step = strike_step(under.symbol, under.ref_price)
        strike = round(under.ref_price / step) * step + step * rng.randint(-5, 5)
        spec = OptionSpec(under.symbol, expiry, Decimal(str(strike)), rng.random() < 0.5)
        contract = resolve_contract(universe, spec.symbol, "india_nse", AT)
        if contract is None:
            continue
        q = option_quotes(under, under.ref_price, [contract], AT)[(contract.symbol, "india_nse")]
        out[(contract.symbol, "india_nse")] = (under.key, max(round(q.current_price * 100), 100))
    return out


async def run(orders: int, users: int, ticks: int, seed: int, options: float = 0.0) -> dict:
    rng = random.Random(seed)
    universe = load_universe()
    equities = universe.equities("india_nse")
    price = {i.key: round(i.ref_price * 100) for i in equities}
    for idx in universe.indices("india_nse"):
        price[idx.key] = round(idx.ref_price * 100)
    keys = [i.key for i in equities]
    contracts = option_keys(200, rng) if options > 0 else {}
    engine = PaperEngine(run=_no_db, clock=lambda: AT)
    await engine.open()
    for oid in range(1, orders + 1):
        if contracts and rng.random() < options:
            ckey = rng.choice(list(contracts))
            engine.book.add(make_order(oid, oid % users, ckey, contracts[ckey][1], rng))
            continue
        key = rng.choice(keys)
        engine.book.add(make_order(oid, oid % users, key, price[key], rng))
    moving = list(price)
    next_id = orders + 1
    times: list[float] = []
    cpu: list[float] = []
    fills = triggers = 0
    for n in range(ticks + 1):  # the first tick warms up (calendar, contract look-ups)
        batch = {}
        for key in moving:
            p = max(int(price[key] * (1 + rng.gauss(0, 0.0015))), 100)
            price[key] = p
            batch[key] = Quote(key[0], key[1], p / 100, p / 100, p / 100, p / 100, 0.0, 1, AT)
        start, start_cpu = time.perf_counter(), time.thread_time()
        result = engine.evaluate(batch, AT)
        if n:
            cpu.append(time.thread_time() - start_cpu)
            times.append(time.perf_counter() - start)
        assert result is not None
        fills += len(result.fills)
        triggers += len(result.triggers)
        for f in result.fills:  # keep the book at its size
            key = f.order.key
            ref = contracts[key][1] if key in contracts else price[key]
            engine.book.add(make_order(next_id, f.order.user_id, key, ref, rng))
            next_id += 1
        await engine.drain()
    await engine.stop()
    ms = [t * 1000 for t in times]
    cpu_ms = [t * 1000 for t in cpu]
    return {
        "orders": orders,
        "users": users,
        "instruments": len(keys),
        "option_share": options,
        "option_contracts": len(contracts),
        "ticks": ticks,
        "median_ms": round(statistics.median(ms), 3),
        "p99_ms": round(pct(ms, 0.99), 3),
        "max_ms": round(max(ms), 3),
        "cpu_median_ms": round(statistics.median(cpu_ms), 3),
        "cpu_p99_ms": round(pct(cpu_ms, 0.99), 3),
        "fills_per_tick": round(fills / ticks, 2),
        "triggers_per_tick": round(triggers / ticks, 2),
        "target_ms": 2.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--ticks", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--options", type=float, default=0.0, help="share of orders on option contracts"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = asyncio.run(run(args.orders, args.users, args.ticks, args.seed, args.options))
    print(
        f"{result['orders']:,} orders, {result['users']:,} users, "
        f"{result['instruments']} instruments, {result['ticks']} ticks: "
        f"wall median {result['median_ms']} ms, p99 {result['p99_ms']} ms "
        f"(max {result['max_ms']} ms); CPU median {result['cpu_median_ms']} ms, "
        f"p99 {result['cpu_p99_ms']} ms per tick ({result['fills_per_tick']} fills, "
        f"{result['triggers_per_tick']} triggers a tick)"
    )
    write_report("paper_orders", vars(args), result, args.out)


if __name__ == "__main__":
    main()
