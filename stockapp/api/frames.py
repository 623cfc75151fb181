"""Pre-encoded /ws frames: each changed quote is serialised once per tick, not per socket.

The cache holds the ASGI message itself (`{"type": "websocket.send", "text": ...}`), so every
subscriber of a (symbol, tick) hands the server the same object: no encoding and no message
dict per socket.
"""

from __future__ import annotations

from typing import Any

import orjson

from stockapp.market.models import Key, Quote, iso_ms

Message = dict[str, Any]


def encode(obj: dict[str, Any]) -> str:
    return orjson.dumps(obj).decode()


def price_update_frame(q: Quote) -> str:
    return encode(
        {
            "type": "price_update",
            "symbol": q.symbol,
            "market": q.market,
            "current_price": q.current_price,
            "change": round(q.change, 2),
            "change_percent": q.change_percent,
            "volume": q.volume,
            "timestamp": iso_ms(q.timestamp),
            "stale": q.stale,
        }
    )


def text_message(text: str) -> Message:
    return {"type": "websocket.send", "text": text}


class FrameCache:
    """Latest price_update message per key. The first socket to send a new quote encodes
    it; every other socket reuses the same message (quotes are new objects each tick, so
    identity tells a fresh quote from a cached one). Messages are shared: never mutate one."""

    def __init__(self) -> None:
        self._frames: dict[Key, tuple[Quote, Message]] = {}

    def message(self, q: Quote) -> Message:
        hit = self._frames.get(q.key)
        if hit is not None and hit[0] is q:
            return hit[1]
        message = text_message(price_update_frame(q))
        self._frames[q.key] = (q, message)
        return message

    def frame(self, q: Quote) -> str:
        return self.message(q)["text"]


frame_cache = FrameCache()
