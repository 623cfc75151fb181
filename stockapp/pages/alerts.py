"""Alerts: create price alerts, watch each one's distance to its trigger move live, and see
what fired; the state is in alerts_state.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.alert_dialog import alert_form_fields
from stockapp.components.card import error_banner, page_stack
from stockapp.components.confirm import delete_button
from stockapp.components.layout import page_layout
from stockapp.components.price import flash_price
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_table
from stockapp.pages.alerts_state import AlertsState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState

# -- components -----------------------------------------------------------------------------
S = AlertsState


def symbol_box() -> rx.Component:
    return instrument_picker(S, "alert")


def create_card() -> rx.Component:
    return rx.card(
        page_stack(
            rx.heading("New alert", size="3"),
            symbol_box(),
            rx.box(alert_form_fields(S), width="100%", id="alert-form"),
            rx.button("Create alert", on_click=S.create, id="alert-create", width="100%"),
            rx.cond(S.notice != "", rx.text(S.notice, size="2", color="var(--green-11)")),
        ),
        width="100%",
        max_width="360px",
        class_name="combo-host",
    )


def alert_row(a: rx.Var) -> rx.Component:
    d = S.dist[a["id"]]
    num = {"text_align": "right", "class_name": "num"}
    return rx.table.row(
        rx.table.cell(rx.link(a["symbol"], href="/analysis/" + a["symbol"], weight="bold")),
        rx.table.cell(a["cond"]),
        rx.table.cell(a["value"], **num),
        rx.table.cell(
            rx.cond(S.quotes.contains(a["k"]), flash_price(S.quotes[a["k"]]), rx.text("—")),
            **num,
        ),
        rx.table.cell(rx.cond(a["active"] == "1", rx.text(d["abs"], " ", d["pct"]), "—"), **num),
        rx.table.cell(a["repeat"]),
        rx.table.cell(
            rx.badge(
                a["status"],
                color_scheme=rx.match(
                    a["status"], ("Active", "green"), ("Triggered", "gray"), "amber"
                ),
            )
        ),
        rx.table.cell(delete_button(S.delete(a["id"]), "Delete alert " + a["id"])),
        id="alert-" + a["id"],
    )


def alerts_table() -> rx.Component:
    head = rx.table.column_header_cell
    return scroll_table(
        rx.table.row(
            head("Symbol"),
            head("Condition"),
            head("Trigger", text_align="right"),
            head("LTP", text_align="right"),
            head("Distance ₹ / %", text_align="right"),
            head("Mode"),
            head("Status"),
            head(""),
        ),
        rx.foreach(S.alerts, alert_row),
        "alerts-table",
    )


def events_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Triggered", size="3"),
        rx.cond(
            S.events.length() > 0,
            rx.vstack(
                rx.foreach(
                    S.events,
                    lambda e: rx.hstack(
                        rx.icon("bell-ring", size=14),
                        rx.text(e["message"], size="2"),
                        rx.spacer(),
                        rx.cond(e["hook"] != "", rx.badge("webhook " + e["hook"], size="1")),
                        rx.text(e["at"], size="1", color="var(--gray-11)", class_name="num"),
                        width="100%",
                        align="center",
                        class_name="alert-event",
                    ),
                ),
                width="100%",
                id="alert-events",
            ),
            rx.text("Nothing has fired yet.", size="2", color="var(--gray-11)"),
        ),
        width="100%",
    )


def webhook_box() -> rx.Component:
    return rx.hstack(
        rx.input(
            value=S.webhook_url,
            on_change=S.set_webhook_url,
            placeholder="https://example.com/hook (optional: receives each fired alert as JSON)",
            width="100%",
            id="webhook-url",
        ),
        rx.button("Save webhook", variant="soft", on_click=S.save_webhook),
        width="100%",
        max_width="640px",
    )


def page() -> rx.Component:
    return page_layout(
        "Alerts",
        rx.vstack(
            error_banner(S.error),
            rx.flex(
                create_card(),
                rx.vstack(
                    rx.heading("Your alerts", size="3"),
                    rx.cond(
                        ~S.loaded,
                        rx.spinner(),
                        rx.cond(
                            S.alerts.length() > 0,
                            alerts_table(),
                            rx.text(
                                "No alerts yet. Pick a symbol and a condition to get notified "
                                "here, in every open tab, and at your webhook.",
                                size="2",
                                id="alerts-empty",
                            ),
                        ),
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
                direction={"initial": "column", "md": "row"},
            ),
            events_list(),
            webhook_box(),
            spacing="4",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.require_login, ShellState.load, AlertsState.load]
