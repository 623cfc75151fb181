"""/ws fan-out against the real app and, in the same run, the seed design's yardstick.

Load generators are separate processes, each holding a share of the connections and talking
only to 127.0.0.1. Per target: connect (authenticated, nothing subscribed: idle memory),
subscribe each connection to a few symbols of a pool, warm up, then measure for `--duration`
seconds: messages delivered, server CPU per message, fan-out lag (a message's arrival minus the
first arrival of the same tick at any client), data age (arrival minus the quote's timestamp),
tick-to-client for the app (arrival minus the hub's fetch, see bench/common.py) and RSS per
connection. Every client closes by itself after the window.

Targets: `app` (the production launcher, Granian), `app-uvicorn` (the same backend under
plain uvicorn), and the yardstick `../shared/peers/seed_ws_server.py` (the seed document's
naive ConnectionManager, run from that path, never copied) under `seed-uvicorn` and
`seed-granian`. `--repeat` runs the targets round-robin and reports medians and each round's
ratios against the yardstick, so a noisy machine shows up as spread, not as a false result.

    python bench/ws_fanout.py                        # 1,000 connections x 5 symbols, all targets
    python bench/ws_fanout.py --targets app --connections 10000 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from common import (
    ROOT,
    BenchServer,
    ProcessMeter,
    calibrate_phase,
    free_port,
    latency_since_tick,
    ms,
    nse_symbols,
    parse_ts,
    pct,
    print_table,
    raise_nofile,
    register_user,
    settle_rss,
    write_report,
)

PEER = ROOT.parent / "shared" / "peers" / "seed_ws_server.py"
TARGETS = ("app", "app-uvicorn", "seed-uvicorn", "seed-granian")
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
    closes = [0]
    stamps, arrivals = array("d"), array("d")
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
            start = at + len(ts_key)
            stop = payload.find(b'"', start)
            raw = payload[start:stop]
            ts = ts_cache.get(raw)
            if ts is None:
                ts = ts_cache[raw] = _epoch(raw.decode())
            stamps.append(ts)
            arrivals.append(now)
            at = payload.find(ts_key, stop)

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
    out.put(("done", cfg["index"], closes[0], stamps.tobytes(), arrivals.tobytes()))


def _epoch(text: str) -> float:
    """Epoch seconds of an ISO timestamp: the app's `iso_ms` form (cached parser) or the
    yardstick's `isoformat()` with microseconds."""
    if len(text) == 24:
        return parse_ts(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


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


@dataclass
class Target:
    name: str
    pid: int
    ws_url: str
    token: str
    phase: float | None  # the app's hub phase (tick-to-client); None for the yardstick


@contextlib.contextmanager
def _peer(server: str, tick: float) -> Iterator[Target]:
    """The yardstick from its own folder, under uvicorn or Granian (one process, one loop)."""
    port = free_port()
    if server == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", "--app-dir", str(PEER.parent)]
        cmd += ["seed_ws_server:app", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--log-level", "warning"]
    else:
        cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--working-dir"]
        cmd += [str(PEER.parent), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--log-level", "warning", "seed_ws_server:app"]
    env = {**os.environ, "TICK": str(tick)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"yardstick under {server} exited early")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            time.sleep(0.3)
        yield Target(f"seed-{server}", proc.pid, f"ws://127.0.0.1:{port}", "bench", None)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@contextlib.contextmanager
def _app(server: str, tick: float, symbol: str) -> Iterator[Target]:
    with BenchServer(frontend=False, tick=tick, server=server) as app:
        _, token = register_user(app.url)
        phase = asyncio.run(calibrate_phase(app.ws_url, token, symbol, tick))
        name = "app" if server == "granian" else f"app-{server}"
        yield Target(name, app.proc.pid, app.ws_url, token, phase)  # type: ignore[union-attr]


def _target(name: str, args: argparse.Namespace, pool: list[str]) -> Any:
    if name == "app":
        return _app(args.server, args.tick, pool[0])
    if name == "app-uvicorn":
        return _app("uvicorn", args.tick, pool[0])
    return _peer(name.removeprefix("seed-"), args.tick)


def fanout_lags(stamps: array, arrivals: array) -> list[float]:
    """Each message's arrival minus the first arrival of its tick (same quote timestamp)."""
    first: dict[float, float] = {}
    for ts, at in zip(stamps, arrivals, strict=True):
        if at < first.get(ts, at + 1):
            first[ts] = at
    return [at - first[ts] for ts, at in zip(stamps, arrivals, strict=True)]


def measure(target: Target, args: argparse.Namespace, pool: list[str]) -> dict[str, Any]:
    meter = ProcessMeter(target.pid)
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
            "index": i, "connections": n, "ws_url": target.ws_url, "token": target.token,
            "pool": pool, "symbols_per_conn": args.symbols_per_conn, "seed": args.seed + i,
            "max_seconds": budget, "connect_concurrency": args.connect_concurrency,
            "batch": args.batch,
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
    done = _collect(out, "done", args.procs, 60)
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.kill()
    stamps, arrivals = array("d"), array("d")
    for m in done:
        stamps.frombytes(m[3])
        arrivals.frombytes(m[4])
    delivered = len(stamps)
    lags = fanout_lags(stamps, arrivals)
    ages = [at - ts for ts, at in zip(stamps, arrivals, strict=True)]
    row: dict[str, Any] = {
        "target": target.name,
        "connections_requested": args.connections,
        "connections_held": opened,
        "connect_seconds": round(connect_s, 1),
        "closed_by_server": sum(m[2] for m in done),
        "ticks": len(set(stamps)),
        "delivered": delivered,
        "delivered_per_s": round(delivered / args.duration),
        "server_cpu_s": round(cpu, 2),
        "server_cores": round(cpu / args.duration, 2),
        "server_cpu_wait_s_per_s": round(waited / args.duration, 3),
        "client_cores": round(client_cpu / args.duration, 2),
        "msgs_per_s_per_core": round(delivered / cpu) if cpu else 0,
        "cpu_us_per_msg": round(cpu / delivered * 1e6, 2) if delivered else 0.0,
        "cpu_ms_per_1000_msgs": round(cpu / delivered * 1e6, 2) if delivered else 0.0,
        "fanout_lag_p50_ms": ms(statistics.median(lags)) if lags else 0.0,
        "fanout_lag_p99_ms": ms(pct(lags, 0.99)),
        "fanout_lag_max_ms": ms(max(lags)) if lags else 0.0,
        "age_p50_ms": ms(statistics.median(ages)) if ages else 0.0,
        "age_p99_ms": ms(pct(ages, 0.99)),
        "rss_base_mb": round(rss_base / 2**20, 1),
        "rss_idle_kb_per_conn": round((rss_idle - rss_base) / max(1, opened) / 1024, 1),
        "rss_subscribed_kb_per_conn": round((rss_sub - rss_base) / max(1, opened) / 1024, 1),
    }
    if target.phase is not None:  # the app: from the hub's fetch, not the simulator's step
        phase, tick = target.phase, args.tick
        lats = [latency_since_tick(at, ts, phase, tick) for ts, at in zip(stamps, arrivals)]  # noqa: B905
        row["phase_ms"] = ms(phase)
        row["latency_p50_ms"] = ms(statistics.median(lats)) if lats else 0.0
        row["latency_p99_ms"] = ms(pct(lats, 0.99))
    return row


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The app alone (`--server`), one round: what bench/servers.py compares."""
    raise_nofile()
    pool = nse_symbols(args.pool)
    with _app(args.server, args.tick, pool[0]) as target:
        return measure(target, args, pool)


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile()
    pool = nse_symbols(args.pool)
    rounds: list[list[dict[str, Any]]] = []
    for _ in range(args.repeat):
        rows = []
        for name in args.targets:
            with _target(name, args, pool) as target:
                row = measure(target, args, pool)
            print_table([row], COLUMNS)
            rows.append(row)
        rounds.append(rows)
    medians = []
    for name in args.targets:
        runs = [r for rows in rounds for r in rows if r["target"] == name]
        med: dict[str, Any] = {"target": name, "runs": len(runs)}
        for key, value in runs[0].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                med[key] = round(statistics.median(r[key] for r in runs), 2)
        medians.append(med)
    ratios = []
    yardstick = next((t for t in args.targets if t.startswith("seed-uvicorn")), None)
    for rows in rounds:  # the app against the yardstick measured in the same round
        peer = next((r for r in rows if r["target"] == yardstick), None)
        for r in rows:
            if peer is None or r is peer or not peer["cpu_us_per_msg"]:
                continue
            ratios.append(
                {
                    "target": r["target"],
                    "cpu_per_msg_vs_seed_uvicorn": round(
                        r["cpu_us_per_msg"] / peer["cpu_us_per_msg"], 2
                    ),
                    "lag_p99_vs_seed_uvicorn": round(
                        r["fanout_lag_p99_ms"] / max(peer["fanout_lag_p99_ms"], 0.1), 2
                    ),
                }
            )
    return {"medians": medians, "rounds": rounds, "ratios": ratios}


COLUMNS = (
    ("target", "target"),
    ("connections_held", "conns"),
    ("delivered_per_s", "msgs/s"),
    ("server_cores", "cores"),
    ("client_cores", "client cores"),
    ("cpu_us_per_msg", "cpu us/msg"),
    ("fanout_lag_p50_ms", "lag p50"),
    ("fanout_lag_p99_ms", "lag p99"),
    ("age_p50_ms", "age p50"),
    ("latency_p99_ms", "tick p99"),
    ("rss_idle_kb_per_conn", "idle KB/conn"),
    ("rss_subscribed_kb_per_conn", "sub KB/conn"),
    ("closed_by_server", "closed"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--connections", type=int, default=1000, help="concurrent /ws clients")
    p.add_argument("--procs", type=int, default=4, help="load-generator processes")
    p.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=4.0, help="seconds after subscribing")
    p.add_argument("--symbols-per-conn", type=int, default=5)
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
        "--server",
        choices=["granian", "gunicorn", "uvicorn"],
        default="granian",
        help="the `app` target's server (STOCKAPP_SERVER, or plain uvicorn)",
    )
    p.add_argument(
        "--targets",
        type=lambda v: [t for t in v.split(",") if t],
        default=["app", "app-uvicorn", "seed-uvicorn", "seed-granian"],
        help=f"comma-separated, run in this order each round: {','.join(TARGETS)}",
    )
    p.add_argument("--repeat", type=int, default=1, help="rounds over the targets (medians)")
    p.add_argument(
        "--out", type=Path, default=None, help="JSON file (default bench/results/ws_fanout.json)"
    )
    args = p.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        p.error(f"unknown targets: {', '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    report = run_all(args)
    report["wall_seconds"] = round(time.time() - started, 1)
    print("medians:")
    print_table(report["medians"], COLUMNS)
    for r in report["ratios"]:
        print(r)
    write_report("ws_fanout", vars(args), report, args.out)


if __name__ == "__main__":
    main()
