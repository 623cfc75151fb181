"""The paper order ticket: one dialog per page (the layout places it), opened by a Trade
button on any row that names an instrument (Watchlist, Analysis, Options chain, Portfolio).

Keyboard: the quantity field has focus when it opens, Enter in any field places the order
(the fields are a form whose submit is Place), Esc closes. A field the server refused shows
the reason under it.
"""

from __future__ import annotations

import reflex as rx

from stockapp.components.trade_form import labelled
from stockapp.market.models import DEFAULT_MARKET
from stockapp.state.order_ticket import ORDER_TYPES, PRODUCTS, OrderTicketState

S = OrderTicketState


def market_of(exchange: rx.Var) -> rx.Var:
    """A row's exchange label ("NSE", "BSE") as the market id the ticket takes."""
    return rx.cond(exchange == "BSE", "india_bse", DEFAULT_MARKET)


def trade_button(
    symbol: str | rx.Var,
    market: str | rx.Var = DEFAULT_MARKET,
    side: str = "buy",
    label: str = "Trade",
) -> rx.Component:
    """A small button that opens the ticket for `symbol` (named for screen readers)."""
    return rx.button(
        label,
        size="1",
        variant="soft",
        color_scheme="red" if side == "sell" else "green",
        on_click=S.open_for(symbol, market, side),
        aria_label=f"{label} " + symbol,
        class_name="trade-button",
    )


def option_trade_button(
    underlying: rx.Var, expiry: rx.Var, strike: rx.Var, right: str
) -> rx.Component:
    """Opens the ticket for an option chain row's call (CE) or put (PE)."""
    return rx.button(
        "Trade",
        size="1",
        variant="soft",
        on_click=S.open_option(underlying, expiry, strike, right),
        aria_label=f"Trade the {'call' if right == 'CE' else 'put'} at strike " + strike,
        class_name="trade-button",
    )


def _error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(
            S.errors[name], size="1", color="var(--red-11)", id=f"ticket-error-{name or 'all'}"
        ),
    )


def _input(name: str, label: str | rx.Var, **props) -> rx.Component:
    return rx.vstack(
        labelled(
            label,
            rx.input(
                value=getattr(S, name),
                on_change=lambda v: S.set_field(name, v),
                name=name,
                aria_label=label,
                id=f"ticket-{name.replace('_', '-')}",
                aria_invalid=rx.cond(S.errors.contains(name), "true", "false"),
                width="100%",
                **props,
            ),
        ),
        _error(name),
        spacing="1",
        width="100%",
    )


def _select(value: rx.Var, on_change, items: dict[str, str], element_id: str, label: str):
    return labelled(
        label,
        rx.select.root(
            rx.select.trigger(id=element_id, aria_label=label, width="100%"),
            rx.select.content(*[rx.select.item(text, value=v) for v, text in items.items()]),
            value=value,
            on_change=on_change,
        ),
    )


def _header() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            rx.segmented_control.item("Buy", value="buy"),
            rx.segmented_control.item("Sell", value="sell"),
            value=S.side,
            on_change=S.set_side,
            id="ticket-side",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text("LTP", size="1", color="var(--gray-11)"),
            rx.text(S.ltp, weight="bold", class_name="num", id="ticket-ltp"),
            spacing="0",
            align="end",
        ),
        width="100%",
        align="center",
    )


def _fields() -> rx.Component:
    qty_label = rx.cond(
        S.lot_size > 1, "Lots (1 lot = " + S.lot_size.to_string() + ")", "Quantity (shares)"
    )
    return rx.grid(
        _select(S.order_type, S.set_order_type, ORDER_TYPES, "ticket-type", "Order type"),
        _select(S.product, S.set_product, PRODUCTS, "ticket-product", "Product"),
        _input("qty", qty_label, input_mode="numeric", auto_focus=True),
        rx.cond(
            S.needs_price,
            _input(
                "price",
                rx.cond(S.order_type == "gtt_oco", "Target price (₹)", "Limit price (₹)"),
                input_mode="decimal",
            ),
        ),
        rx.cond(
            S.needs_trigger,
            _input(
                "trigger",
                rx.cond(S.order_type == "gtt_oco", "Target trigger (₹)", "Trigger price (₹)"),
                input_mode="decimal",
            ),
        ),
        rx.cond(
            S.order_type == "gtt_oco",
            rx.fragment(
                _input("stop_trigger", "Stop trigger (₹)", input_mode="decimal"),
                _input("stop_price", "Stop price (₹)", input_mode="decimal"),
            ),
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        gap="10px",
        width="100%",
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
        rx.button(
            rx.cond(S.side == "sell", "Place sell", "Place buy"),
            color_scheme=rx.cond(S.side == "sell", "red", "green"),
            type="submit",
            loading=S.placing,
            id="ticket-place",
        ),
        justify="end",
        spacing="2",
        width="100%",
    )


def order_ticket() -> rx.Component:
    """The ticket dialog; place once per page."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Paper order · ", rx.el.span(S.symbol, id="ticket-symbol")),
            rx.dialog.description(
                "Virtual money on live prices. ",
                rx.cond(S.available != "", "Available: " + S.available, ""),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    _header(),
                    _fields(),
                    rx.text(
                        S.validity_label, size="1", color="var(--gray-11)", id="ticket-validity"
                    ),
                    _error(""),
                    _actions(),
                    spacing="3",
                    padding_top="8px",
                    width="100%",
                ),
                on_submit=S.submit,
                reset_on_submit=False,
            ),
            max_width="480px",
            id="order-ticket",
        ),
        open=S.open,
        on_open_change=S.set_open,
        # a ticket left open does not follow the user to the next page
        on_mount=S.set_open(False),
    )
