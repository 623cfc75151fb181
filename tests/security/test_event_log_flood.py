"""Unknown events on Reflex's `/_event` socket (here from a socket that never hydrated or
logged in) are logged as one short line each, rate-limited per socket, never as a
traceback carrying the request's headers and payload."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import websockets

from tests.e2e.conftest import AppServer

FLOOD = 200


async def flood(server: AppServer, n: int) -> None:
    url = f"ws://127.0.0.1:{server.port}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
    async with websockets.connect(url, origin=server.url) as ws:
        await ws.recv()  # engine.io open
        await ws.send("40/_event,")
        await asyncio.wait_for(ws.recv(), 5)  # namespace joined
        for i in range(n):
            event = {
                "name": f"made_up_state.no_such_handler_{i % 7}",
                "payload": {"padding": "p" * 200},
                "router_data": {"pathname": "/", "asPath": "/"},
            }
            await ws.send("42/_event," + json.dumps(["event", event]))
        await asyncio.sleep(1.5)  # let the server process them


def test_unknown_events_do_not_flood_the_log(app_server):
    before = app_server.log.stat().st_size
    asyncio.run(flood(app_server, FLOOD))
    time.sleep(1.0)
    with app_server.log.open("rb") as f:
        f.seek(before)
        added = f.read().decode(errors="replace")
    assert "Traceback" not in added, added[:2000]
    assert "p" * 200 not in added, "the event payload was logged"
    assert "user-agent" not in added.lower() and "sec_websocket_key" not in added.lower()
    lines = [line for line in added.splitlines() if "no_such_handler" in line]
    assert 1 <= len(lines) <= 10, f"{len(lines)} lines for {FLOOD} unknown events:\n{added}"
    assert len(added.encode()) < 4096, f"{len(added.encode())} bytes of log for {FLOOD} events"
