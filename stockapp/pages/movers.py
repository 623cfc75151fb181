"""Market Movers: gainers, losers, most active (volume and value), near 52-week high/low.

Rankings are recomputed every tick from the hub's latest quotes; rows are keyed by symbol
so React moves them instead of redrawing the table.
"""

from __future__ import annotations

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price, live_dot
from stockapp.market.analytics import pct_from, rank_movers
from stockapp.runtime import runtime
from stockapp.state.auth import AuthState
from stockapp.state.live import LiveMixin, live, views_for
from stockapp.state.shell import ShellState
from stockapp.state.tick_memo import per_tick
from stockapp.state.views import key_str

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


@per_tick
def ranked(tab: str, limit: int = LIMIT):
    hub = runtime.hub
    if hub is None:
        return []
    pairs = []
    for inst in runtime.universe.equities(MARKET):
        q = hub.latest(inst.key)
        if q is not None:
            pairs.append((inst, q))
    return rank_movers(pairs, tab, limit)


@per_tick
def mover_rows(tab: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A tab's rows and their quote rows, shared by every session showing that tab."""
    top = ranked(tab)
    rows = [
        {"k": key_str(i.key), "symbol": i.symbol, "name": i.name, "m": metric(tab, q)}
        for i, q in top
    ]
    return rows, views_for({i.key: q for i, q in top})


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

    def _rerank(self) -> None:
        rows, quotes = mover_rows(self.tab)
        if rows != self.get_value("rows"):
            self.rows = rows
        self.quotes = quotes

    @rx.event
    def load(self):
        tab = self.router.page.params.get("tab")
        if tab in dict(TABS):
            self.tab = tab
        live.track(self, [i.key for i in runtime.universe.equities(MARKET)])
        self._rerank()

    @rx.event
    def set_tab(self, tab: str):
        if tab in dict(TABS):
            self.tab = tab
            self._rerank()

    def _apply_live(self, views):
        self._rerank()


def movers_table(
    tab_rows=MoversState.rows, quotes=MoversState.quotes, metric_label: str = ""
) -> rx.Component:
    def row(r):
        view = quotes[r["k"]]
        return rx.table.row(
            rx.table.cell(
                rx.vstack(
                    rx.link(rx.text(r["symbol"], weight="bold"), href="/analysis/" + r["symbol"]),
                    rx.text(r["name"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                    spacing="0",
                )
            ),
            rx.table.cell(
                rx.hstack(flash_price(view), live_dot(), justify="end", align="center"),
                text_align="right",
            ),
            rx.table.cell(
                rx.text(field(view, "cp"), color=change_color(field(view, "c"))),
                text_align="right",
                class_name="num",
            ),
            rx.table.cell(r["m"], text_align="right", class_name="num"),
            key=r["k"],
            id="mover-" + r["symbol"],
        )

    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Symbol"),
                    rx.table.column_header_cell("LTP", text_align="right"),
                    rx.table.column_header_cell("Change %", text_align="right"),
                    rx.table.column_header_cell(
                        metric_label or "Volume / metric", text_align="right"
                    ),
                )
            ),
            rx.table.body(rx.foreach(tab_rows, row)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
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
