"""Small helpers for talking to /ws in tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus


async def recv_json(ws, seconds: float = 5.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), seconds))


async def recv_until(ws, pred, seconds: float = 6.0) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            msg = json.loads(await ws.recv())
            if pred(msg):
                return msg


async def close_code(ws, seconds: float = 6.0) -> int:
    """Read until the server closes; its close code (1006 without a close frame)."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await ws.recv()
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else 1006
    except TimeoutError:
        return -1  # still open


async def refused(url: str, **kwargs: Any) -> str:
    """How a handshake was refused: "403" (HTTP), "1008" (close after accept), or "open" when
    the server kept the socket open."""
    try:
        async with websockets.connect(url, open_timeout=5, **kwargs) as ws:
            await ws.send('{"action":"ping"}')
            code = await close_code(ws, seconds=3)
            return "open" if code == -1 else str(code)
    except InvalidStatus as exc:
        return str(exc.response.status_code)
