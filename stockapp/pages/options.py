"""Options chain: strikes around ATM for one underlying and expiry, repriced on every tick;
the state is in options_state.py, the rows' display strings in options_format.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import error_banner, page_stack
from stockapp.components.layout import page_layout
from stockapp.components.order_ticket import option_trade_button
from stockapp.components.price import change_text, flash_price, live_dot
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_region
from stockapp.pages.options_state import STRIKE_CHOICES, OptionsState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState

# -- components -----------------------------------------------------------------------------
S = OptionsState
GREEKS = [("IV", "iv"), ("Δ", "d"), ("Γ", "g"), ("Θ", "t"), ("Vega", "n")]
CALL_COLS = [("OI chg", "c"), ("Volume", "v"), ("Bid", "b"), ("Ask", "a"), ("LTP", "l")]
ITM_BG = "var(--amber-a3)"


def oi_bar(row: rx.Var, side: str) -> rx.Component:
    color = "var(--green-a7)" if side == "c" else "var(--red-a7)"
    return rx.vstack(
        rx.text(row[side + "o"], size="1", class_name="num"),
        rx.box(
            rx.box(height="4px", width=row[side + "w"], background=color, border_radius="2px"),
            width="64px",
            background="var(--gray-a3)",
            border_radius="2px",
        ),
        spacing="1",
        align="end" if side == "c" else "start",
    )


def num_cell(value: rx.Var, bg: rx.Var, **props) -> rx.Component:
    return rx.table.cell(value, text_align="right", class_name="num", background=bg, **props)


def trade(row: rx.Var, right: str) -> rx.Component:
    return option_trade_button(S.underlying, S.expiry, row["k"], right)


def row_view(row: rx.Var) -> rx.Component:
    call_bg = rx.cond(row["ci"] == "1", ITM_BG, "transparent")
    put_bg = rx.cond(row["pi"] == "1", ITM_BG, "transparent")
    greek = lambda side, key, bg: rx.cond(  # noqa: E731
        S.show_greeks, num_cell(row[side + key], bg, color="var(--gray-11)")
    )
    return rx.table.row(
        rx.table.cell(trade(row, "CE"), background=call_bg),
        *[greek("c", key, call_bg) for _, key in GREEKS],
        rx.table.cell(oi_bar(row, "c"), background=call_bg),
        *[num_cell(row["c" + key], call_bg) for _, key in CALL_COLS],
        # on a phone the strike column stays in view while calls and puts scroll past it
        # (assets/styles.css, .strike-cell); its background is opaque for that reason
        rx.table.cell(
            rx.text(row["k"], weight="bold", class_name="num"),
            text_align="center",
            class_name=rx.cond(row["atm"] == "1", "strike-cell strike-atm", "strike-cell"),
        ),
        *[num_cell(row["p" + key], put_bg) for _, key in reversed(CALL_COLS)],
        rx.table.cell(oi_bar(row, "p"), background=put_bg),
        *[greek("p", key, put_bg) for _, key in reversed(GREEKS)],
        rx.table.cell(trade(row, "PE"), background=put_bg),
        id=rx.cond(row["atm"] == "1", "atm-row", ""),
        class_name=rx.cond(row["atm"] == "1", "chain-row atm", "chain-row"),
    )


def header() -> rx.Component:
    head = lambda label: rx.table.column_header_cell(label, text_align="right")  # noqa: E731
    greek_heads = [rx.cond(S.show_greeks, head(label)) for label, _ in GREEKS]
    return rx.table.header(
        rx.table.row(
            rx.table.column_header_cell(rx.el.span("Call order", class_name="visually-hidden")),
            *greek_heads,
            head("OI"),
            *[head(label) for label, _ in CALL_COLS],
            rx.table.column_header_cell("Strike", text_align="center", class_name="strike-cell"),
            *[head(label) for label, _ in reversed(CALL_COLS)],
            head("OI"),
            *reversed(greek_heads),
            rx.table.column_header_cell(rx.el.span("Put order", class_name="visually-hidden")),
        )
    )


def chain_table() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge("CALLS", color_scheme="green"),
            rx.spacer(),
            rx.badge("PUTS", color_scheme="red"),
            width="100%",
        ),
        rx.table.root(
            header(),
            rx.table.body(rx.foreach(S.rows, row_view)),
            size="1",
            width="100%",
            id="chain-table",
        ),
        overflow_x="auto",
        width="100%",
        # on a phone the chain scrolls sideways here, not the page: a named, focusable region
        **scroll_region("Option chain", class_name="scroll-region"),
    )


def stat(label: str, value: rx.Var | str, id_: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, size="3", weight="bold", class_name="num", id=id_),
        spacing="0",
    )


def summary_bar() -> rx.Component:
    view = S.quotes[S.ukey]
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(rx.heading(S.underlying, size="5"), live_dot(), align="center"),
                rx.cond(
                    S.quotes.contains(S.ukey),
                    rx.hstack(
                        rx.box(flash_price(view, size="5", rupee=~S.is_index), id="spot-price"),
                        change_text(view),
                        align="center",
                    ),
                    rx.text("waiting for the first price…", size="2"),
                ),
                spacing="1",
            ),
            rx.spacer(),
            stat("PCR", S.summary["pcr"], "chain-pcr"),
            stat("Max pain", S.summary["max_pain"], "chain-max-pain"),
            stat("ATM", S.summary["atm"], "chain-atm"),
            stat("Lot size", S.summary["lot"], "chain-lot"),
            stat("Days to expiry", S.summary["days"], "chain-days"),
            stat("Rate", S.summary["rate"], "chain-rate"),
            wrap="wrap",
            spacing="5",
            align="center",
            width="100%",
        ),
        width="100%",
    )


def picker() -> rx.Component:
    quick = [("NIFTY", "NIFTY"), ("BANKNIFTY", "BANKNIFTY"), ("FINNIFTY", "FINNIFTY")]
    return rx.hstack(
        instrument_picker(S, "options"),
        *[
            rx.button(label, size="1", variant="soft", on_click=S.choose(target))
            for label, target in quick
        ],
        rx.select.root(
            rx.select.trigger(id="options-expiry", aria_label="Expiry"),
            rx.select.content(
                rx.foreach(
                    S.expiry_labels,
                    lambda o: rx.select.item(o["label"], value=o["value"]),
                )
            ),
            value=S.expiry,
            on_change=S.set_expiry,
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Strikes each side"),
            rx.select.content(*[rx.select.item(c, value=c) for c in STRIKE_CHOICES]),
            value=S.strikes,
            on_change=S.set_strikes,
        ),
        rx.text("strikes each side", size="1"),
        rx.hstack(
            rx.switch(
                checked=S.show_greeks,
                on_change=S.toggle_greeks,
                id="greeks-toggle",
                aria_label="Greeks",
            ),
            rx.text("Greeks", size="2"),
            align="center",
        ),
        wrap="wrap",
        spacing="3",
        align="center",
    )


def page() -> rx.Component:
    return page_layout(
        "Options Chain",
        page_stack(
            picker(),
            error_banner(S.error, "amber", id="options-error"),
            rx.cond(
                S.calendar_note != "",
                rx.callout(
                    S.calendar_note
                    + ": expiry dates and days to expiry assume the holidays known so far.",
                    icon="calendar",
                    color_scheme="amber",
                    size="1",
                    id="options-calendar-note",
                ),
            ),
            rx.cond(
                ~S.loaded,
                rx.hstack(rx.spinner(), rx.text("Loading the chain…")),
                rx.cond(
                    S.rows.length() > 0,
                    page_stack(summary_bar(), chain_table()),
                    rx.cond(
                        S.error == "",
                        rx.callout("No prices yet for this underlying.", icon="info"),
                    ),
                ),
            ),
            rx.text(
                "Simulated chain: European Black-Scholes on spot, no dividends. "
                "IV in %, theta per calendar day, vega per 1 vol point. "
                "Shaded cells are in the money.",
                size="1",
                color="var(--gray-11)",
            ),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, OptionsState.load]
