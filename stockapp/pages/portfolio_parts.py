"""Portfolio page parts that change least often: allocation and value charts, trade history."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import error_banner, section_card
from stockapp.components.confirm import confirm_delete, delete_button
from stockapp.components.table import scroll_table
from stockapp.pages.portfolio_state import PortfolioState as S

NUM = {"text_align": "right", "class_name": "num"}


def fill_cells(rows: rx.Var) -> rx.Component:
    """One chart cell per row, coloured by the row's "fill"."""
    return rx.foreach(rows, lambda r: rx.recharts.cell(fill=r["fill"]))


# -- charts ---------------------------------------------------------------------------------
def allocation_pie() -> rx.Component:
    return section_card(
        "Allocation by sector",
        rx.recharts.pie_chart(
            rx.recharts.pie(
                fill_cells(S.sector_alloc),
                data=S.sector_alloc,
                data_key="value",
                name_key="name",
                inner_radius="45%",
                outer_radius="80%",
                is_animation_active=False,
            ),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            width="100%",
            height=280,
        ),
        id="sector-chart",
    )


def allocation_bars() -> rx.Component:
    return section_card(
        "Allocation by holding (%)",
        rx.recharts.bar_chart(
            rx.recharts.bar(
                fill_cells(S.holding_alloc),
                data_key="pct",
                name="% of value",
                is_animation_active=False,
            ),
            rx.recharts.x_axis(type_="number", unit="%"),
            rx.recharts.y_axis(data_key="name", type_="category", width=90),
            rx.recharts.graphing_tooltip(),
            data=S.holding_alloc,
            layout="vertical",
            width="100%",
            height=280,
        ),
        id="holding-chart",
    )


def value_chart() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.text("Portfolio value over the last year", weight="bold", size="3"),
            rx.cond(S.history_status == "loading", rx.spinner(size="1")),
            align="center",
        ),
        rx.match(
            S.history_status,
            (
                "ready",
                rx.recharts.composed_chart(
                    rx.recharts.area(
                        data_key="value",
                        name="Value",
                        stroke="#3e63dd",
                        fill="#3e63dd",
                        fill_opacity=0.2,
                        is_animation_active=False,
                    ),
                    rx.recharts.line(
                        data_key="invested",
                        name="Net invested",
                        stroke="#978365",
                        stroke_width=2,
                        stroke_dasharray="6 3",
                        dot=False,
                        type_="step",
                        is_animation_active=False,
                    ),
                    rx.recharts.x_axis(data_key="day", min_tick_gap=40),
                    rx.recharts.y_axis(width=80),
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", opacity=0.4),
                    rx.recharts.graphing_tooltip(),
                    rx.recharts.legend(),
                    data=S.history_points,
                    width="100%",
                    height=300,
                ),
            ),
            ("empty", rx.text("No price history covers your trades yet.", size="2")),
            ("error", rx.text("Price history is unavailable right now.", size="2")),
            rx.box(height="300px"),
        ),
        width="100%",
        id="history-chart",
    )


# -- trade history --------------------------------------------------------------------------
def trade_row(t: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(t["when"], class_name="num"),
        rx.table.cell(rx.text(t["symbol"], weight="medium"), rx.text(t["exch"], size="1")),
        rx.table.cell(
            rx.badge(t["side"], color_scheme=rx.cond(t["side"] == "buy", "green", "red"))
        ),
        rx.table.cell(t["qty"], **NUM),
        rx.table.cell(t["price"], **NUM),
        rx.table.cell(t["fees"], **NUM),
        rx.table.cell(rx.text(t["note"], size="1", truncate=True, max_width="220px")),
        rx.table.cell(
            rx.cond(
                ~S.paper_on,
                delete_button(S.ask_delete(t["id"]), "Delete trade", class_name="trade-delete"),
            )
        ),
        id="trade-" + t["id"],
    )


def trades_table() -> rx.Component:
    headers = ["Date (IST)", "Symbol", "Side", "Qty", "Price", "Fees", "Note", ""]
    return rx.card(
        rx.hstack(
            rx.text("Trade history", weight="bold", size="3"),
            rx.badge(S.trade_count, " trades", variant="soft"),
            align="center",
        ),
        rx.cond(
            S.trade_count > S.trades.length(),
            rx.text("Showing the latest ", S.trades.length(), "; export for all.", size="1"),
        ),
        error_banner(S.delete_error, id="delete-error"),
        scroll_table(
            rx.table.row(*[rx.table.column_header_cell(h) for h in headers]),
            rx.foreach(S.trades, trade_row),
            "trades-table",
        ),
        confirm_delete(
            "Delete this trade?",
            S.confirm_text,
            S.confirm_delete,
            on_cancel=S.cancel_delete,
            confirm_id="confirm-delete",
            open=S.confirm_id != "",
        ),
        width="100%",
    )
