"""The order ticket's state: one ticket per tab, opened from any page for one instrument.

The ticket shows only the fields its order type needs, the live last price, and the lot
size of a derivative (its quantity is typed in lots). Placing goes through
`services.paper` for the logged-in user; a refusal (lot multiple, tick grid, band, funds,
unknown symbol) is shown next to the field it concerns, and the rejected order is in the
order book all the same.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import reflex as rx

from stockapp import formatting as fmt
from stockapp.market.models import DEFAULT_MARKET, MARKETS
from stockapp.services import paper
from stockapp.state import toasts
from stockapp.state.auth import current_user_id
from stockapp.state.live import LiveMixin, live

ORDER_TYPES = {
    "market": "Market",
    "limit": "Limit",
    "sl": "Stop-loss (SL)",
    "sl_m": "Stop-loss market (SL-M)",
    "gtt": "GTT",
    "gtt_oco": "GTT OCO (target + stop)",
}
PRODUCTS = {"cnc": "Delivery (CNC)", "mis": "Intraday (MIS)"}
NEEDS_PRICE = ("limit", "sl", "gtt", "gtt_oco")
NEEDS_TRIGGER = ("sl", "sl_m", "gtt", "gtt_oco")
GTT_TYPES = ("gtt", "gtt_oco")
# the ticket's price fields: state var -> the order field it fills
PRICE_VARS = {
    "price": "price",
    "trigger": "trigger_price",
    "stop_trigger": "stop_trigger_price",
    "stop_price": "stop_price",
}


def field_of(reason: str) -> str:
    """Which ticket field a refusal concerns ("" for the ticket as a whole)."""
    text = reason.lower()
    for prefix, name in (
        ("stop_trigger_price", "stop_trigger"),
        ("stop_price", "stop_price"),
        ("trigger_price", "trigger"),
        ("price", "price"),
        ("quantity", "qty"),
    ):
        if text.startswith(prefix):
            return name
    if "lot size" in text or "funds" in text or "sell at most" in text:
        return "qty"
    if "stop-loss limit" in text:
        return "price"
    if "trigger" in text:
        return "trigger"
    return ""


def parse_price(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace("₹", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("enter a number") from None
    if not value.is_finite():
        raise ValueError("enter a number")
    return value


class OrderTicketState(LiveMixin, rx.State):
    open: bool = False
    symbol: str = ""
    market: str = DEFAULT_MARKET
    side: str = "buy"
    order_type: str = "limit"
    product: str = "cnc"
    qty: str = "1"
    lot_size: int = 1
    price: str = ""
    trigger: str = ""
    stop_trigger: str = ""
    stop_price: str = ""
    ltp: str = ""
    available: str = ""
    errors: dict[str, str] = {}
    placing: bool = False

    @rx.var
    def needs_price(self) -> bool:
        return self.order_type in NEEDS_PRICE

    @rx.var
    def needs_trigger(self) -> bool:
        return self.order_type in NEEDS_TRIGGER

    @rx.var
    def validity_label(self) -> str:
        if self.order_type in GTT_TYPES:
            return "GTT: stays until triggered (up to a year)"
        return "Day: expires at 15:30 IST"

    @rx.event
    async def open_for(self, symbol: str, market: str = DEFAULT_MARKET, side: str = "buy"):
        market = market if market in MARKETS else DEFAULT_MARKET
        found = paper.tradable(str(symbol), market)
        self.errors = {}
        self.side = side if side in ("buy", "sell") else "buy"
        self.qty, self.trigger, self.stop_trigger, self.stop_price = "1", "", "", ""
        if found is None:
            self.symbol, self.lot_size, self.ltp, self.price = str(symbol)[:40], 1, "", ""
            self.errors = {"": f"{symbol} cannot be traded (an index, or unknown)"}
            self.open = True
            return
        self.symbol, self.market, self.lot_size = found.symbol, found.market, found.lot_size
        if self.order_type in GTT_TYPES:
            self.product = "cnc"
        uid = await current_user_id(self)
        price = await paper.ltp(uid or 0, found.symbol, found.market)
        self.ltp = fmt.inr(price) if price is not None else ""
        self.price = f"{price:.2f}" if price is not None else ""
        if not found.option:  # an option's price comes from its underlying's: shown at open
            live.track(self, [(found.symbol, found.market)], shell=True)
        await self._show_funds()
        self.open = True

    @rx.event
    def open_option(self, underlying: str, expiry: str, strike: str, right: str):
        """The ticket for an option chain row's call (CE) or put (PE)."""
        try:
            number = float(str(strike).replace(",", ""))
            symbol = paper.option_symbol(underlying, expiry, number, right == "CE")
        except ValueError:
            return None
        return OrderTicketState.open_for(symbol, DEFAULT_MARKET, "buy")

    async def _show_funds(self) -> None:
        uid = await current_user_id(self)
        if uid is None:
            self.available = ""
            return
        money = await paper.funds(uid)
        self.available = fmt.inr(float(money.available))

    def _apply_live(self, snapshot, changed) -> None:
        quote = changed.get((self.symbol, self.market))
        if quote is not None:
            self.ltp = fmt.inr(quote.current_price)

    @rx.event
    def set_open(self, value: bool):
        self.open = bool(value)
        if not self.open:
            live.untrack(self)

    @rx.event
    def set_side(self, value: str | list[str]):
        if isinstance(value, str) and value in ("buy", "sell"):
            self.side = value

    @rx.event
    def set_order_type(self, value: str):
        if value in ORDER_TYPES:
            self.order_type = value
            if value in GTT_TYPES:
                self.product = "cnc"  # GTT orders are for delivery
            self.errors = {}

    @rx.event
    def set_product(self, value: str | list[str]):
        if isinstance(value, str) and value in PRODUCTS:
            self.product = value

    @rx.event
    def set_field(self, name: str, value: str):
        if name in PRICE_VARS or name == "qty":
            setattr(self, name, str(value)[:20])
            if name in self.errors:
                self.errors = {k: v for k, v in self.errors.items() if k != name}

    @rx.event
    def submit(self, form: dict):
        """The ticket's form submitted (Enter in a field, or Place): the values as the
        browser has them, which may be ahead of the last `set_field`."""
        if self.placing:
            return None
        for name in ("qty", *PRICE_VARS):
            if name in form:
                setattr(self, name, str(form[name])[:20])
        return OrderTicketState.place

    def _fields(self) -> dict:
        errors: dict[str, str] = {}
        values: dict[str, Decimal | None] = {}
        used = {"price"} if self.order_type in NEEDS_PRICE else set()
        if self.order_type in NEEDS_TRIGGER:
            used.add("trigger")
        if self.order_type == "gtt_oco":
            used |= {"stop_trigger", "stop_price"}
        for var in used:
            try:
                values[PRICE_VARS[var]] = parse_price(getattr(self, var))
            except ValueError as exc:
                errors[var] = str(exc)
        count = self.qty.strip()
        if not count.isdigit() or int(count) <= 0:
            errors["qty"] = "enter a whole number of " + ("lots" if self.lot_size > 1 else "shares")
        if errors:
            raise _FormErrors(errors)
        return {
            "symbol": self.symbol,
            "market": self.market,
            "side": self.side,
            "quantity": int(count) * self.lot_size,
            "order_type": self.order_type,
            "product": self.product,
            "validity": "gtt" if self.order_type in GTT_TYPES else "day",
            **values,
        }

    @rx.event
    async def place(self):
        uid = await current_user_id(self)
        if uid is None:
            self.errors = {"": "Log in to place paper orders"}
            return
        try:
            fields = self._fields()
        except _FormErrors as exc:
            self.errors = exc.errors
            return
        self.placing = True
        yield
        try:
            order = await paper.place(uid, fields)
        except paper.OrderRejected as exc:
            self.errors = {field_of(str(exc)): str(exc)}
            return
        finally:
            self.placing = False
        if order.status == "rejected":
            self.errors = {field_of(order.reason): order.reason}
            return
        self.errors, self.open = {}, False
        live.untrack(self)
        what = f"{order.side.capitalize()} {order.quantity} {order.symbol}"
        kind = ORDER_TYPES.get(order.order_type, order.order_type)
        await toasts.confirm(self, f"Paper order placed: {what}", f"{kind} · order #{order.id}")


class _FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid fields")
        self.errors = errors
