"""Recommendations: rule-based Buy / Hold / Sell for every NSE equity, and a live heat map.

Ratings come from the process-wide RecommendationService, which rates the whole market at
most once every few seconds however many sessions are open; a session only re-sends its
table when a new rating pass exists. Heat-map colours follow each tick's % change.
"""

from __future__ import annotations

import reflex as rx

from stockapp.components.layout import page_layout
from stockapp.components.price import field
from stockapp.components.quote_table import Column, live_quote_table
from stockapp.components.treemap import heat_colour as heat_color
from stockapp.components.treemap import tile_layouts, tile_text, treemap
from stockapp.market.recommend import Rated
from stockapp.market.signals import BUY_THRESHOLD, SELL_THRESHOLD
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.state.auth import AuthState
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import QuoteView, key_str, views_for
from stockapp.state.views import field as view_field

MARKET = "india_nse"
VERDICTS = ("All", "Buy", "Hold", "Sell")
TABLE_ROWS = 60
REASONS_SHOWN = 2
DISCLAIMER = (
    "These are rule-based signals computed from price and volume indicators, not investment advice."
)


def parse_pct(text: str) -> float:
    """'+1.23%' -> 1.23; anything unparsable counts as unchanged."""
    try:
        return float(text.replace("%", "").replace(",", ""))
    except ValueError:
        return 0.0


def _row(item: Rated) -> dict[str, str]:
    rec, inst = item.recommendation, item.instrument
    return {
        "k": key_str(inst.key),
        "symbol": inst.symbol,
        "name": inst.name,
        "sector": inst.sector,
        "verdict": rec.verdict,
        "score": f"{rec.score:+d}" if rec.score else "0",
        "reasons": "; ".join(rec.reasons[:REASONS_SHOWN]),
    }


def _colors(views: dict[str, QuoteView]) -> dict[str, str]:
    return {k: heat_color(parse_pct(view_field(v, "cp"))) for k, v in views.items()}


class RecommendationsState(LiveMixin, rx.State):
    verdict: str = "All"
    rows: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    tiles: list[dict[str, str]] = []
    tile_colors: dict[str, str] = {}
    loading: bool = True
    _generation: int = -1

    @rx.event
    async def load(self):
        equities = market.universe().equities(MARKET)
        self.quotes = live.track(self, [i.key for i in equities])
        self.tile_colors = _colors(self.quotes)
        provider = market.provider()
        if provider is None:
            return
        self.loading = True
        yield
        await market.recommendations().ensure_ready(MARKET, provider)
        self.loading = False
        self._generation = -1
        self._refresh(live.snapshot(self))

    def _refresh(self, snap: MarketSnapshot) -> None:
        ratings = market.recommendations().current(MARKET, snap.get)
        if ratings is None or ratings.generation == self._generation:
            return
        self._generation = ratings.generation
        items = ratings.items
        counts = {v: 0 for v in VERDICTS[1:]}
        for item in items:
            counts[item.recommendation.verdict] += 1
        self.counts = {"All": len(items), **counts}
        if not self.tiles:
            symbols = {key_str(i.instrument.key): i.instrument.symbol for i in items}
            places = tile_layouts(
                [(key_str(i.instrument.key), i.market_cap or 0.0) for i in items], symbols
            )
            self.tiles = [{"k": k, "symbol": symbols[k], **place} for k, place in places.items()]
        chosen = [i for i in items if self.verdict in ("All", i.recommendation.verdict)]
        if self.verdict == "Sell":
            chosen.reverse()
        self.rows = [_row(i) for i in chosen[:TABLE_ROWS]]

    @rx.event
    def set_verdict(self, verdict: str):
        if verdict in VERDICTS:
            self.verdict = verdict
            self._generation = -1
            self._refresh(live.snapshot(self))

    def _apply_live(self, snapshot, changed):
        views = views_for(snapshot, changed)
        self.quotes = {**self.quotes, **views}
        self.tile_colors = {**self.tile_colors, **_colors(views)}
        if not self.loading:
            self._refresh(snapshot)


# -- components ------------------------------------------------------------------------------

S = RecommendationsState


def verdict_badge(verdict: rx.Var) -> rx.Component:
    return rx.badge(
        verdict,
        color_scheme=rx.match(verdict, ("Buy", "green"), ("Sell", "red"), "gray"),
        # Hold in soft grey: white on Radix's solid grey is under 4.5:1
        variant=rx.match(verdict, ("Buy", "solid"), ("Sell", "solid"), "soft"),
        class_name="verdict",
    )


def filters() -> rx.Component:
    return rx.hstack(
        *[
            rx.button(
                v,
                " (",
                S.counts.get(v, 0).to_string(),
                ")",
                size="1",
                variant=rx.cond(S.verdict == v, "solid", "soft"),
                on_click=S.set_verdict(v),
                id=f"filter-{v}",
            )
            for v in VERDICTS
        ],
        spacing="2",
        wrap="wrap",
    )


def table() -> rx.Component:
    return live_quote_table(
        S.rows,
        S.quotes,
        [
            Column("Signal", lambda r: verdict_badge(r["verdict"]), align="left", class_name=""),
            Column("Score", lambda r: r["score"], class_name="num score"),
            Column(
                "Top reasons",
                lambda r: rx.text(r["reasons"], size="1"),
                align="left",
                class_name="",
                hide_mobile=True,
            ),
        ],
        row_id="rec-",
        subtitle="sector",
        dot=False,
        table_id="rec-table",
    )


def heat_map() -> rx.Component:
    def tile(t: rx.Var) -> rx.Component:
        view = S.quotes[t["k"]]
        return rx.link(
            *tile_text(
                t["symbol"] + " " + field(view, "cp"),
                t["symbol"],
                rx.el.span(field(view, "cp"), class_name="tile-pct"),
            ),
            href="/analysis/" + t["symbol"],
            id="tile-" + t["symbol"],
            title=t["symbol"] + " " + field(view, "cp"),
            underline="none",
            class_name="tm-tile heat-tile",
            background_color=S.tile_colors[t["k"]],
        )

    return treemap(S.tiles, tile, id="heat-map", label="Stocks sized by market cap")


SCORE_LEGEND = (
    "Score runs from -100 to +100: each rule that fires adds signed points (RSI overbought or "
    "oversold, MACD crossover, price against its 50- and 200-day averages, the 50/200-day "
    "crossover, 52-week breakouts, volume surges), scaled so that every bullish rule at once "
    f"is +100. {BUY_THRESHOLD:+d} or more is Buy, {SELL_THRESHOLD:+d} or less is Sell, "
    "anything between is Hold."
)


def page() -> rx.Component:
    return page_layout(
        "Recommendations",
        rx.callout(DISCLAIMER, icon="info", id="disclaimer", margin_bottom="12px"),
        rx.cond(
            S.loading,
            rx.hstack(rx.spinner(), rx.text("Rating every NSE stock…"), id="rec-loading"),
        ),
        rx.heading("Heat map: size by market cap, colour by today's change", size="3"),
        heat_map(),
        rx.heading("Signals", size="3", margin_top="16px"),
        rx.text(SCORE_LEGEND, size="1", color="var(--gray-11)", id="score-legend"),
        filters(),
        table(),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, RecommendationsState.load]
