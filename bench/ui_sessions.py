"""Live Reflex sessions on any page (`--route`, default the Watchlist with 20 symbols)
against the real app.

Sessions are protocol-level clients (bench/reflex_client.py) in separate processes, logged in
as one user through the LocalStorage token the browser would send, plus a few real Chromium
tabs. Measured over `--duration` seconds: backend CPU per pushed session-update (server CPU /
the app's stockapp_ui_pushes_total), bytes per update frame, RSS per session, tick-to-client
latency, and after every session closes: CPU and stockapp_ui_sessions back to their baseline.

Tick-to-client: update frames carry display strings, not times. A /ws probe records when the
hub published each price of a sampled symbol; a frame's price is matched to the latest such
publication before it arrived, and its latency counts from the hub's fetch of that price.
Data age is the same arrival minus the quote's own timestamp (the simulator's step, or the
provider's observation time): what the user sees is that old. Pages other than the Watchlist
are sampled wherever they show the sample symbol's quote row (`--sample-symbol`).

    python bench/ui_sessions.py                      # 200 sessions + 2 Chromium tabs
    python bench/ui_sessions.py --sessions 1000 --tabs 3
    python bench/ui_sessions.py --route / --sessions 300 --tabs 0   # the Dashboard
    python bench/ui_sessions.py --route /stock/RELIANCE --tabs 0
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    BenchServer,
    ProcessMeter,
    calibrate_phase,
    ms,
    pct,
    print_table,
    raise_nofile,
    register_user,
    scrape_metrics,
    settle_rss,
    write_report,
)
from price_probe import PriceProbe, make_watchlist
from reflex_client import SessionStats, run_session

SESSIONS_GAUGE = "stockapp_ui_sessions"
PUSHES = "stockapp_ui_pushes_total"


def session_process(cfg: dict[str, Any], ctl: Any, out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    raise_nofile()
    asyncio.run(_sessions_main(cfg, ctl, out))


async def _sessions_main(cfg: dict[str, Any], ctl: Any, out: Any) -> None:
    window: list[float] = []
    stop = [time.time() + cfg["max_seconds"]]
    gate = asyncio.Semaphore(cfg["hydrate_concurrency"])
    stats = [SessionStats() for _ in range(cfg["sessions"])]
    tasks = [
        asyncio.create_task(
            run_session(
                cfg["ws_url"],
                cfg["jwt"],
                cfg.get("route", "/watchlist"),
                s,
                window,
                stop,
                cfg["sample_key"],
                i % cfg["sample_every"] == 0,
                gate,
            )
        )
        for i, s in enumerate(stats)
    ]
    deadline = time.time() + cfg["ready_timeout"]
    while time.time() < deadline and sum(s.live or bool(s.error) for s in stats) < len(stats):  # noqa: ASYNC110  (counters of many tasks, polled until a deadline)
        await asyncio.sleep(0.2)
    out.put(
        ("ready", cfg["index"], sum(s.live for s in stats), [s.error for s in stats if s.error][:3])
    )
    loop = asyncio.get_running_loop()
    msg = await loop.run_in_executor(None, _get, ctl, cfg["max_seconds"])
    if msg is not None:
        window[:] = [msg[1], msg[2]]
        stop[0] = msg[2] + 0.5
    await asyncio.wait(tasks, timeout=max(1.0, stop[0] - time.time() + 5))
    for t in tasks:
        t.cancel()
    frames = sum(s.frames for s in stats)
    sizes = [b for s in stats for b in s.frame_bytes]
    samples = [x for s in stats for x in s.samples]
    out.put(("done", cfg["index"], frames, sizes[:20000], samples))


def _get(q: Any, timeout: float) -> Any:
    try:
        return q.get(True, timeout)
    except Exception:
        return None


def _collect(out: Any, kind: str, count: int, timeout: float) -> list[tuple[Any, ...]]:
    got, deadline = [], time.time() + timeout
    while len(got) < count and time.time() < deadline:
        msg = _get(out, 1.0)
        if msg is not None and msg[0] == kind:
            got.append(msg)
    return got


def _open_tabs(url: str, jwt: str, count: int, route: str) -> tuple[Any, Any, list[Any]]:
    from common import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    pages = []
    for _ in range(count):
        ctx = browser.new_context(base_url=url)
        ctx.add_init_script(f"localStorage.setItem('stockapp_token', {jwt!r});")
        page = ctx.new_page()
        page.goto(route)
        if route == "/watchlist":
            page.wait_for_selector("#watchlist-table tbody tr", timeout=60_000)
        else:
            page.wait_for_load_state("networkidle", timeout=60_000)
        pages.append(page)
    return pw, browser, pages


def _fill_account(url: str, jwt: str, symbols: list[str]) -> None:
    """Holdings and alerts on a few symbols, so the Portfolio and Alerts pages have live rows."""
    import httpx

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {jwt}"}, timeout=30) as c:
        for sym in symbols:
            trade = {"symbol": sym, "side": "buy", "quantity": 10, "price": 100,
                     "traded_at": "2026-01-05T10:00:00+05:30"}  # fmt: skip
            c.post("/api/v1/portfolio/trades", json=trade).raise_for_status()
            alert = {"symbol": sym, "condition": "price_above", "value": 999999}
            c.post("/api/v1/alerts", json=alert).raise_for_status()


def _tabs_live(pages: list[Any], seconds: float = 4.0) -> int:
    sel = "#watchlist-table tbody tr td:nth-child(2)"
    before = [p.locator(sel).first.inner_text() for p in pages]
    time.sleep(seconds)
    return sum(p.locator(sel).first.inner_text() != b for p, b in zip(pages, before, strict=True))


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile()
    with BenchServer(frontend=args.tabs > 0, tick=args.tick, server=args.server) as server:
        meter = ProcessMeter(server.proc.pid)  # type: ignore[union-attr]
        _, jwt = register_user(server.url)
        symbols = make_watchlist(server.url, jwt, args.symbols)
        _fill_account(server.url, jwt, symbols[:5])
        sample_key = args.sample_symbol or _route_symbol(args.route) or symbols[0]
        phase = asyncio.run(calibrate_phase(server.ws_url, jwt, sample_key, args.tick))
        probe = PriceProbe(server.ws_url, jwt, [sample_key]).start()
        time.sleep(2)
        rss_base = settle_rss(meter)
        idle_cores = meter.cores_used(3.0)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        per = [
            args.sessions // args.procs + (i < args.sessions % args.procs)
            for i in range(args.procs)
        ]
        ctls, procs = [], []
        budget = args.duration + 600
        t_load = time.time()
        for i, n in enumerate(per):
            ctl = ctx.Queue()
            cfg = {
                "index": i, "sessions": n, "ws_url": server.ws_url,
                "jwt": "" if args.anonymous else jwt,
                "sample_key": sample_key, "sample_every": args.sample_every, "route": args.route,
                "hydrate_concurrency": args.hydrate_concurrency, "max_seconds": budget,
                "ready_timeout": 300,
            }  # fmt: skip
            p = ctx.Process(target=session_process, args=(cfg, ctl, out), daemon=True)
            p.start()
            ctls.append(ctl)
            procs.append(p)
        ready = _collect(out, "ready", args.procs, 360)
        live_sessions = sum(m[2] for m in ready)
        load_s = time.time() - t_load
        pw = browser = None
        pages: list[Any] = []
        if args.tabs:
            pw, browser, pages = _open_tabs(server.url, jwt, args.tabs, args.route)
        time.sleep(args.warmup)
        rss_live = settle_rss(meter)
        m0, c0, t0 = scrape_metrics(server.url), meter.cpu_seconds(), time.time()
        d0 = meter.run_delay_seconds()
        for ctl in ctls:
            ctl.put(("window", t0, t0 + args.duration))
        tabs_live = _tabs_live(pages) if pages and args.route == "/watchlist" else 0
        time.sleep(max(0.0, t0 + args.duration - time.time()))
        cpu = meter.cpu_seconds() - c0
        waited = meter.run_delay_seconds() - d0
        m1 = scrape_metrics(server.url)
        done = _collect(out, "done", args.procs, 60)
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
        if browser is not None:
            browser.close()
            pw.stop()  # type: ignore[union-attr]
        closed_at = time.time()
        release_s = _wait_gauge(server.url, 0.0, 10.0, closed_at)
        after_cores = meter.cores_used(max(0.5, closed_at + 5.0 - time.time()))
        gauge_after = scrape_metrics(server.url).get(SESSIONS_GAUGE, -1)
        published = probe.stop()
    pushes = m1.get(PUSHES, 0) - m0.get(PUSHES, 0)
    frames = sum(m[2] for m in done)
    sizes = [b for m in done for b in m[3]]
    lats, ages = _match_latencies([x for m in done for x in m[4]], published, phase)
    total = live_sessions + len(pages)
    return {
        "route": args.route,
        "sessions": args.sessions,
        "sessions_live": live_sessions,
        "tabs": len(pages),
        "tabs_ticking": tabs_live,
        "load_seconds": round(load_s, 1),
        "pushes": int(pushes),
        "pushes_per_s": round(pushes / args.duration, 1),
        "frames_received": frames,
        "server_cpu_s": round(cpu, 2),
        "server_cores": round(cpu / args.duration, 2),
        "server_cpu_wait_s_per_s": round(waited / args.duration, 3),
        "cpu_ms_per_update": round(cpu / pushes * 1000, 3) if pushes else 0.0,
        "frame_bytes_p50": int(statistics.median(sizes)) if sizes else 0,
        "frame_bytes_p99": int(pct(sizes, 0.99)),
        "rss_mb_per_session": round((rss_live - rss_base) / max(1, total) / 2**20, 3),
        "latency_samples": len(lats),
        "latency_p50_ms": ms(statistics.median(lats)) if lats else 0.0,
        "latency_p99_ms": ms(pct(lats, 0.99)),
        "age_p50_ms": ms(statistics.median(ages)) if ages else 0.0,
        "age_p99_ms": ms(pct(ages, 0.99)),
        "idle_cores_before": round(idle_cores, 3),
        "cores_0_5s_after_close": round(after_cores, 3),
        "sessions_gauge_zero_after_s": release_s,
        "sessions_gauge_at_5s": gauge_after,
        "phase_ms": ms(phase),
    }


def _wait_gauge(url: str, want: float, timeout: float, since: float) -> float | None:
    deadline = since + timeout
    while time.time() < deadline:
        if scrape_metrics(url).get(SESSIONS_GAUGE, -1) <= want:
            return round(time.time() - since, 2)
        time.sleep(0.1)
    return None


def _route_symbol(route: str) -> str:
    """The symbol of a per-instrument route (`/stock/RELIANCE` -> RELIANCE), else ""."""
    parts = [p for p in route.split("/") if p]
    return parts[-1].upper() if len(parts) >= 2 else ""


def _match_latencies(
    samples: list[tuple[float, str, str]],
    published: list[tuple[float, str, str]],
    phase: float,
) -> tuple[list[float], list[float]]:
    """For each (arrival, key, price) the latest publication of that price before arrival:
    (tick-to-client from the hub's fetch, data age from the quote's own timestamp)."""
    by_price: dict[tuple[str, str], list[float]] = {}
    for ts, key, price in published:
        by_price.setdefault((key, price), []).append(ts)
    lats, ages = [], []
    for recv, key, price in samples:
        stamps = [t for t in by_price.get((key, price), ()) if t + phase <= recv + 0.005]
        if stamps:
            lats.append(recv - max(stamps) - phase)
            ages.append(recv - max(stamps))
    return lats, ages


COLUMNS = (
    ("route", "route"),
    ("sessions_live", "sessions"),
    ("pushes_per_s", "pushes/s"),
    ("server_cores", "cores"),
    ("cpu_ms_per_update", "cpu ms/update"),
    ("frame_bytes_p50", "frame B"),
    ("rss_mb_per_session", "MB/session"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p99_ms", "p99 ms"),
    ("age_p50_ms", "age p50"),
    ("sessions_gauge_zero_after_s", "released s"),
    ("idle_cores_before", "idle cores"),
    ("cores_0_5s_after_close", "cores after"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=200, help="protocol-level sessions")
    p.add_argument("--route", default="/watchlist", help="the page every session opens")
    p.add_argument(
        "--anonymous", action="store_true", help="sessions not logged in (the landing page's case)"
    )
    p.add_argument(
        "--sample-symbol",
        default="",
        help="symbol whose quote row is timed (default: the route's symbol, else the "
        "watchlist's first)",
    )
    p.add_argument(
        "--tabs", type=int, default=2, help="real Chromium tabs beside them (0: no build)"
    )
    p.add_argument("--procs", type=int, default=2, help="client processes")
    p.add_argument("--symbols", type=int, default=20, help="watchlist size")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=4.0)
    p.add_argument("--tick", type=float, default=1.0, help="STOCKAPP_TICK_INTERVAL, seconds")
    p.add_argument(
        "--hydrate-concurrency", type=int, default=16, help="page loads in flight per process"
    )
    p.add_argument(
        "--sample-every", type=int, default=5, help="sessions sampled for latency: 1 in N"
    )
    p.add_argument(
        "--server", choices=["granian", "gunicorn"], default="granian", help="STOCKAPP_SERVER"
    )
    p.add_argument(
        "--out", type=Path, default=None, help="JSON file (default bench/results/ui_sessions.json)"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    row = run(args)
    row["wall_seconds"] = round(time.time() - started, 1)
    print_table([row], COLUMNS)
    write_report("ui_sessions", vars(args), row, args.out)


if __name__ == "__main__":
    main()
