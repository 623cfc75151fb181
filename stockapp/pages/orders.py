"""Orders: the paper order book (open, executed, cancelled, rejected with the reason), with
modify and cancel for open orders; fills appear as they happen. Cards, not a wide table,
so the book reads the same on a phone. The state is in orders_state.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.layout import page_layout
from stockapp.components.trade_form import labelled
from stockapp.pages.orders_state import STATUSES, OrdersState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState

S = OrdersState
TAB_LABELS = {s: s.capitalize() for s in STATUSES}
EMPTY = {
    "open": "No open orders. Use Trade on the Watchlist, Analysis, Options or Portfolio.",
    "executed": "Nothing filled yet.",
    "cancelled": "No cancelled orders.",
    "rejected": "No rejected orders.",
}


def order_actions(o: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            o["editable"] != "",
            rx.button(
                "Modify",
                size="1",
                variant="soft",
                on_click=S.start_edit(o["id"]),
                aria_label="Modify order " + o["id"],
            ),
        ),
        rx.button(
            "Cancel order",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=S.cancel(o["id"]),
            aria_label="Cancel order " + o["id"],
        ),
        spacing="2",
    )


def order_card(o: rx.Var) -> rx.Component:
    side_color = rx.cond(o["side"] == "buy", "green", "red")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(o["side"].upper(), color_scheme=side_color),
                rx.link(o["symbol"], href="/analysis/" + o["symbol"], weight="bold"),
                rx.text(o["market"], size="1", color="var(--gray-11)"),
                rx.spacer(),
                rx.text("#", o["id"], size="1", color="var(--gray-11)"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                "Qty ", o["qty"], " · ", o["type"], " · ", o["product"], size="2", class_name="num"
            ),
            rx.text(o["prices"], size="2", class_name="num"),
            rx.cond(o["triggered"] != "", rx.badge("Triggered", color_scheme="amber")),
            rx.cond(
                o["fill"] != "",
                rx.text("Filled at ", o["fill"], " · ", o["filled"], size="2", class_name="num"),
            ),
            rx.cond(
                o["reason"] != "",
                rx.text(o["reason"], size="2", color="var(--red-11)", class_name="order-reason"),
            ),
            rx.text("Placed ", o["placed"], size="1", color="var(--gray-11)"),
            rx.cond(o["status"] == "open", order_actions(o)),
            spacing="1",
            width="100%",
        ),
        class_name="order-card",
        id="order-" + o["id"],
        width="100%",
    )


def order_list(status: str) -> rx.Component:
    return rx.cond(
        S.counts[status] > 0,
        rx.grid(
            rx.foreach(S.orders[status], order_card),
            columns=rx.breakpoints(initial="1", md="2", lg="3"),
            gap="10px",
            width="100%",
            id=f"orders-{status}",
        ),
        rx.text(EMPTY[status], size="2", id=f"orders-{status}-empty"),
    )


def order_tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            *[
                rx.tabs.trigger(
                    TAB_LABELS[s], " (", S.counts[s].to_string(), ")", value=s, id=f"tab-{s}"
                )
                for s in STATUSES
            ],
            class_name="order-tabs",
        ),
        *[rx.tabs.content(order_list(s), value=s, padding_top="12px") for s in STATUSES],
        value=S.tab,
        on_change=S.set_tab,
        width="100%",
    )


def _edit_input(var: str, label: str) -> rx.Component:
    return labelled(
        label,
        rx.input(
            value=getattr(S, var),
            on_change=lambda v: S.set_edit(var, v),
            name=var,
            aria_label=label,
            input_mode="decimal",
            id=f"edit-{var[2:]}",
            width="100%",
        ),
    )


def edit_dialog() -> rx.Component:
    takes_price = rx.Var.create(["limit", "sl", "gtt", "gtt_oco"]).contains(S.e_type)
    takes_trigger = rx.Var.create(["sl", "sl_m", "gtt", "gtt_oco"]).contains(S.e_type)
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Modify order #", S.edit_id),
            rx.dialog.description("The changed order is checked again as if new.", size="2"),
            rx.form(
                rx.vstack(
                    _edit_input("e_qty", "Quantity (shares)"),
                    rx.cond(takes_price, _edit_input("e_price", "Limit price (₹)")),
                    rx.cond(takes_trigger, _edit_input("e_trigger", "Trigger price (₹)")),
                    rx.cond(
                        S.edit_error != "",
                        rx.text(S.edit_error, size="1", color="var(--red-11)", id="edit-error"),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Close", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save changes", type="submit", id="edit-save"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    padding_top="8px",
                ),
                on_submit=S.submit_edit,
                reset_on_submit=False,
            ),
            max_width="420px",
        ),
        open=S.edit_id != "",
        on_open_change=S.set_edit_open,
    )


def page() -> rx.Component:
    return page_layout(
        "Orders",
        rx.vstack(
            rx.text(
                "Paper orders: virtual money on live prices. Fills land in Portfolio's Paper view.",
                size="2",
                color="var(--gray-11)",
            ),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red")),
            rx.cond(S.loaded, order_tabs(), rx.spinner()),
            edit_dialog(),
            spacing="3",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.require_login, ShellState.load, OrdersState.load]
