"""Watchlist: several named lists per user, every row live, sortable by any column; the
state is in watchlist_state.py."""

from __future__ import annotations

import reflex as rx

from stockapp.components.alert_dialog import alert_button
from stockapp.components.card import error_banner, page_stack
from stockapp.components.confirm import confirm_delete, delete_button
from stockapp.components.layout import page_layout
from stockapp.components.list_card import card_list, quote_card, table_or_cards
from stockapp.components.order_ticket import trade_button
from stockapp.components.price import change_color, field, flash_price, live_dot
from stockapp.components.search import instrument_picker
from stockapp.components.table import scroll_table
from stockapp.market.models import DEFAULT_MARKET
from stockapp.pages.watchlist_state import WatchlistState
from stockapp.state.auth import AuthState
from stockapp.state.shell import ShellState


# -- components -------------------------------------------------------------------------
def header_cell(label: str, col: str, align: str = "right") -> rx.Component:
    """A column header whose button sorts by the column (keyboard reachable: a button, not
    a clickable cell); `aria-sort` tells which way it is sorted."""
    sorted_here = WatchlistState.sort_col == col
    return rx.table.column_header_cell(
        rx.el.button(
            rx.hstack(
                rx.text(label),
                rx.cond(
                    sorted_here,
                    rx.cond(
                        WatchlistState.sort_desc,
                        rx.icon("chevron-down", size=14),
                        rx.icon("chevron-up", size=14),
                    ),
                ),
                spacing="1",
                justify="end" if align == "right" else "start",
            ),
            on_click=WatchlistState.sort_by(col),
            class_name="sort-header",
            aria_label=f"Sort by {label}",
            type="button",
        ),
        aria_sort=rx.cond(
            sorted_here, rx.cond(WatchlistState.sort_desc, "descending", "ascending"), "none"
        ),
        text_align=align,
    )


def row(key: rx.Var[str]) -> rx.Component:
    view = WatchlistState.quotes[key]
    fact = WatchlistState.facts[key]
    num = {"text_align": "right", "class_name": "num"}
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(rx.text(fact["symbol"], weight="bold"), href="/analysis/" + fact["symbol"]),
                rx.text(fact["name"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.cond(
                WatchlistState.quotes.contains(key),
                rx.hstack(flash_price(view), live_dot(), justify="end", align="center"),
                rx.text("loading…", size="1"),
            ),
            text_align="right",
        ),
        rx.table.cell(rx.text(field(view, "c"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(rx.text(field(view, "cp"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(field(view, "h"), **num),
        rx.table.cell(field(view, "l"), **num),
        rx.table.cell(field(view, "v"), **num),
        rx.table.cell(
            rx.text(fact["lo52"], " – ", fact["hi52"], size="1"),
            **num,
        ),
        rx.table.cell(row_actions(key, "row")),
        id="row-" + fact["symbol"],
    )


def row_actions(key: rx.Var[str], place: str) -> rx.Component:
    fact = WatchlistState.facts[key]
    market = rx.cond(fact["exch"] == "BSE", "india_bse", DEFAULT_MARKET)
    return rx.hstack(
        trade_button(fact["symbol"], market),
        alert_button(fact["symbol"], market, place),
        delete_button(WatchlistState.remove_symbol(key), "Remove " + fact["symbol"]),
        spacing="3",
    )


def card(key: rx.Var[str]) -> rx.Component:
    """The row as a two-line card on a phone."""
    fact = WatchlistState.facts[key]
    return quote_card(
        "wl-card-" + fact["symbol"],
        fact["symbol"],
        WatchlistState.quotes[key],
        actions=row_actions(key, "card"),
    )


def table() -> rx.Component:
    return scroll_table(
        rx.table.row(
            header_cell("Symbol", "symbol", "left"),
            header_cell("LTP", "ltp"),
            header_cell("Change", "change"),
            header_cell("%", "change_pct"),
            header_cell("High", "high"),
            header_cell("Low", "low"),
            header_cell("Volume", "volume"),
            header_cell("52-wk range", "range52"),
            rx.table.column_header_cell(""),
        ),
        rx.foreach(WatchlistState.rows, row),
        "watchlist-table",
    )


def add_box() -> rx.Component:
    return instrument_picker(WatchlistState, "watchlist")


def list_bar() -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(
                placeholder="Choose a watchlist", id="watchlist-select", aria_label="Watchlist"
            ),
            rx.select.content(
                rx.foreach(
                    WatchlistState.lists,
                    lambda w: rx.select.item(w["name"] + " (" + w["n"] + ")", value=w["id"]),
                )
            ),
            value=WatchlistState.active_id.to_string(),
            on_change=WatchlistState.select_list,
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="New list name",
                    size="2",
                    required=True,
                    id="new-list-name",
                ),
                rx.button("Create", type="submit", size="2", variant="soft"),
            ),
            on_submit=WatchlistState.create_list,
            reset_on_submit=True,
        ),
        rx.popover.root(
            rx.popover.trigger(rx.button("Rename", size="2", variant="soft")),
            rx.popover.content(
                rx.form(
                    rx.hstack(
                        rx.input(name="name", placeholder="New name", required=True),
                        rx.popover.close(rx.button("Save", type="submit")),
                    ),
                    on_submit=WatchlistState.rename_list,
                )
            ),
        ),
        confirm_delete(
            "Delete this watchlist?",
            "Its symbols are removed too. This cannot be undone.",
            WatchlistState.delete_list,
            trigger=rx.button("Delete", size="2", variant="soft", color_scheme="red"),
        ),
        wrap="wrap",
        spacing="2",
        align="center",
    )


def empty_state() -> rx.Component:
    return rx.callout(
        "This watchlist is empty. Type a symbol or company name in the box above "
        '(for example TCS or "HDFC") and press Enter to add it; prices then stream live.',
        icon="star",
        id="watchlist-empty",
    )


def page() -> rx.Component:
    return page_layout(
        "Watchlist",
        page_stack(
            list_bar(),
            add_box(),
            error_banner(WatchlistState.error),
            rx.cond(
                WatchlistState.notice != "",
                rx.callout(
                    WatchlistState.notice, icon="info", color_scheme="blue", id="watchlist-notice"
                ),
            ),
            rx.cond(
                ~WatchlistState.loaded,
                rx.spinner(),
                rx.cond(
                    WatchlistState.rows.length() > 0,
                    table_or_cards(
                        table(),
                        card_list(WatchlistState.rows, card, "watchlist-cards", "Watchlist"),
                    ),
                    empty_state(),
                ),
            ),
        ),
    )


ON_LOAD = [AuthState.require_login, ShellState.load, WatchlistState.load]
