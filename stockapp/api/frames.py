"""/ws price frames, taken from the market snapshot the hub publishes.

A price_update frame is a per-key view of the `MarketSnapshot` (`snapshot.per_key`): it is
encoded once per distinct quote for the whole process, however many sockets send it, and
it is the ASGI message itself (`{"type": "websocket.send", "text": ...}`), so every
subscriber of a (symbol, tick) hands the server the same object: no encoding and no message
dict per socket. A replay has its own hub, hence its own snapshots and frames.
"""

from __future__ import annotations

from typing import Any

import orjson

from stockapp.market.models import Key, Quote, iso_ms
from stockapp.market.snapshot import MarketSnapshot

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


def _price_message(q: Quote, _direction: int) -> Message:
    return text_message(price_update_frame(q))


def price_message(snapshot: MarketSnapshot, key: Key, q: Quote) -> tuple[Quote, Message]:
    """The quote to send for `key` (the snapshot's, unless `q` is newer) and its shared
    message. Messages are shared between sockets: never mutate one."""
    current = snapshot.get(key)
    if current is q or (current is not None and current.timestamp >= q.timestamp):
        message = snapshot.per_key(_price_message, key)
        if message is not None:
            return current, message  # type: ignore[return-value]
    return q, _price_message(q, 0)  # a quote the snapshot has not caught up with (rare)
