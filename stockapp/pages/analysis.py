"""Analysis: one instrument's live header and a candlestick chart with indicators; the state
(history, indicators, the forming candle) is in analysis_state.py."""

from __future__ import annotations

from typing import Any

import reflex as rx

from stockapp.components.alert_dialog import alert_button
from stockapp.components.candles import state_candle_chart
from stockapp.components.card import page_stack
from stockapp.components.layout import page_layout
from stockapp.components.order_ticket import trade_button
from stockapp.components.price import change_text, field, flash_price, live_dot
from stockapp.market.chart_series import TIMEFRAMES
from stockapp.pages.analysis_state import OVERLAYS, PANES, AnalysisState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState

S = AnalysisState


def stat(label: str, value: rx.Var | str, id_: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, size="2", weight="medium", class_name="num", id=id_),
        spacing="0",
        min_width="120px",
    )


def header_stats(view: rx.Var) -> rx.Component:
    return rx.hstack(
        stat("Day range", field(view, "l") + " – " + field(view, "h"), "day-range"),
        stat("Volume", rx.cond(S.is_index, "—", field(view, "v")), "day-volume"),
        stat("52-week range", S.facts["lo52"] + " – " + S.facts["hi52"], "range-52w"),
        stat("Open", S.facts["open"], "day-open"),
        stat("Prev. close", S.facts["pc"], "prev-close"),
        stat("Market cap", S.facts["cap"], "market-cap"),
        stat("P/E", S.facts["pe"], "pe-ratio"),
        rx.cond(S.lot_size != "", stat("Lot size", S.lot_size, "lot-size")),
        wrap="wrap",
        spacing="4",
    )


def link_button(label: str, href: rx.Var, id_: str) -> rx.Component:
    return rx.cond(
        href != "", rx.link(rx.button(label, variant="soft", size="1"), href=href, id=id_)
    )


def header_links() -> rx.Component:
    symbol = S.key.split("@")[0]
    market = rx.cond(S.key.contains("@BSE"), "india_bse", "india_nse")
    return rx.hstack(
        link_button("Compare peers", S.peers_href, "peers-link"),
        link_button("Option chain", S.options_href, "options-link"),
        rx.cond(
            S.key != "",
            rx.hstack(
                trade_button(symbol, market),
                alert_button(symbol, market),
                spacing="2",
                align="center",
            ),
        ),
        spacing="2",
    )


def price_header() -> rx.Component:
    view = S.quotes[S.key]
    return rx.card(
        page_stack(
            rx.hstack(
                rx.heading(S.name, size="5"),
                rx.foreach(S.badges, lambda b: rx.badge(b, variant="soft")),
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                S.quotes.contains(S.key),
                rx.hstack(
                    rx.box(flash_price(view, size="7", weight="bold", rupee=~S.is_index), id="ltp"),
                    rx.box(change_text(view, size="4"), id="ltp-change"),
                    live_dot(),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.text("Waiting for the first price…", id="ltp"),
            ),
            rx.cond(S.quotes.contains(S.key), header_stats(view)),
            header_links(),
        ),
        width="100%",
    )


def toggle(label: str, checked: rx.Var, on_change: Any, id_: str) -> rx.Component:
    return rx.checkbox(label, checked=checked, on_change=on_change, id=id_, size="1")


def chart_controls() -> rx.Component:
    return rx.hstack(
        rx.hstack(
            *[
                rx.button(
                    tf.label,
                    size="1",
                    variant=rx.cond(S.timeframe == tf.label, "solid", "soft"),
                    on_click=S.set_timeframe(tf.label),
                    id=f"tf-{tf.label}",
                )
                for tf in TIMEFRAMES
            ],
            spacing="1",
        ),
        rx.hstack(
            *[
                toggle(
                    label,
                    S.overlay_on.contains(name),
                    lambda _v, n=name: S.toggle_overlay(n),
                    f"overlay-{name}",
                )
                for name, (label, _lines) in OVERLAYS.items()
            ],
            *[
                toggle(
                    label,
                    S.pane_on.contains(name),
                    lambda _v, n=name: S.toggle_pane(n),
                    f"pane-{name}",
                )
                for name, (label, _lines) in PANES.items()
            ],
            spacing="3",
            wrap="wrap",
        ),
        justify="between",
        wrap="wrap",
        width="100%",
        spacing="3",
    )


def chart_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            chart_controls(),
            rx.cond(S.chart_error != "", rx.callout(S.chart_error, icon="info", color="amber")),
            rx.cond(
                S.time_note != "",
                rx.text(S.time_note, size="1", color="var(--amber-11)", id="chart-time-note"),
            ),
            state_candle_chart(S, id="candle-chart"),
            rx.text(
                rx.cond(S.time_note != "", "", "Times are IST. "),
                "Indicators are computed on the server with extra history "
                "before the first candle. Charting by TradingView Lightweight Charts.",
                size="1",
                color="var(--gray-11)",
            ),
            width="100%",
        ),
        width="100%",
    )


def not_found() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text(
                "No instrument called ",
                rx.code(S.requested),
                ". Search for it with the box at the top, or try one of these:",
            ),
            rx.hstack(
                rx.foreach(
                    S.suggestions,
                    lambda r: rx.link(r["symbol"], href="/analysis/" + r["symbol"]),
                ),
                wrap="wrap",
                spacing="3",
            ),
        ),
        icon="search-x",
        color="amber",
        id="not-found",
    )


def page() -> rx.Component:
    return page_layout(
        "Analysis",
        rx.cond(
            S.found,
            page_stack(price_header(), chart_card()),
            not_found(),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, AnalysisState.load]
