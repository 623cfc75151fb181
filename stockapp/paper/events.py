"""Order updates for their owner, on every worker: placed, changed, cancelled, rejected,
filled.

The engines record fills on the hub leader (the live book) or on whichever worker runs a
replay, while the user's browser tabs and /ws sockets may be held by any worker. Each update
goes through the live hub's broadcast channel (the one alert toasts use: Redis pub/sub with
several workers, in-process with one) and every worker hands it to its local listeners:
the app's toasts and Orders page, and /ws's `order_update` messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from stockapp.market.models import iso_ms
from stockapp.paper.engine import PaperEngine
from stockapp.paper.store import FillData, OrderData
from stockapp.runtime import Runtime, on_start, runtime

log = logging.getLogger("stockapp.paper")

TOPIC = "paper-order"
# listener(user_id, order, fill or None): order as OrderData.as_dict(), fill as fill_dict()
Listener = Callable[[int, dict[str, Any], dict[str, Any] | None], Awaitable[None]]
_listeners: list[Listener] = []


def on_update(listener: Listener) -> Listener:
    """Register `listener` for every order update reaching this worker."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def fill_dict(fill: FillData) -> dict[str, Any]:
    return {
        "id": fill.id,
        "quantity": fill.quantity,
        "price": float(fill.price),
        "charges": float(fill.charges),
        "filled_at": iso_ms(fill.filled_at),
    }


async def publish(user_id: int, order: OrderData, fill: FillData | None = None) -> None:
    """Tell every worker (this one included) about a change to `user_id`'s order.

    Sent from a task of its own, never awaited by the caller: the caller may be an event
    handler holding its tab's state lock, which the delivery to that same tab needs."""
    message = {
        "topic": TOPIC,
        "user_id": user_id,
        "order": order.as_dict(),
        "fill": fill_dict(fill) if fill is not None else None,
    }
    task = asyncio.ensure_future(_send(message))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


_sending: set[asyncio.Future[None]] = set()


async def _send(message: dict[str, Any]) -> None:
    hub = runtime.hub
    try:
        if hub is None:
            await _deliver(message)
        else:
            await hub.backend.broadcast(orjson.dumps(message))
    except Exception:
        log.exception("sending an order update failed")


async def _on_broadcast(payload: bytes) -> None:
    try:
        message = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return
    if isinstance(message, dict) and message.get("topic") == TOPIC:
        await _deliver(message)


async def _deliver(message: dict[str, Any]) -> None:
    try:
        user_id, order, fill = int(message["user_id"]), dict(message["order"]), message["fill"]
    except (KeyError, TypeError, ValueError):
        log.warning("ignoring a malformed order update")
        return
    for listener in tuple(_listeners):
        try:
            await listener(user_id, order, fill)
        except Exception:
            log.exception("an order update listener failed")


async def _on_fill(order: OrderData, fill: FillData) -> None:
    await publish(fill.user_id, order, fill)


@on_start
async def _listen(rt: Runtime) -> None:
    rt.require_hub().backend.on_broadcast(_on_broadcast)


PaperEngine.fill_observers.append(_on_fill)
