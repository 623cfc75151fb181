"""From the hub fetching a price to the new number on screen, in headless Chromium.

The Watchlist page (20 symbols) of the production build runs with a MutationObserver
installed before the app's scripts: when a row's LTP cell changes, the next animation frame
(the frame that paints it) records performance.timeOrigin + performance.now() with the text.
A /ws probe records when each price was published (bench/price_probe.py); an on-screen price
is matched to its latest publication, and the latency counts from the hub's fetch (the quote's
grid timestamp plus the hub's measured phase, bench/common.py).

Page load to first live price: navigation start to the first frame showing a price in the
table, for cold loads (fresh browser context) and warm reloads.

    python bench/tick_to_dom.py                      # 20 s of ticks, 3 cold + 3 warm loads
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    BenchServer,
    calibrate_phase,
    ms,
    pct,
    print_table,
    register_user,
    write_report,
)
from price_probe import PriceProbe, make_watchlist

RECORDER = """
localStorage.setItem('stockapp_token', %(token)s);
window.__ltp = []; window.__firstPrice = null;
(() => {
  const last = new Map();
  const cellOf = (row) => row.children[1];
  const textOf = (row) => (cellOf(row)?.innerText || '').replace(/[\\u20b9\\s]/g, '');
  const record = () => {
    const t = performance.timeOrigin + performance.now();
    for (const row of document.querySelectorAll('tr[id^="row-"]')) {
      const text = textOf(row);
      if (!/\\d/.test(text) || last.get(row.id) === text) continue;
      last.set(row.id, text);
      if (window.__firstPrice === null) window.__firstPrice = performance.now();
      window.__ltp.push([row.id.slice(4), text, t]);
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; record(); });
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""


def _context(browser: Any, url: str, token: str) -> Any:
    ctx = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    ctx.add_init_script(RECORDER % {"token": repr(token)})
    return ctx


def _first_price_ms(page: Any, timeout: float = 30.0) -> float | None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = page.evaluate("window.__firstPrice")
        if value is not None:
            return float(value)
        time.sleep(0.05)
    print(f"no live price on {page.url} within {timeout:.0f}s")
    return None


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with BenchServer(frontend=True, tick=args.tick) as server:
        _, token = register_user(server.url)
        symbols = make_watchlist(server.url, token, args.symbols)
        phase = asyncio.run(calibrate_phase(server.ws_url, token, symbols[0], args.tick))
        probe = PriceProbe(server.ws_url, token, symbols).start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            cold, warm = [], []
            for _ in range(args.loads):
                ctx = _context(browser, server.url, token)
                page = ctx.new_page()
                page.goto("/watchlist")
                if (v := _first_price_ms(page)) is not None:
                    cold.append(v)
                page.reload()
                if (v := _first_price_ms(page)) is not None:
                    warm.append(v)
                ctx.close()
            ctx = _context(browser, server.url, token)
            page = ctx.new_page()
            page.goto("/watchlist")
            _first_price_ms(page)
            time.sleep(2)
            page.evaluate("window.__ltp = []")
            time.sleep(args.duration)
            painted = page.evaluate("window.__ltp")
            ctx.close()
            browser.close()
        published = probe.stop()
    lats = _match(painted, published, phase)
    return {
        "symbols": args.symbols,
        "painted_changes": len(painted),
        "matched": len(lats),
        "tick_to_dom_p50_ms": ms(statistics.median(lats)) if lats else 0.0,
        "tick_to_dom_p99_ms": ms(pct(lats, 0.99)),
        "tick_to_dom_max_ms": ms(max(lats)) if lats else 0.0,
        "first_price_cold_ms": [round(v) for v in cold],
        "first_price_cold_p50_ms": round(statistics.median(cold)) if cold else None,
        "first_price_warm_ms": [round(v) for v in warm],
        "first_price_warm_p50_ms": round(statistics.median(warm)) if warm else None,
        "phase_ms": ms(phase),
    }


def _match(
    painted: list[list[Any]], published: list[tuple[float, str, str]], phase: float
) -> list[float]:
    stamps: dict[tuple[str, str], list[float]] = {}
    for ts, sym, price in published:
        stamps.setdefault((sym, price), []).append(ts)
    out = []
    for sym, text, t_ms in painted:
        at = t_ms / 1000
        seen = [ts for ts in stamps.get((sym, text), ()) if ts + phase <= at + 0.005]
        if seen:
            out.append(at - max(seen) - phase)
    return out


COLUMNS = (
    ("painted_changes", "changes"),
    ("matched", "matched"),
    ("tick_to_dom_p50_ms", "p50 ms"),
    ("tick_to_dom_p99_ms", "p99 ms"),
    ("first_price_cold_p50_ms", "first price cold ms"),
    ("first_price_warm_p50_ms", "first price warm ms"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=20.0, help="seconds of ticks observed")
    p.add_argument("--loads", type=int, default=3, help="cold loads (each followed by a reload)")
    p.add_argument("--symbols", type=int, default=20, help="watchlist size")
    p.add_argument("--tick", type=float, default=1.0, help="STOCKAPP_TICK_INTERVAL, seconds")
    p.add_argument(
        "--out", type=Path, default=None, help="JSON file (default bench/results/tick_to_dom.json)"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    row = measure(args)
    print_table([row], COLUMNS)
    write_report("tick_to_dom", vars(args), row, args.out)


if __name__ == "__main__":
    main()
