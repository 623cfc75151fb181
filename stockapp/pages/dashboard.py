"""Dashboard: live index cards, market breadth, top movers and, when logged in, the
portfolio summary and the first watchlist."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.card import section_card, signed_figure
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price, live_dot
from stockapp.db import watchlists as wl
from stockapp.db.positions import cached_positions
from stockapp.db.session import run_db
from stockapp.market.models import Key
from stockapp.market.snapshot import MarketSnapshot
from stockapp.portfolio import Position, value_at_quotes
from stockapp.services import market
from stockapp.state.auth import AuthState, current_user_id
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import key_str, views_for

CARD_INDICES = [
    "NIFTY 50",
    "SENSEX",
    "NIFTY BANK",
    "NIFTY IT",
    "NIFTY AUTO",
    "NIFTY PHARMA",
    "NIFTY FMCG",
    "NIFTY METAL",
    "NIFTY REALTY",
    "NIFTY FIN SERVICE",
    "NIFTY NEXT 50",
    "NIFTY MIDCAP 100",
]
TOP_N = 5
WATCH_N = 10


def _index_keys() -> list[Key]:
    by_symbol = {i.symbol: i.key for i in market.universe().indices()}
    return [by_symbol[s] for s in CARD_INDICES if s in by_symbol]


def _brief(pairs) -> list[dict[str, str]]:
    return [{"k": key_str(i.key), "symbol": i.symbol} for i, _ in pairs]


class DashboardState(LiveMixin, rx.State):
    cards: list[dict[str, str]] = [{"k": key_str(k), "name": k[0]} for k in _index_keys()]
    advances: int = 0
    declines: int = 0
    unchanged: int = 0
    gainers: list[dict[str, str]] = []
    losers: list[dict[str, str]] = []
    active: list[dict[str, str]] = []
    watch_name: str = ""
    watch_rows: list[dict[str, str]] = []
    pf_value: str = ""
    pf_day: str = ""
    pf_pnl: str = ""
    _watch_keys: list[Key] = []
    _positions: dict[Key, Position] = {}

    @classmethod
    def _live_view(cls, snapshot: MarketSnapshot, params) -> dict:
        """Everything but the portfolio figures, from the snapshot and the watchlist's keys
        (`params`): the same for every tab without positions (every anonymous visitor), so
        computed and sent once per tick."""
        b = snapshot.breadth()
        g, lo, a = (snapshot.movers(kind, TOP_N) for kind in ("gainers", "losers", "active"))
        shown = {i.key for i, _ in (*g, *lo, *a)} | set(_index_keys()) | set(params)
        return {
            "advances": b.advances,
            "declines": b.declines,
            "unchanged": b.unchanged,
            "gainers": _brief(g),
            "losers": _brief(lo),
            "active": _brief(a),
            "quotes": views_for(snapshot, shown),
        }

    def _recompute(self, snap: MarketSnapshot) -> None:
        for var, value in self._live_view(snap, tuple(self._watch_keys)).items():
            setattr(self, var, value)
        if self._positions:
            totals = value_at_quotes(self._positions, snap.quotes, datetime.now(UTC)).totals
            self.pf_value = fmt.inr(float(totals.market_value or 0))
            self.pf_day = fmt.signed_inr(totals.day_pnl)
            self.pf_pnl = fmt.signed_inr(totals.unrealized_pnl)

    @rx.event
    async def load(self):
        uid = await current_user_id(self)
        self._watch_keys, self.watch_name, self.watch_rows = [], "", []
        self._positions, self.pf_value, self.pf_day, self.pf_pnl = {}, "", "", ""
        if uid is not None:
            positions = await run_db(cached_positions, uid)  # FIFO off the event loop
            self._positions = {k: p for k, p in positions.items() if p.quantity > 0}
            lists = await run_db(wl.list_watchlists, uid)
            if lists:
                first = lists[0]
                self.watch_name = first.name
                self._watch_keys = first.items[:WATCH_N]
                self.watch_rows = [{"k": key_str(k), "symbol": k[0]} for k in self._watch_keys]
        keys = {i.key for i in market.universe().equities("india_nse")}
        keys |= set(_index_keys()) | set(self._watch_keys) | set(self._positions)
        # with positions the portfolio figures are this user's own: the state path
        live.track(self, keys, shared=None if self._positions else tuple(self._watch_keys))
        self._recompute(live.snapshot(self))

    def _apply_live(self, snapshot, changed):
        self._recompute(snapshot)


def index_card(card) -> rx.Component:
    view = DashboardState.quotes[card["k"]]
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(card["name"], size="2", weight="bold"), live_dot(), align="center"),
            rx.cond(
                DashboardState.quotes.contains(card["k"]),
                rx.vstack(
                    flash_price(view, size="5", weight="bold", rupee=False),
                    rx.text(
                        field(view, "c"),
                        " (",
                        field(view, "cp"),
                        ")",
                        size="2",
                        color=change_color(field(view, "c")),
                        class_name="num",
                    ),
                    spacing="0",
                ),
                rx.spinner(),
            ),
            spacing="1",
        ),
        min_width="0",
        id="index-" + card["name"].replace(" ", "-"),
    )


def mini_list(title: str, rows, quotes=DashboardState.quotes, list_id: str = "") -> rx.Component:
    return section_card(
        title,
        rx.vstack(
            rx.foreach(
                rows,
                lambda r: rx.hstack(
                    rx.link(r["symbol"], href="/analysis/" + r["symbol"], weight="medium"),
                    rx.spacer(),
                    flash_price(quotes[r["k"]], size="2"),
                    rx.text(
                        field(quotes[r["k"]], "cp"),
                        size="2",
                        color=change_color(field(quotes[r["k"]], "c")),
                        class_name="num",
                        min_width="64px",
                        text_align="right",
                    ),
                    width="100%",
                    key=r["k"],
                ),
            ),
            spacing="1",
            width="100%",
            margin_top="8px",
        ),
        id=list_id,
    )


def breadth_card() -> rx.Component:
    total = DashboardState.advances + DashboardState.declines + DashboardState.unchanged
    return section_card(
        "Market breadth (NSE)",
        rx.hstack(
            rx.badge("Advances ", DashboardState.advances, color_scheme="green", id="adv"),
            rx.badge("Declines ", DashboardState.declines, color_scheme="red", id="dec"),
            rx.badge("Unchanged ", DashboardState.unchanged, color_scheme="gray"),
            wrap="wrap",
            margin_y="8px",
        ),
        rx.cond(
            total > 0,
            rx.hstack(
                rx.box(
                    height="8px",
                    background="var(--green-9)",
                    width=(DashboardState.advances * 100 / total).to_string() + "%",
                ),
                rx.box(
                    height="8px",
                    background="var(--red-9)",
                    width=(DashboardState.declines * 100 / total).to_string() + "%",
                ),
                spacing="0",
                width="100%",
                border_radius="4px",
                overflow="hidden",
                background="var(--gray-6)",
            ),
        ),
    )


def portfolio_card() -> rx.Component:
    return section_card(
        rx.hstack(rx.text("Portfolio", weight="bold", size="3"), live_dot(), align="center"),
        rx.cond(
            DashboardState.pf_value != "",
            rx.vstack(
                rx.text(
                    DashboardState.pf_value,
                    size="5",
                    weight="bold",
                    class_name="num",
                    id="dash-pf-value",
                ),
                signed_figure("Day P&L ", DashboardState.pf_day, id="dash-pf-day"),
                signed_figure("Unrealized ", DashboardState.pf_pnl),
                spacing="1",
            ),
            rx.text("No holdings yet. ", rx.link("Add a trade", href="/portfolio"), size="2"),
        ),
    )


def page() -> rx.Component:
    return page_layout(
        "Dashboard",
        # equal columns that fill the width (two on a phone), so every card lines up
        rx.grid(
            rx.foreach(DashboardState.cards, index_card),
            grid_template_columns="repeat(auto-fill, minmax(160px, 1fr))",
            gap="12px",
            width="100%",
            id="index-cards",
        ),
        rx.grid(
            breadth_card(),
            rx.cond(AuthState.logged_in, portfolio_card()),
            rx.cond(
                AuthState.logged_in,
                rx.cond(
                    DashboardState.watch_rows.length() > 0,
                    mini_list(
                        DashboardState.watch_name,
                        DashboardState.watch_rows,
                        list_id="dash-watchlist",
                    ),
                    rx.card(
                        rx.text("Your first watchlist is empty. "),
                        rx.link("Add symbols", href="/watchlist"),
                    ),
                ),
                rx.card(
                    rx.link("Log in", href="/login"),
                    rx.text(" to see your watchlist and portfolio here."),
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="12px",
            margin_top="12px",
            width="100%",
        ),
        rx.grid(
            mini_list("Top gainers", DashboardState.gainers, list_id="dash-gainers"),
            mini_list("Top losers", DashboardState.losers, list_id="dash-losers"),
            mini_list("Most active", DashboardState.active, list_id="dash-active"),
            columns=rx.breakpoints(initial="1", md="3"),
            gap="12px",
            margin_top="12px",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, DashboardState.load]
