"""Peer Comparison: a stock beside its same-industry peers, live, with returns and a
relative-performance chart (each line rebased to 100 six months ago); the state is in
peers_state.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import page_stack
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color
from stockapp.components.quote_table import change_cell, price_cell, symbol_cell
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_table
from stockapp.pages.peers_state import PeersState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState


def row(r) -> rx.Component:
    view = PeersState.quotes[r["k"]]
    num = {"text_align": "right", "class_name": "num"}

    def ret(text):
        return rx.table.cell(rx.text(text, color=change_color(text)), **num)

    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.box(
                    width="10px",
                    height="10px",
                    border_radius="50%",
                    background=r["colour"],
                    flex_shrink="0",
                ),
                symbol_cell(r, "name"),
                align="center",
                spacing="2",
            )
        ),
        rx.table.cell(
            price_cell(view, PeersState.quotes.contains(r["k"]), dot=True), text_align="right"
        ),
        rx.table.cell(change_cell(view), **num),
        rx.table.cell(r["mcap"], **num),
        rx.table.cell(r["pe"], **num),
        ret(r["r1m"]),
        ret(r["r6m"]),
        ret(r["r1y"]),
        rx.table.cell(
            rx.cond(
                r["subject"] == "1",
                rx.badge("Subject", variant="soft"),
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=PeersState.remove_peer(r["symbol"]),
                    aria_label="Remove " + r["symbol"],
                ),
            )
        ),
        key=r["k"],
        id="peer-" + r["symbol"],
        background=rx.cond(r["subject"] == "1", "var(--accent-a2)", "transparent"),
    )


def table() -> rx.Component:
    right = {"text_align": "right"}
    return scroll_table(
        rx.table.row(
            rx.table.column_header_cell("Stock"),
            rx.table.column_header_cell("LTP", **right),
            rx.table.column_header_cell("Change %", **right),
            rx.table.column_header_cell("Market cap", **right),
            rx.table.column_header_cell("P/E", **right),
            rx.table.column_header_cell("1M", **right),
            rx.table.column_header_cell("6M", **right),
            rx.table.column_header_cell("1Y", **right),
            rx.table.column_header_cell(""),
        ),
        rx.foreach(PeersState.rows, row),
        "peers-table",
    )


def chart() -> rx.Component:
    return rx.card(
        rx.text("Relative performance, 6 months (rebased to 100)", weight="bold", size="2"),
        rx.cond(
            PeersState.loading,
            rx.hstack(rx.spinner(), rx.text("Loading price history…", size="2")),
            rx.recharts.responsive_container(
                rx.recharts.line_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke_opacity=0.3),
                    rx.recharts.x_axis(data_key="d", min_tick_gap=24, tick={"fontSize": 11}),
                    rx.recharts.y_axis(domain=["auto", "auto"], width=44, tick={"fontSize": 11}),
                    rx.recharts.tooltip(),
                    rx.recharts.reference_line(y=100, stroke="var(--gray-8)"),
                    rx.foreach(
                        PeersState.lines,
                        lambda line: rx.recharts.line(
                            data_key=line["key"],
                            name=line["name"],
                            stroke=line["colour"],
                            dot=False,
                            is_animation_active=False,
                            stroke_width=2,
                        ),
                    ),
                    data=PeersState.chart,
                ),
                width="100%",
                height=320,
            ),
        ),
        width="100%",
        id="peers-chart",
    )


def add_box() -> rx.Component:
    return rx.vstack(
        instrument_picker(PeersState, "peers"),
        rx.cond(
            PeersState.error_add != "",
            rx.text(PeersState.error_add, color="var(--red-11)", size="2"),
        ),
        width="100%",
        spacing="1",
    )


def page() -> rx.Component:
    return page_layout(
        "Peer Comparison",
        rx.cond(
            PeersState.error != "",
            rx.callout(
                PeersState.error, icon="triangle-alert", color_scheme="red", id="peers-error"
            ),
            page_stack(
                rx.hstack(
                    rx.heading(PeersState.subject, size="5", id="peers-subject"),
                    rx.text(PeersState.subject_name, color="var(--gray-11)"),
                    rx.badge(PeersState.industry, variant="soft"),
                    wrap="wrap",
                    align="center",
                ),
                add_box(),
                table(),
                chart(),
            ),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, PeersState.load]
