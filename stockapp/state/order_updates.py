"""Paper order updates in the owner's open tabs: a toast on each fill and rejection, and the
pages that show orders (Orders, Portfolio's Paper view) refreshed in the same push.

Updates reach every worker through the hub's broadcast channel (`services.paper.on_update`,
the path alert toasts take); each worker pushes to the tabs it holds with `toasts.push_to_user`,
which checks again, under the tab's lock, that the tab still belongs to the order's owner.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from stockapp import formatting as fmt
from stockapp.services import paper
from stockapp.state import toasts

# hook(root_state, user_id, order): refresh a page's view of the user's orders
OrderHook = Callable[[rx.State, int, dict[str, Any]], Awaitable[None]]
_hooks: list[OrderHook] = []


def on_order_update(hook: OrderHook) -> OrderHook:
    """Register `hook`, run in each of the owner's tabs for every order update."""
    _hooks.append(hook)
    return hook


def toast_for(order: dict[str, Any], fill: dict[str, Any] | None) -> dict[str, str] | None:
    """The toast an update deserves: fills and rejections; None for the rest."""
    side = str(order.get("side", "")).capitalize()
    what = f"{side} {order.get('quantity')} {order.get('symbol')}"
    stamp = str(int(time.time() * 1000))
    if fill is not None:
        price = fmt.inr(float(fill.get("price", 0)))
        charges = fmt.inr(float(fill.get("charges", 0)))
        return {
            "id": f"paper-fill-{fill.get('id')}",
            "level": "success",
            "title": f"Paper order filled: {what} at {price}",
            "description": f"Order #{order.get('id')} · charges {charges}",
            "ts": stamp,
        }
    if order.get("status") == "rejected":
        return {
            "id": f"paper-rejected-{order.get('id')}",
            "level": "error",
            "title": f"Paper order rejected: {what}",
            "description": str(order.get("reason", ""))[:200],
            "ts": stamp,
        }
    return None


async def _deliver(user_id: int, order: dict[str, Any], fill: dict[str, Any] | None) -> None:
    payload = toast_for(order, fill)

    async def apply(root: rx.State) -> None:
        if payload is not None:
            await toasts.show_toast(root, payload)
        for hook in _hooks:
            await hook(root, user_id, order)

    await toasts.push_to_user(user_id, apply)


paper.on_update(_deliver)
