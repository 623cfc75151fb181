"""Screener: filter NSE equities by sector, price, day change, volume surge, RSI(14),
distance from the 52-week high/low, market cap and P/E; results stay live.

Prices in the results tick every second; the result set itself is re-filtered at most
every RESCREEN_S seconds so rows do not jump while being read. Screens can be saved per
user; presets cover the common questions.
The state is in screener_state.py.
"""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import page_stack
from stockapp.components.confirm import delete_button
from stockapp.components.layout import page_layout
from stockapp.components.price import live_dot
from stockapp.components.quote_table import change_cell, price_cell, symbol_cell
from stockapp.components.table import scroll_table
from stockapp.market.screening import PARAMS
from stockapp.pages.screener_state import COLUMNS, PRESETS, SHOW_MAX, ScreenerState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState


# -- components -------------------------------------------------------------------------
def field_input(name: str, placeholder: str) -> rx.Component:
    return rx.input(
        value=ScreenerState.form[name],
        on_change=ScreenerState.set_field(name),
        placeholder=placeholder,
        id="f-" + name,
        name=name,
        input_mode="decimal",
        auto_complete="off",
        aria_label=PARAMS[name].label,
        aria_invalid=ScreenerState.errors.contains(name),
        size="2",
        width="100%",
    )


def error_text(*names: str) -> rx.Component:
    return rx.fragment(
        *[
            rx.cond(
                ScreenerState.errors.contains(n),
                rx.text(ScreenerState.errors[n], size="1", color="var(--red-11)", id="err-" + n),
            )
            for n in names
        ]
    )


def range_group(
    label: str, low: str, high: str | None = None, placeholder: str = ""
) -> rx.Component:
    inputs = [field_input(low, placeholder or ("min" if high else "max %"))]
    if high is not None:
        inputs.append(field_input(high, "max"))
    names = [low, high] if high else [low]
    return rx.vstack(
        rx.el.label(
            label, html_for="f-" + low, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"
        ),
        rx.hstack(*inputs, spacing="2", width="100%"),
        error_text(*names),
        spacing="1",
        width="100%",
    )


def sector_picker() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Sectors", size="2", weight="medium"),
            rx.cond(
                ScreenerState.sectors.length() > 0,
                rx.badge(ScreenerState.sectors.length(), " selected"),
                rx.text("(all)", size="1", color="var(--gray-11)"),
            ),
            align="center",
        ),
        rx.flex(
            rx.foreach(
                ScreenerState.sector_names,
                lambda s: rx.checkbox(
                    s,
                    checked=ScreenerState.sectors.contains(s),
                    on_change=ScreenerState.toggle_sector(s),
                    size="1",
                ),
            ),
            wrap="wrap",
            gap="8px 14px",
            id="sector-picker",
        ),
        error_text("sector"),
        spacing="1",
        width="100%",
    )


def filters() -> rx.Component:
    return rx.card(
        rx.form(
            page_stack(
                sector_picker(),
                rx.grid(
                    range_group("Price (₹)", "price_min", "price_max"),
                    range_group("Day change %", "change_min", "change_max"),
                    range_group("RSI (14)", "rsi_min", "rsi_max"),
                    range_group("Market cap (₹ Cr)", "mcap_min_cr", "mcap_max_cr"),
                    range_group("P/E", "pe_min", "pe_max"),
                    range_group(
                        "Volume ÷ 20-day average, at least",
                        "volume_ratio_min",
                        placeholder="e.g. 2 = twice the usual volume",
                    ),
                    range_group("Within % of 52-week high", "near_high_pct"),
                    range_group("Within % of 52-week low", "near_low_pct"),
                    columns=rx.breakpoints(initial="1", sm="2", lg="4"),
                    gap="12px",
                    width="100%",
                ),
                rx.hstack(
                    rx.button("Apply", type="submit", size="2", id="screener-apply"),
                    rx.button(
                        "Reset", type="button", variant="soft", on_click=ScreenerState.reset_filters
                    ),
                    spacing="2",
                ),
            ),
            on_submit=ScreenerState.apply,
            id="screener-form",
        ),
        width="100%",
    )


