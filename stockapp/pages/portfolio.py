"""Portfolio: live holdings and P&L on FIFO lots, allocation, value over time, trade entry,
trade history, and broker CSV import/export.

The state is in portfolio_state.py (display rows built by portfolio_views.py); the charts
and the trade history table are in portfolio_parts.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import error_banner, page_stack, section_card
from stockapp.components.layout import page_layout
from stockapp.components.list_card import card_list, list_card, table_or_cards
from stockapp.components.order_ticket import market_of, trade_button
from stockapp.components.paper_view import paper_empty, paper_funds, paper_switch
from stockapp.components.price import change_color, live_dot
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_table
from stockapp.components.trade_form import labelled, text_fields
from stockapp.pages.portfolio_parts import (
    allocation_bars,
    allocation_pie,
    trades_table,
    value_chart,
)
from stockapp.pages.portfolio_state import PortfolioState as S
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState

NUM = {"text_align": "right", "class_name": "num"}
FLASH = ("up", "num flash-up"), ("down", "num flash-down"), "num"


# -- totals ---------------------------------------------------------------------------------
def total_card(label: str, value: rx.Var, card_id: str, *, signed: bool = False, sub=None):
    color = change_color(value) if signed else "var(--gray-12)"
    lines = [
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, size="5", weight="bold", color=color, class_name="num", id=card_id),
    ]
    if sub is not None:
        lines.append(rx.text(sub, size="1", color=change_color(sub), class_name="num"))
    return rx.card(*lines, min_width="150px")


def totals() -> rx.Component:
    t = S.totals
    return rx.grid(
        total_card("Invested", t["invested"], "total-invested"),
        total_card("Current value", t["value"], "total-value"),
        total_card("Unrealized P&L", t["pnl"], "total-pnl", signed=True, sub=t["pnl_pct"]),
        total_card("Realized P&L", t["realized"], "total-realized", signed=True),
        total_card("Day P&L", t["day"], "total-day", signed=True),
        total_card("XIRR (a year)", t["xirr"], "total-xirr", signed=True),
        columns=rx.breakpoints(initial="2", sm="3", lg="6"),
        gap="10px",
        width="100%",
        id="portfolio-totals",
    )


# -- holdings -------------------------------------------------------------------------------
def flashing(text: rx.Var, direction: rx.Var, **props) -> rx.Component:
    """Text that replays the up/down flash whenever it changes (new key, new element)."""
    return rx.text(text, key=text, class_name=rx.match(direction, *FLASH), **props)


def holding_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.hstack(
                    rx.link(rx.text(r["symbol"], weight="bold"), href="/analysis/" + r["symbol"]),
                    rx.badge(r["exch"], size="1", variant="soft"),
                    trade_button(r["symbol"], market_of(r["exch"])),
                    align="center",
                    spacing="1",
                ),
                rx.text(r["name"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                spacing="0",
            )
        ),
        rx.table.cell(r["qty"], **NUM),
        rx.table.cell(r["avg"], **NUM),
        rx.table.cell(r["invested"], **NUM),
        rx.table.cell(
            rx.hstack(flashing(r["ltp"], r["d"]), live_dot(), justify="end", align="center"),
            text_align="right",
        ),
        # only the price flashes (as brokers' terminals do); the figures derived from it
        # update quietly
        rx.table.cell(r["value"], **NUM),
        rx.table.cell(
            rx.text(r["pnl"], color=change_color(r["pnl"]), class_name="num"),
            rx.text(r["pnl_pct"], size="1", color=change_color(r["pnl_pct"]), class_name="num"),
            text_align="right",
        ),
        rx.table.cell(rx.text(r["day"], color=change_color(r["day"])), **NUM),
        rx.table.cell(rx.text(r["xirr"], color=change_color(r["xirr"])), **NUM),
        id="holding-" + r["k"],
        class_name="holding-row",
    )


def holding_card(r: rx.Var) -> rx.Component:
    """A holding on a phone: symbol and LTP (the only flashing figure) on top; the price's
    day change, then quantity and unrealized P&L below."""
    return list_card(
        "pf-card-" + r["k"],
        r["symbol"],
        flashing(r["ltp"], r["d"], size="2", weight="medium"),
        rx.text(r["chg"], color=change_color(r["chg"]), class_name="num"),
        badge=rx.badge(r["exch"], size="1", variant="soft"),
        detail=rx.text(
            r["qty"],
            " sh · ",
            rx.el.span(r["pnl"], " (", r["pnl_pct"], ")", color=change_color(r["pnl"])),
            class_name="num",
        ),
        actions=trade_button(r["symbol"], market_of(r["exch"])),
    )


def holdings_table() -> rx.Component:
    headers = ["Symbol", "Qty", "Avg cost", "Invested", "LTP", "Value", "Unrealized", "Day", "XIRR"]
    table = scroll_table(
        rx.table.row(
            *[
                rx.table.column_header_cell(h, text_align="left" if i == 0 else "right")
                for i, h in enumerate(headers)
            ]
        ),
        rx.foreach(S.rows, holding_row),
        "holdings-table",
    )
    return table_or_cards(table, card_list(S.rows, holding_card, "holding-cards", "Holdings"))


# -- trade form -----------------------------------------------------------------------------
def symbol_box() -> rx.Component:
    return instrument_picker(S, "trade")


def market_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id="trade-market", aria_label="Exchange", width="100%"),
        rx.select.content(
            rx.select.item("NSE", value="india_nse"),
            rx.select.item("BSE", value="india_bse"),
        ),
        value=S.f_market,
        on_change=S.set_market,
    )


def side_control() -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("Buy", value="buy"),
        rx.segmented_control.item("Sell", value="sell"),
        value=S.f_side,
        on_change=S.set_side,
        id="trade-side",
    )


def trade_actions() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.cond(S.f_side == "sell", "Add sell", "Add buy"),
            on_click=S.add_trade,
            id="trade-submit",
        ),
        rx.cond(
            S.form_notice != "",
            rx.text(S.form_notice, size="2", color="var(--green-11)", id="trade-notice"),
        ),
        align="center",
        margin_top="10px",
        wrap="wrap",
    )


def trade_form() -> rx.Component:
    return section_card(
        "Record a trade",
        # Not a <form>: Enter in a field must not save (only Add, or Enter in the last field).
        rx.box(
            rx.grid(
                labelled("Symbol", symbol_box()),
                labelled("Exchange", market_select()),
                labelled("Side", side_control()),
                *text_fields(S, on_last_key_down=S.enter_in_last_field),
                columns=rx.breakpoints(initial="1", sm="2", md="4"),
                gap="10px",
                width="100%",
            ),
            trade_actions(),
            width="100%",
        ),
        error_banner(S.form_error, id="trade-error", size="1"),
        id="trade-form",
        class_name="combo-host",
    )


# -- import / export ------------------------------------------------------------------------
def upload_box() -> rx.Component:
    return rx.upload(
        rx.vstack(
            rx.icon("upload", size=20),
            rx.text("Drop a CSV here or click to choose one", size="2"),
            rx.text(
                "Zerodha Console tradebook, or columns date, symbol, side, quantity, price "
                "(optional exchange, fees, note, trade_id). All rows or none are imported; "
                "trades already in your book are skipped.",
                size="1",
                color="var(--gray-11)",
            ),
            align="center",
            spacing="1",
        ),
        id="portfolio-upload",
        accept={"text/csv": [".csv"], "text/plain": [".csv", ".txt"]},
        max_files=1,
        multiple=False,
        no_click=True,
        on_drop=S.import_files(
            rx.upload_files(upload_id="portfolio-upload", on_upload_progress=S.upload_progress)
        ),
        border="1px dashed var(--gray-a8)",
        border_radius="8px",
        padding="16px",
        cursor="pointer",
        width="100%",
    )


def import_status() -> list[rx.Component]:
    return [
        rx.cond(
            S.importing,
            rx.hstack(
                rx.spinner(size="1"),
                rx.progress(value=S.import_progress, max=100, width="200px"),
                rx.text("Importing…", size="1"),
                align="center",
                id="import-progress",
            ),
        ),
        rx.cond(
            S.import_summary != "",
            rx.callout(S.import_summary, icon="check", color_scheme="green", id="import-summary"),
        ),
        error_banner(S.import_error, id="import-error"),
    ]


def download_button(label: str, on_click: rx.EventHandler, id_: str) -> rx.Component:
    return rx.button(rx.icon("download", size=14), label, variant="soft", on_click=on_click, id=id_)


def import_export() -> rx.Component:
    return section_card(
        "Import and export",
        # a <label> names the dropzone's file input; the label's own click opens the file
        # dialog, so the dropzone's click handler is off (no double dialog). A new key after
        # each import mounts a fresh file input, so choosing the same file again re-imports
        rx.el.label(
            upload_box(),
            id="import-drop",
            key=S.imports_done,
            display="block",
            width="100%",
            margin_y="8px",
        ),
        *import_status(),
        rx.hstack(
            download_button("Trades CSV", S.export_trades, "export-trades"),
            download_button("Holdings CSV", S.export_holdings, "export-holdings"),
            margin_top="8px",
            wrap="wrap",
        ),
        id="import-export",
    )


def empty_state() -> rx.Component:
    return rx.callout(
        "No trades yet. Record your first one with the form below: type a symbol such as "
        "RELIANCE (the live price fills in), choose Buy, enter the quantity and press Add buy. "
        "Or import your Zerodha Console tradebook as CSV. Holdings and P&L then update live.",
        icon="briefcase",
        id="portfolio-empty",
    )


def page() -> rx.Component:
    return page_layout(
        "Portfolio",
        rx.cond(
            ~S.loaded,
            rx.spinner(),
            page_stack(
                paper_switch(S),
                rx.cond(S.paper_on, paper_funds(S)),
                rx.cond(
                    S.trade_count == 0,
                    rx.cond(S.paper_on, paper_empty(), empty_state()),
                    page_stack(
                        totals(),
                        rx.cond(
                            S.rows.length() > 0,
                            holdings_table(),
                            rx.text("Every position is closed; realized P&L is above.", size="2"),
                        ),
                        rx.grid(
                            allocation_pie(),
                            allocation_bars(),
                            columns=rx.breakpoints(initial="1", md="2"),
                            gap="12px",
                            width="100%",
                        ),
                        value_chart(),
                    ),
                ),
                rx.cond(~S.paper_on, rx.fragment(trade_form(), import_export())),
                rx.cond(S.trade_count > 0, trades_table()),
            ),
        ),
    )


ON_LOAD = [AuthState.require_login, ShellState.load, S.load]
