"""State of the Orders page: the user's paper order book, kept current by order updates
(fills appear without a reload), with modify and cancel for open orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import reflex as rx

from stockapp import formatting as fmt
from stockapp.services import paper
from stockapp.state.auth import current_user_id
from stockapp.state.order_ticket import ORDER_TYPES, PRODUCTS, parse_price
from stockapp.state.order_updates import on_order_update

STATUSES = ("open", "executed", "cancelled", "rejected")
EDIT_VARS = {"e_qty": "quantity", "e_price": "price", "e_trigger": "trigger_price"}


def _price(value: float | None) -> str:
    return fmt.inr(value) if value is not None else ""


def order_row(o: paper.OrderData) -> dict[str, str]:
    """What an order card shows, as display strings."""
    prices = []
    if o.price is not None:
        prices.append(f"limit {_price(o.price)}")
    if o.trigger_price is not None:
        prices.append(f"trigger {_price(o.trigger_price)}")
    if o.stop_trigger_price is not None:
        prices.append(f"stop {_price(o.stop_trigger_price)} → {_price(o.stop_price)}")
    editable = o.status == "open" and not (
        o.order_type == "market" or (o.triggered and o.order_type == "sl_m")
    )
    return {
        "id": str(o.id),
        "symbol": o.symbol,
        "market": "BSE" if o.market == "india_bse" else "NSE",
        "side": o.side,
        "type": ORDER_TYPES.get(o.order_type, o.order_type),
        "order_type": o.order_type,
        "product": PRODUCTS.get(o.product, o.product),
        "qty": str(o.quantity),
        "prices": " · ".join(prices) or "at market",
        "status": o.status,
        "triggered": "triggered" if o.triggered else "",
        "reason": o.reason,
        "fill": _price(o.fill_price),
        "placed": fmt.ist_time(o.placed_at),
        "filled": fmt.ist_time(o.filled_at) if o.filled_at else "",
        "editable": "1" if editable else "",
        "price": "" if o.price is None else f"{o.price:.2f}",
        "trigger_price": "" if o.trigger_price is None else f"{o.trigger_price:.2f}",
    }


class OrdersState(rx.State):
    loaded: bool = False
    tab: str = "open"
    orders: dict[str, list[dict[str, str]]] = {s: [] for s in STATUSES}
    counts: dict[str, int] = {s: 0 for s in STATUSES}
    error: str = ""
    # the modify dialog
    edit_id: str = ""
    e_qty: str = ""
    e_price: str = ""
    e_trigger: str = ""
    e_type: str = ""
    edit_error: str = ""

    async def _reload(self, uid: int) -> None:
        rows = [order_row(o) for o in await paper.orders(uid)]
        grouped: dict[str, list[dict[str, str]]] = {s: [] for s in STATUSES}
        for row in rows:
            grouped.setdefault(row["status"], []).append(row)
        self.orders = grouped
        self.counts = {s: len(v) for s, v in grouped.items()}
        self.loaded = True

    @rx.event
    async def load(self):
        self.error, self.edit_id = "", ""
        uid = await current_user_id(self)
        if uid is None:
            self.orders, self.loaded = {s: [] for s in STATUSES}, False
            return
        await self._reload(uid)

    @rx.event
    def set_tab(self, value: str):
        if value in STATUSES:
            self.tab = value

    @rx.event
    async def cancel(self, order_id: str):
        uid = await current_user_id(self)
        if uid is None or not order_id.isdigit():
            return
        try:
            await paper.cancel(uid, int(order_id))
        except (paper.NotFound, paper.Conflict) as exc:
            self.error = str(exc)
        else:
            self.error = ""
        await self._reload(uid)

    # -- modify ----------------------------------------------------------------------------
    @rx.event
    def start_edit(self, order_id: str):
        row = next((r for r in self.orders["open"] if r["id"] == order_id), None)
        if row is None or not row["editable"]:
            return
        self.edit_id, self.e_type, self.edit_error = order_id, row["order_type"], ""
        self.e_qty, self.e_price, self.e_trigger = row["qty"], row["price"], row["trigger_price"]

    @rx.event
    def set_edit_open(self, value: bool):
        if not value:
            self.edit_id = ""

    @rx.event
    def set_edit(self, var: str, value: str):
        if var in EDIT_VARS:
            setattr(self, var, str(value)[:20])

    def _changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        qty = self.e_qty.strip()
        if not qty.isdigit() or int(qty) <= 0:
            raise ValueError("quantity must be a whole number greater than zero")
        changes["quantity"] = int(qty)
        for var in ("e_price", "e_trigger"):
            value: Decimal | None = parse_price(getattr(self, var))
            if value is not None:
                changes[EDIT_VARS[var]] = value
        return changes

    @rx.event
    async def save_edit(self):
        uid = await current_user_id(self)
        if uid is None or not self.edit_id.isdigit():
            return
        try:
            await paper.modify(uid, int(self.edit_id), self._changes())
        except (paper.NotFound, paper.Conflict, ValueError) as exc:
            self.edit_error = str(exc)
            return
        self.edit_id, self.edit_error = "", ""
        await self._reload(uid)

    @rx.event
    def submit_edit(self, form: dict):
        """Enter in a field or Save: the values as the browser has them."""
        for var in EDIT_VARS:
            if var in form:
                setattr(self, var, str(form[var])[:20])
        return OrdersState.save_edit


@on_order_update
async def _refresh(root: rx.State, user_id: int, _order: dict[str, Any]) -> None:
    """An order of this tab's user changed (on any worker): show it at once."""
    state = await root.get_state(OrdersState)
    if state.loaded:
        await state._reload(user_id)
