"""Pre-encoded /ws frames: each changed quote is serialised once per tick, not per socket."""

from __future__ import annotations

from typing import Any

import orjson

from stockapp.market.models import Key, Quote, iso_ms


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


class FrameCache:
    """Latest encoded price_update per key. The first socket to send a new quote encodes
    it; every other socket reuses the text (quotes are new objects each tick, so identity
    tells a fresh quote from a cached one)."""

    def __init__(self) -> None:
        self._frames: dict[Key, tuple[Quote, str]] = {}

    def frame(self, q: Quote) -> str:
        hit = self._frames.get(q.key)
        if hit is not None and hit[0] is q:
            return hit[1]
        text = price_update_frame(q)
        self._frames[q.key] = (q, text)
        return text


frame_cache = FrameCache()
