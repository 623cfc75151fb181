"""A protocol-level Reflex client: what a browser tab does on Reflex's event socket, without
the browser. Used by bench/ui_sessions.py to hold hundreds of live sessions from one process.

The browser (the generated .web/utils/state.js and the compiled context) connects to
`/_event/?token=<uuid4>&EIO=4&transport=websocket` and sends its hydrate event inside the
socket.io CONNECT packet (`40/_event,{"event": ...}`). The event is the root state's
`hydrate_and_load` with `payload.vars` holding the client-storage values (here: the
LocalStorage JWT of AuthState, keyed by the var's full state path) and `router_data` naming
the page, which makes the backend run the page's on_load handlers as the tab would.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import orjson

ROOT_STATE = "reflex___state____state"
TOKEN_VAR = f"{ROOT_STATE}.stockapp___state___auth____auth_state.token_rx_state_"
WATCHLIST_STATE = f"{ROOT_STATE}.stockapp___pages___watchlist_state____watchlist_state"
EVENT_PREFIX = '42/_event,["event",'


def hydrate_packet(jwt: str, path: str) -> str:
    event = {
        "name": f"{ROOT_STATE}.hydrate_and_load",
        "payload": {"vars": {TOKEN_VAR: jwt}},
        "router_data": {"pathname": path, "asPath": path, "query": {}},
    }
    return "40/_event," + orjson.dumps({"event": event}).decode()


@dataclass
class SessionStats:
    frames: int = 0  # state-update frames inside the window
    frame_bytes: list[int] = field(default_factory=list)
    samples: list[tuple[float, str, str]] = field(default_factory=list)  # (recv, key, price)
    live: bool = False  # hydrated and receiving live pushes
    error: str = ""


async def run_session(
    ws_url: str,
    jwt: str,
    path: str,
    stats: SessionStats,
    window: list[float],
    stop: list[float],
    key: str,
    sample: bool,
    gate: asyncio.Semaphore,
) -> None:
    """One tab: connect, hydrate, answer pings, record update frames until `stop[0]`.

    On the Watchlist the tab counts as live once a frame carries the row of `key` (a watchlist
    symbol); on other pages once a second state-update frame arrives (the hydrate's own frames
    first, then a push). With `sample`, each later frame's price of `key` (wherever a page shows
    its quote row) is recorded with its arrival time."""
    marker = f'"{key}":"'  # the row of `key` in a quotes delta (rows are strings)
    watchlist = path.rstrip("/") == "/watchlist"
    updates = 0

    import websockets

    url = f"{ws_url}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
    try:
        async with gate:
            ws = await websockets.connect(
                url, compression=None, ping_interval=None, open_timeout=60, max_queue=None,
                subprotocols=["0.10.1"],  # type: ignore[list-item]
            )  # fmt: skip
            opened = await asyncio.wait_for(ws.recv(), 30)
            if not str(opened).startswith("0"):
                raise RuntimeError(f"unexpected engine.io open: {str(opened)[:80]}")
            await ws.send(hydrate_packet(jwt, path))
            while not stats.live:  # hold the gate until hydrated: bounded concurrent loads
                text = await asyncio.wait_for(ws.recv(), 60)
                if text == "2":
                    await ws.send("3")
                elif watchlist:
                    stats.live = marker in text and WATCHLIST_STATE in text
                elif isinstance(text, str) and text.startswith(EVENT_PREFIX):
                    updates += 1
                    stats.live = updates >= 2
    except Exception as exc:
        stats.error = repr(exc)[:200]
        return
    try:
        while (left := stop[0] - time.time()) > 0:
            text = await asyncio.wait_for(ws.recv(), left)
            now = time.time()
            if text == "2":
                await ws.send("3")
                continue
            if not isinstance(text, str) or not text.startswith(EVENT_PREFIX):
                continue
            if not window or not window[0] <= now <= window[1]:
                continue
            stats.frames += 1
            stats.frame_bytes.append(len(text.encode()))
            if sample and marker in text:
                stats.samples.append((now, key, _price_of(text, key)))
    except TimeoutError:
        pass
    except Exception as exc:
        stats.error = repr(exc)[:200]
    finally:
        await ws.close()


def _price_of(text: str, key: str) -> str:
    """The price in the first quote row of `key` in a frame: rows are "price|change|..."
    strings keyed by the symbol (stockapp/state/views.py), on every page that shows them."""
    marker = f'"{key}":"'
    at = text.find(marker)
    if at < 0:
        return ""
    start = at + len(marker)
    end = min((i for i in (text.find("|", start), text.find('"', start)) if i >= 0), default=-1)
    return text[start:end] if end > start else ""
