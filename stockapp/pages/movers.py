"""Market Movers: gainers, losers, most active (volume and value), near 52-week high/low.

Rankings are recomputed every tick from the hub's latest quotes; rows are keyed by symbol
so React moves them instead of redrawing the table.
"""

from __future__ import annotations

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field
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
# (value, label, member indices): what the app's universe holds. NSE has no NIFTY 500 list
# here, so the broadest choices are NIFTY 100 (NIFTY 50 + NIFTY NEXT 50) and every NSE
# equity the app follows.
INDEX_FILTERS = [
    ("nifty50", "NIFTY 50", ("NIFTY 50",)),
    ("nifty100", "NIFTY 100", ("NIFTY 50", "NIFTY NEXT 50")),
    ("midcap100", "NIFTY MIDCAP 100", ("NIFTY MIDCAP 100",)),
    ("all", "All NSE", ()),
]
WITHIN = {value: indices for value, _, indices in INDEX_FILTERS}


def mover_rows(
    snap: MarketSnapshot, tab: str, index: str = "all"
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A tab's rows and their quote rows, shared by every session showing that tab."""
    top = snap.movers(tab, LIMIT, MARKET, WITHIN[index])
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
    index: str = "all"
    rows: list[dict[str, str]] = []

    @classmethod
    def _live_view(cls, snapshot: MarketSnapshot, params) -> dict:
        rows, quotes = snapshot.derive(mover_rows, *params)
        return {"rows": rows, "quotes": quotes}

    def _track(self) -> None:
        """The same view for every tab on the same list: shared, sent once per tick."""
        live.track(
            self,
            [i.key for i in market.universe().equities(MARKET)],
            shared=(self.tab, self.index),
        )

    def _rerank(self, snap: MarketSnapshot) -> None:
        rows, quotes = snap.derive(mover_rows, self.tab, self.index)
        if rows != self.get_value("rows"):
            self.rows = rows
        self.quotes = quotes

    @rx.event
    def load(self):
        tab = self.router.page.params.get("tab")
        if tab in dict(TABS):
            self.tab = tab
        index = self.router.page.params.get("index")
        if index in WITHIN:
            self.index = index
        self._track()
        self._rerank(live.snapshot(self))

    @rx.event
    def set_tab(self, tab: str):
        if tab in dict(TABS):
            self.tab = tab
            self._track()
            self._rerank(live.snapshot(self))

    @rx.event
    def set_index(self, index: str):
        if index in WITHIN:
            self.index = index
            self._track()
            self._rerank(live.snapshot(self))

    def _apply_live(self, snapshot, changed):
        self._rerank(snapshot)


def rupee_change(r: rx.Var) -> rx.Component:
    change = field(MoversState.quotes[r["k"]], "c")
    return rx.text(change, color=change_color(change))


def metric_label() -> rx.Var:
    """What the metric on a phone card is, by tab (the table says it in its header)."""
    return rx.match(
        MoversState.tab,
        ("value", "Value"),
        ("near_high", "From high"),
        ("near_low", "From low"),
        "Vol",
    )


def movers_table() -> rx.Component:
    return live_quote_table(
        MoversState.rows,
        MoversState.quotes,
        [Column("Change ₹", rupee_change), Column("Volume / metric", lambda r: r["m"])],
        row_id="mover-",
        card_id="mv-card-",
        card_detail=lambda r: rx.text(metric_label(), " ", r["m"]),
    )


def index_filter() -> rx.Component:
    return rx.hstack(
        rx.text("Index", size="2", id="movers-index-label"),
        rx.select.root(
            rx.select.trigger(id="movers-index", aria_labelledby="movers-index-label"),
            rx.select.content(
                *[rx.select.item(label, value=value) for value, label, _ in INDEX_FILTERS]
            ),
            value=MoversState.index,
            on_change=MoversState.set_index,
        ),
        align="center",
        spacing="2",
        margin_bottom="8px",
    )


def page() -> rx.Component:
    return page_layout(
        "Market Movers",
        index_filter(),
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
