"""Live rows pushed straight to a Reflex session's socket lose and reorder nothing.

Against the real app: one Reflex session on the Watchlist, spoken at the socket level the
way the browser does (`/_event`, hydrate in the CONNECT packet, the JWT as the browser's
LocalStorage var), beside one `/ws` client subscribed to the same symbols. Every price the
hub published while the session was live must reach the session, in order, through the
patches of changed rows (`quotes_rx_state_@merge`); a new socket (a reload) hydrates with
the current prices at once.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import websockets

from stockapp.formatting import number
from tests.e2e.conftest import AppServer

ROOT_STATE = "reflex___state____state"
AUTH_TOKEN_VAR = f"{ROOT_STATE}.stockapp___state___auth____auth_state.token_rx_state_"
PAGE_STATE = f"{ROOT_STATE}.stockapp___pages___watchlist_state____watchlist_state"
QUOTES, PATCH = "quotes_rx_state_", "quotes_rx_state_@merge"
SYMBOLS = ["TCS", "INFY", "HDFCBANK", "ITC", "SBIN"]
SECONDS = 8.0


def user_with_watchlist(base: str) -> str:
    name, password = f"push_{uuid.uuid4().hex[:8]}", "push-password-1"
    with httpx.Client(base_url=base, timeout=20) as c:
        c.post("/api/v1/auth/register", json={"username": name, "password": password})
        jwt = c.post("/api/v1/auth/token", data={"username": name, "password": password})
        c.headers["Authorization"] = f"Bearer {jwt.json()['access_token']}"
        lists = c.get("/api/v1/watchlists").json()  # the page opens the first list
        first = lists[0] if lists else c.post("/api/v1/watchlists", json={"name": "P"}).json()
        for symbol in SYMBOLS:
            c.post(f"/api/v1/watchlists/{first['id']}/items", json={"symbol": symbol})
        return jwt.json()["access_token"]


class Tab:
    """One Reflex session at the protocol level; keeps the page's `quotes` as the browser
    would (a full var replaces, a patch merges) and every price each row showed."""

    def __init__(self) -> None:
        self.quotes: dict[str, str] = {}
        self.shown: dict[str, list[str]] = {s: [] for s in SYMBOLS}
        self.patches: list[dict[str, str]] = []
        self.full_after_hydrate = 0

    def apply(self, text: str) -> None:
        _event, update = json.loads(text[len("42/_event,") :])
        page = update.get("delta", {}).get(PAGE_STATE, {})
        if QUOTES in page:
            self.quotes = dict(page[QUOTES])
            self.full_after_hydrate += bool(self.quotes)
        if PATCH in page:
            self.patches.append(page[PATCH])
            self.quotes = {**self.quotes, **page[PATCH]}
        for symbol in SYMBOLS:
            price = self.quotes.get(symbol, "").split("|")[0]
            if price and (not self.shown[symbol] or self.shown[symbol][-1] != price):
                self.shown[symbol].append(price)

    async def run(self, server: AppServer, jwt: str, seconds: float) -> None:
        url = f"ws://127.0.0.1:{server.port}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
        event = {
            "name": f"{ROOT_STATE}.hydrate_and_load",
            "payload": {"vars": {AUTH_TOKEN_VAR: jwt}},
            "router_data": {"pathname": "/watchlist", "asPath": "/watchlist", "query": {}},
        }
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        async with websockets.connect(url, origin=server.url) as ws:
            await ws.recv()  # engine.io open
            await ws.send("40/_event," + json.dumps({"event": event}))
            while (left := until - loop.time()) > 0:
                try:
                    text = await asyncio.wait_for(ws.recv(), left)
                except TimeoutError:
                    break
                if text == "2":
                    await ws.send("3")
                elif isinstance(text, str) and text.startswith("42/_event,"):
                    self.apply(text)


async def hub_prices(server: AppServer, jwt: str, done: asyncio.Event) -> dict[str, list[str]]:
    """Every price the hub published for SYMBOLS until `done`, in order, as rows format it."""
    out: dict[str, list[str]] = {s: [] for s in SYMBOLS}
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws?token={jwt}") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": SYMBOLS}))
        while not done.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.05))
            except TimeoutError:
                continue
            if msg.get("type") == "price_update" and msg["symbol"] in out:
                price = number(msg["current_price"])
                if not out[msg["symbol"]] or out[msg["symbol"]][-1] != price:
                    out[msg["symbol"]].append(price)
    return out


def in_order_without_gaps(shown: list[str], published: list[str]) -> bool:
    """`shown` is a run of `published` from some point on (its last one may still have been
    in flight when the session stopped listening)."""
    for start in range(len(published)):
        run = published[start : start + len(shown)]
        if run == shown and start + len(shown) >= len(published) - 1:
            return True
    return False


async def watch(server: AppServer, jwt: str, *tabs: tuple[Tab, float]) -> dict[str, list[str]]:
    """Run `tabs` one after another (each for its seconds) beside a /ws probe; the probe
    hears the hub from before the first tab's first frame until the last tab stops."""
    done = asyncio.Event()
    probe = asyncio.create_task(hub_prices(server, jwt, done))
    await asyncio.sleep(1.0)
    for tab, seconds in tabs:
        await tab.run(server, jwt, seconds)
    done.set()
    return await probe


def test_patches_carry_every_published_price_in_order(app_server: AppServer):
    jwt = user_with_watchlist(app_server.url)
    tab = Tab()
    published = asyncio.run(watch(app_server, jwt, (tab, SECONDS)))
    assert tab.full_after_hydrate >= 1, "the page's load sent no rows"
    assert len(tab.patches) >= 5, f"only {len(tab.patches)} patch frames in {SECONDS}s"
    assert all(p and set(p) <= set(SYMBOLS) for p in tab.patches)
    assert sum(len(tab.shown[s]) for s in SYMBOLS) >= 3 * len(SYMBOLS), tab.shown
    for symbol in SYMBOLS:
        shown, hub = tab.shown[symbol], published[symbol]
        assert shown, symbol
        assert in_order_without_gaps(shown, hub), f"{symbol}\nshown {shown}\nhub   {hub}"


def test_a_new_socket_hydrates_with_current_prices(app_server: AppServer):
    jwt = user_with_watchlist(app_server.url)
    first, reloaded = Tab(), Tab()
    published = asyncio.run(watch(app_server, jwt, (first, 2.0), (reloaded, 2.0)))
    for symbol in SYMBOLS:
        assert reloaded.shown[symbol], symbol
        # rows after the reload: the current price, then every later one in order
        assert in_order_without_gaps(reloaded.shown[symbol], published[symbol]), (
            f"{symbol}\nshown {reloaded.shown[symbol]}\nhub   {published[symbol]}"
        )