def preset_buttons() -> rx.Component:
    return rx.hstack(
        rx.text("Presets:", size="2", weight="medium"),
        *[
            rx.button(
                name,
                size="1",
                variant="surface",
                on_click=ScreenerState.apply_preset(name),
                id="preset-" + name.lower().replace(" ", "-"),
            )
            for name in PRESETS
        ],
        wrap="wrap",
        align="center",
        spacing="2",
    )


def saved_screen(s) -> rx.Component:
    return rx.hstack(
        rx.button(
            s["name"],
            size="1",
            variant="soft",
            on_click=ScreenerState.load_screen(s["id"]),
        ),
        delete_button(ScreenerState.delete_screen(s["id"]), "Delete screen " + s["name"]),
        spacing="1",
        class_name="saved-screen",
    )


def saved_screens() -> rx.Component:
    return rx.cond(
        AuthState.logged_in,
        rx.hstack(
            rx.form(
                rx.hstack(
                    rx.input(
                        name="name",
                        placeholder="Name this screen",
                        required=True,
                        max_length=64,
                        size="1",
                        id="screen-name",
                    ),
                    rx.button("Save screen", type="submit", size="1", id="screen-save"),
                ),
                on_submit=ScreenerState.save_screen,
                reset_on_submit=True,
            ),
            rx.foreach(ScreenerState.screens, saved_screen),
            wrap="wrap",
            align="center",
            spacing="2",
        ),
        rx.text(
            rx.link("Log in", href="/login?next=/screener"),
            " to save your screens.",
            size="2",
        ),
    )


def presets_and_saved() -> rx.Component:
    return rx.vstack(
        preset_buttons(),
        saved_screens(),
        rx.cond(ScreenerState.notice != "", rx.text(ScreenerState.notice, size="2", id="notice")),
        spacing="2",
        width="100%",
    )


def header_cell(col: str, label: str, align: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.el.button(
            label,
            rx.cond(
                ScreenerState.sort_col == col,
                rx.cond(ScreenerState.sort_desc, " ▼", " ▲"),
                "",
            ),
            on_click=ScreenerState.sort_by(col),
            aria_label="Sort by " + label,
            class_name="sort-header",
            style={"background": "transparent", "font_weight": "600", "color": "inherit"},
        ),
        text_align=align,
        class_name="hide-mobile" if col in ("pe", "volume_ratio", "pct_from_52w_high") else "",
    )


def result(r) -> rx.Component:
    view = ScreenerState.quotes[r["k"]]
    num = {"text_align": "right", "class_name": "num"}
    wide = {"text_align": "right", "class_name": "num hide-mobile"}
    return rx.table.row(
        rx.table.cell(symbol_cell(r, "sector")),
        rx.table.cell(
            price_cell(view, ScreenerState.quotes.contains(r["k"]), dot=True), text_align="right"
        ),
        rx.table.cell(change_cell(view), **num),
        rx.table.cell(r["mcap"], **num),
        rx.table.cell(r["pe"], **wide),
        rx.table.cell(r["rsi"], **num),
        rx.table.cell(r["vr"], **wide),
        rx.table.cell(r["hi"], **wide),
        key=r["k"],
        id="result-" + r["symbol"],
    )


def results() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(
                rx.text.span(ScreenerState.count, id="screener-count-n"),
                " of ",
                ScreenerState.universe_size,
                " stocks match",
                size="2",
                id="screener-count",
            ),
            rx.cond(
                ScreenerState.count > SHOW_MAX,
                rx.text(f"showing the first {SHOW_MAX}", size="1", color="var(--gray-11)"),
            ),
            live_dot(),
            align="center",
        ),
        # no phone cards here: 100 live rows twice over (table and cards) kept a browser's
        # renderer busy for seconds per frame on a loaded machine
        scroll_table(
            rx.table.row(*[header_cell(*c) for c in COLUMNS]),
            rx.foreach(ScreenerState.rows, result),
            "screener-results",
        ),
        spacing="2",
        width="100%",
    )


def page() -> rx.Component:
    return page_layout(
        "Screener",
        page_stack(
            presets_and_saved(),
            filters(),
            rx.cond(
                ScreenerState.loading,
                rx.hstack(rx.spinner(), rx.text("Loading price history for RSI and returns…")),
                results(),
            ),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, ScreenerState.load]
