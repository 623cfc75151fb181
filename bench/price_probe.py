"""When did the hub publish each price? A /ws client on a thread of its own records every
price_update of a few symbols as (quote timestamp, key, price as the UI prints it), so that a
price seen later in a Reflex frame or on screen can be traced back to its tick."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import orjson
from common import nse_symbols, parse_ts

from stockapp.formatting import number


def make_watchlist(url: str, jwt: str, size: int, name: str = "Bench") -> list[str]:
    """Fill the user's first watchlist (the one the page opens) with `size` NSE symbols;
    returns the symbols."""
    symbols = nse_symbols(size)
    headers = {"Authorization": f"Bearer {jwt}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
        lists = c.get("/api/v1/watchlists").raise_for_status().json()
        if lists:
            wid = lists[0]["id"]
        else:
            r = c.post("/api/v1/watchlists", json={"name": name})
            wid = r.raise_for_status().json()["id"]
        for sym in symbols:
            c.post(f"/api/v1/watchlists/{wid}/items", json={"symbol": sym}).raise_for_status()
    return symbols


class PriceProbe:
    def __init__(self, ws_url: str, jwt: str, symbols: list[str], max_seconds: float = 1800):
        self.url = f"{ws_url}/ws?token={jwt}"
        self.symbols = symbols
        self.published: list[tuple[float, str, str]] = []
        self._stop = time.time() + max_seconds
        self._thread = threading.Thread(target=self._run, daemon=True, name="price-probe")

    def start(self) -> PriceProbe:
        self._thread.start()
        return self

    def stop(self) -> list[tuple[float, str, str]]:
        self._stop = 0.0
        self._thread.join(10)
        return list(self.published)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        import websockets

        async with websockets.connect(self.url, compression=None) as ws:
            msg = {"action": "subscribe", "symbols": self.symbols}
            await ws.send(orjson.dumps(msg).decode())
            while time.time() < self._stop:
                try:
                    text = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                m = orjson.loads(text)
                if m.get("type") == "price_update":
                    ts = parse_ts(m["timestamp"])
                    self.published.append((ts, m["symbol"], number(m["current_price"])))
