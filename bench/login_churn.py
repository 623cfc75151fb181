"""Many page log-ins against one long-running server, as a day of users (or a full test
run) makes them: each log-in is a fresh browser tab on Reflex's event socket that loads
/login, submits the form and waits for its token, then leaves (some tabs politely, some by
dropping the connection). Prints the median and worst log-in time per batch and how many
log-ins never completed; a server that builds something up per tab shows it as batches
that slow down or fail.

    .venv/bin/python bench/login_churn.py [--logins 600] [--batch 50] [--concurrency 4]
        [--url http://127.0.0.1:PORT]   # an already running server; else one is started

Writes bench/results/login_churn.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from pathlib import Path

import httpx
import orjson
import websockets

from bench.reflex_client import ROOT_STATE, TOKEN_VAR, hydrate_packet

AUTH_STATE = f"{ROOT_STATE}.stockapp___state___auth____auth_state"
PASSWORD = "churn password 1"


def event_packet(name: str, payload: dict, path: str) -> str:
    event = {
        "name": name,
        "payload": payload,
        "router_data": {"pathname": path, "asPath": path, "query": {}},
    }
    return '42/_event,["event",' + orjson.dumps(event).decode() + "]"


async def ui_login(base: str, username: str, drop: bool, wait: float = 15.0) -> float | None:
    """Seconds from submitting the log-in form to the token arriving, or None."""
    ws_url = base.replace("http", "ws", 1)
    url = f"{ws_url}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
    ws = await websockets.connect(url, subprotocols=["0.10.1"], open_timeout=wait)  # type: ignore[list-item]
    try:
        await asyncio.wait_for(ws.recv(), wait)  # engine.io open
        await ws.send(hydrate_packet("", "/login"))
        async with asyncio.timeout(wait):
            while not str(await ws.recv()).startswith("42/_event"):
                pass
        form = {"username": username, "password": PASSWORD}
        await ws.send(event_packet(f"{AUTH_STATE}.login", {"form": form}, "/login"))
        sent = time.monotonic()
        try:
            async with asyncio.timeout(wait):
                while True:
                    text = await ws.recv()
                    if text == "2":
                        await ws.send("3")
                    elif isinstance(text, str) and '"token_rx_state_":"ey' in text:
                        break
                jwt = text.split('"token_rx_state_":"', 1)[1].split('"', 1)[0]
                # the redirect: the landing page loads (its on_load tracks live prices)
                await ws.send(
                    event_packet(f"{ROOT_STATE}.hydrate_and_load", {"vars": {TOKEN_VAR: jwt}}, "/")
                )
                while True:
                    text = await ws.recv()
                    if text == "2":
                        await ws.send("3")
                    elif isinstance(text, str) and f'"username_rx_state_":"{username}"' in text:
                        return time.monotonic() - sent
        except TimeoutError:
            return None
    finally:
        if drop:
            ws.transport.abort()  # the tab is closed without a goodbye
        else:
            await ws.close()


async def churn(base: str, logins: int, batch: int, concurrency: int) -> dict:
    username = f"churn_{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/api/v1/auth/register", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.text
    gate = asyncio.Semaphore(concurrency)
    batches = []

    async def one(i: int) -> float | None:
        async with gate:
            try:
                return await ui_login(base, username, drop=i % 2 == 1)
            except (OSError, websockets.WebSocketException, TimeoutError):
                return None

    for start in range(0, logins, batch):
        took = await asyncio.gather(*(one(i) for i in range(start, min(logins, start + batch))))
        done = [t for t in took if t is not None]
        row = {
            "first": start,
            "completed": len(done),
            "failed": len(took) - len(done),
            "median_s": round(statistics.median(done), 3) if done else None,
            "worst_s": round(max(done), 3) if done else None,
        }
        batches.append(row)
        print(json.dumps(row), flush=True)
    return {"logins": logins, "batch": batch, "concurrency": concurrency, "batches": batches}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=600)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    if args.url:
        result = asyncio.run(churn(args.url, args.logins, args.batch, args.concurrency))
    else:
        from bench.common import BenchServer

        with BenchServer(frontend=False, tick=0.5) as server:
            result = asyncio.run(churn(server.url, args.logins, args.batch, args.concurrency))
    out = Path(__file__).parent / "results" / "login_churn.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
