"""/ws fan-out against the real app: many clients, one server process, ticks once a second.

Load generators are separate processes, each holding a share of the connections and talking
only to 127.0.0.1. Phases: connect (authenticated, nothing subscribed: idle memory), subscribe
each connection to a few symbols of a pool, warm up, then measure for `--duration` seconds:
messages delivered, tick-to-client latency (arrival minus the hub's fetch time, see
bench/common.py), server CPU per 1,000 messages and RSS per connection. Every client closes
by itself after the window.

    python bench/ws_fanout.py                        # 2,000 connections, 20 s
    python bench/ws_fanout.py --connections 10000 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import statistics
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    BenchServer,
    ProcessMeter,
    calibrate_phase,
    latency_since_tick,
    ms,
    nse_symbols,
    parse_ts,
    pct,
    print_table,
    raise_nofile,
    register_user,
    scrape_metrics,
    settle_rss,
    write_report,
)

TS_KEY = '"timestamp":"'


# -- load generator (runs in its own process) -----------------------------------------------
async def _client_main(cfg: dict[str, Any], ctl: Any, out: Any) -> None:
    from urllib.parse import urlsplit

    from ws_raw import connect

    raise_nofile()
    rng = random.Random(cfg["seed"])
    parts = urlsplit(cfg["ws_url"])
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = f"/ws?token={cfg['token']}" + ("&batch=1" if cfg.get("batch") else "")
    n = cfg["connections"]
    subscribe_now, opened, failed = asyncio.Event(), [0], [0]
    window: list[float] = [0.0, 0.0]
    counts, closes = [0], [0]
    lats = array("d")
    phase, tick = cfg["phase"], cfg["tick"]
    gate = asyncio.Semaphore(cfg["connect_concurrency"])
    stop = [time.time() + cfg["max_seconds"]]  # moved to the window's end once it is known
    ts_key = TS_KEY.encode()
    ts_cache: dict[bytes, float] = {}

    def on_text(payload: bytes) -> None:
        now = time.time()
        if now < window[0] or now > window[1]:
            return
        at = payload.find(ts_key)
        while at >= 0:  # one price per message, or several with ?batch=1
            counts[0] += 1
            raw = payload[at + 13 : at + 37]
            ts = ts_cache.get(raw)
            if ts is None:
                ts = ts_cache[raw] = parse_ts(raw.decode())
            lats.append(latency_since_tick(now, ts, phase, tick))
            at = payload.find(ts_key, at + 37)

    async def one(i: int) -> None:
        symbols = rng.sample(cfg["pool"], cfg["symbols_per_conn"])
        try:
            async with gate:
                ws = await asyncio.wait_for(connect(host, port, path, on_text), 60)
            opened[0] += 1
        except Exception:
            failed[0] += 1
            return
        try:
            await asyncio.wait_for(subscribe_now.wait(), max(1.0, stop[0] - time.time()))
            msg = '{"action":"subscribe","symbols":["' + '","'.join(symbols) + '"]}'
            ws.send(msg.encode())
            await asyncio.wait_for(asyncio.shield(ws.closed), max(0.1, stop[0] - time.time()))
            closes[0] += 1  # closed by the server before the window ended
        except TimeoutError:
            pass
        finally:
            ws.close()

    async def control() -> None:
        loop = asyncio.get_running_loop()
        while time.time() < stop[0]:
            msg = await loop.run_in_executor(None, _get, ctl, 1.0)
            if msg is None:
                continue
            if msg[0] == "subscribe":
                subscribe_now.set()
            elif msg[0] == "window":
                window[:] = [msg[1], msg[2]]
                stop[0] = msg[2] + 1.0
                return

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    ctl_task = asyncio.create_task(control())
    while opened[0] + failed[0] < n and time.time() < stop[0]:  # noqa: ASYNC110  (counters of many tasks, polled until a deadline)
        await asyncio.sleep(0.2)
    out.put(("connected", cfg["index"], opened[0], failed[0]))
    await ctl_task
    await asyncio.wait(tasks, timeout=max(1.0, stop[0] - time.time() + 5))
    for t in tasks:
        t.cancel()
    out.put(("done", cfg["index"], counts[0], closes[0], lats.tobytes()))


def _get(q: Any, timeout: float) -> Any:
    try:
        return q.get(True, timeout)
    except Exception:
        return None


def client_process(cfg: dict[str, Any], ctl: Any, out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_client_main(cfg, ctl, out))


# -- driver ---------------------------------------------------------------------------------
def _collect(out: Any, kind: str, count: int, timeout: float) -> list[tuple[Any, ...]]:
    got, deadline = [], time.time() + timeout
    while len(got) < count and time.time() < deadline:
        msg = _get(out, 1.0)
        if msg is not None and msg[0] == kind:
            got.append(msg)
    return got


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile()
    pool = nse_symbols(args.pool)
    with BenchServer(frontend=False, tick=args.tick, server=args.server) as server:
        meter = ProcessMeter(server.proc.pid)  # type: ignore[union-attr]
        _, token = register_user(server.url)
        phase = asyncio.run(calibrate_phase(server.ws_url, token, pool[0], args.tick))
        rss_base = settle_rss(meter)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        per = [
            args.connections // args.procs + (i < args.connections % args.procs)
            for i in range(args.procs)
        ]
        ctls, procs = [], []
        budget = args.duration + args.warmup + 240
        for i, n in enumerate(per):
            ctl = ctx.Queue()
            cfg = {
                "index": i, "connections": n, "ws_url": server.ws_url, "token": token,
                "pool": pool, "symbols_per_conn": args.symbols_per_conn, "seed": args.seed + i,
                "phase": phase, "tick": args.tick, "max_seconds": budget,
                "connect_concurrency": args.connect_concurrency, "batch": args.batch,
            }  # fmt: skip
            p = ctx.Process(target=client_process, args=(cfg, ctl, out), daemon=True)
            p.start()
            ctls.append(ctl)
            procs.append(p)
        t_conn = time.time()
        connected = _collect(out, "connected", args.procs, 200)
        opened = sum(m[2] for m in connected)
        connect_s = time.time() - t_conn
        rss_idle = settle_rss(meter, 3.0)
        for ctl in ctls:
            ctl.put(("subscribe",))
        time.sleep(args.warmup)
        rss_sub = settle_rss(meter, 2.0)
        m0 = scrape_metrics(server.url)
        t0 = time.time()
        for ctl in ctls:
            ctl.put(("window", t0, t0 + args.duration))
        generators = [ProcessMeter(p.pid) for p in procs if p.pid is not None]
        c0, d0 = meter.cpu_seconds(), meter.run_delay_seconds()
        g0 = sum(g.cpu_seconds() for g in generators)
        time.sleep(args.duration)
        cpu = meter.cpu_seconds() - c0
        waited = meter.run_delay_seconds() - d0
        client_cpu = sum(g.cpu_seconds() for g in generators) - g0
        m1 = scrape_metrics(server.url)
        done = _collect(out, "done", args.procs, 60)
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    delivered = sum(m[2] for m in done)
    lats = array("d")
    for m in done:
        lats.frombytes(m[4])
    ticks = m1.get("stockapp_hub_ticks_total", 0) - m0.get("stockapp_hub_ticks_total", 0)
    return {
        "connections_requested": args.connections,
        "connections_held": opened,
        "connect_seconds": round(connect_s, 1),
        "closed_by_server": sum(m[3] for m in done),
        "ticks": int(ticks),
        "delivered": delivered,
        "delivered_per_s": round(delivered / args.duration),
        "server_cpu_s": round(cpu, 2),
        "server_cores": round(cpu / args.duration, 2),
        "server_cpu_wait_s_per_s": round(waited / args.duration, 3),
        "client_cores": round(client_cpu / args.duration, 2),
        "msgs_per_s_per_core": round(delivered / cpu) if cpu else 0,
        "cpu_ms_per_1000_msgs": round(cpu / delivered * 1e6, 2) if delivered else 0.0,
        "latency_p50_ms": ms(statistics.median(lats)) if lats else 0.0,
        "latency_p99_ms": ms(pct(lats, 0.99)),
        "latency_max_ms": ms(max(lats)) if lats else 0.0,
        "phase_ms": ms(phase),
        "rss_base_mb": round(rss_base / 2**20, 1),
        "rss_idle_kb_per_conn": round((rss_idle - rss_base) / max(1, opened) / 1024, 1),
        "rss_subscribed_kb_per_conn": round((rss_sub - rss_base) / max(1, opened) / 1024, 1),
    }


COLUMNS = (
    ("connections_held", "conns"),
    ("delivered_per_s", "msgs/s"),
    ("server_cores", "cores"),
    ("client_cores", "client cores"),
    ("msgs_per_s_per_core", "msgs/s/core"),
    ("cpu_ms_per_1000_msgs", "cpu ms/1k"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p99_ms", "p99 ms"),
    ("rss_idle_kb_per_conn", "idle KB/conn"),
    ("rss_subscribed_kb_per_conn", "sub KB/conn"),
    ("closed_by_server", "closed"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--connections", type=int, default=2000, help="concurrent /ws clients")
    p.add_argument("--procs", type=int, default=4, help="load-generator processes")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=4.0, help="seconds after subscribing")
    p.add_argument("--symbols-per-conn", type=int, default=3)
    p.add_argument("--pool", type=int, default=50, help="distinct symbols to draw from")
    p.add_argument("--tick", type=float, default=1.0, help="STOCKAPP_TICK_INTERVAL, seconds")
    p.add_argument(
        "--connect-concurrency", type=int, default=100, help="handshakes in flight per process"
    )
    p.add_argument("--seed", type=int, default=11)
    p.add_argument(
        "--batch", action="store_true", help="use the /ws?batch=1 extension (one message per tick)"
    )
    p.add_argument(
        "--server", choices=["granian", "gunicorn"], default="granian", help="STOCKAPP_SERVER"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="JSON file (default bench/results/ws_fanout.json)"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    row = run(args)
    row["wall_seconds"] = round(time.time() - started, 1)
    print_table([row], COLUMNS)
    write_report("ws_fanout", vars(args), row, args.out)


if __name__ == "__main__":
    main()
