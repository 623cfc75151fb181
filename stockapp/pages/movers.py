"""Market Movers: gainers, losers, most active (volume and value), near 52-week high/low.

Rankings are recomputed every tick from the hub's latest quotes; rows are keyed by symbol
so React moves them instead of redrawing the table.
"""

from __future__ import annotations

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.layout import page_layout
from stockapp.components.quote_table import Column, live_quote_table
from stockapp.market.analytics import pct_from
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.state.auth import AuthState
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import key_str, views_for

TABS = [
    ("gainers", "Gainers"),
    ("losers", "Losers"),
    ("active", "Most active (volume)"),
    ("value", "Most active (value)"),
    ("near_high", "Near 52-wk high"),
    ("near_low", "Near 52-wk low"),
]
LIMIT = 20
MARKET = "india_nse"


def mover_rows(snap: MarketSnapshot, tab: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A tab's rows and their quote rows, shared by every session showing that tab."""
    top = snap.movers(tab, LIMIT, MARKET)
    rows = [
        {"k": key_str(i.key), "symbol": i.symbol, "name": i.name, "m": metric(tab, q)}
        for i, q in top
    ]
    return rows, views_for(snap, [i.key for i, _ in top])


def metric(tab: str, q) -> str:
    if tab == "value":
        return "₹" + fmt.compact(q.volume * q.current_price)
    if tab == "near_high":
        return fmt.pct(pct_from(q.current_price, q.week52_high))
    if tab == "near_low":
        return fmt.pct(pct_from(q.current_price, q.week52_low))
    return fmt.compact(q.volume)


class MoversState(LiveMixin, rx.State):
    tab: str = "gainers"
    rows: list[dict[str, str]] = []

    def _rerank(self, snap: MarketSnapshot) -> None:
        rows, quotes = snap.derive(mover_rows, self.tab)
        if rows != self.get_value("rows"):
            self.rows = rows
        self.quotes = quotes

    @rx.event
    def load(self):
        tab = self.router.page.params.get("tab")
        if tab in dict(TABS):
            self.tab = tab
        live.track(self, [i.key for i in market.universe().equities(MARKET)])
        self._rerank(live.snapshot(self))

    @rx.event
    def set_tab(self, tab: str):
        if tab in dict(TABS):
            self.tab = tab
            self._rerank(live.snapshot(self))

    def _apply_live(self, snapshot, changed):
        self._rerank(snapshot)


def movers_table() -> rx.Component:
    return live_quote_table(
        MoversState.rows,
        MoversState.quotes,
        [Column("Volume / metric", lambda r: r["m"])],
        row_id="mover-",
    )


def page() -> rx.Component:
    return page_layout(
        "Market Movers",
        rx.tabs.root(
            rx.tabs.list(
                *[rx.tabs.trigger(label, value=value) for value, label in TABS], wrap="wrap"
            ),
            # the list is the active tab's panel, so the tab's aria-controls names it
            rx.tabs.content(
                rx.cond(
                    MoversState.rows.length() > 0,
                    movers_table(),
                    rx.text("No instruments in this list right now.", id="movers-empty"),
                ),
                value=MoversState.tab,
            ),
            value=MoversState.tab,
            on_change=MoversState.set_tab,
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, MoversState.load]
