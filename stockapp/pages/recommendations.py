"""Recommendations: rule-based Buy / Hold / Sell for every NSE equity, and a live heat map.

Ratings come from the process-wide RecommendationService, which rates the whole market at
most once every few seconds however many sessions are open; a session only re-sends its
table when a new rating pass exists. Heat-map colours follow each tick's % change.
"""

from __future__ import annotations

import reflex as rx

from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price
from stockapp.components.treemap import heat_colour as heat_color
from stockapp.components.treemap import tile_geometry, tile_text, treemap
from stockapp.market.recommend import Rated, recommendation_service
from stockapp.market.signals import BUY_THRESHOLD, SELL_THRESHOLD
from stockapp.market.treemap import squarified
from stockapp.runtime import runtime
from stockapp.state.auth import AuthState
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import QuoteView, key_str
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
        equities = runtime.universe.equities(MARKET)
        self.quotes = live.track(self, [i.key for i in equities])
        self.tile_colors = {
            k: heat_color(parse_pct(view_field(v, "cp"))) for k, v in self.quotes.items()
        }
        provider = runtime.provider
        if provider is None:
            return
        self.loading = True
        yield
        service = recommendation_service()
        await service.ensure_ready(MARKET, provider)
        self.loading = False
        self._generation = -1
        self._refresh()

    def _refresh(self) -> None:
        hub = runtime.hub
        if hub is None:
            return
        ratings = recommendation_service().current(MARKET, hub.latest)
        if ratings is None or ratings.generation == self._generation:
            return
        self._generation = ratings.generation
        items = ratings.items
        counts = {v: 0 for v in VERDICTS[1:]}
        for item in items:
            counts[item.recommendation.verdict] += 1
        self.counts = {"All": len(items), **counts}
        if not self.tiles:
            by_key = {key_str(i.instrument.key): i.instrument.symbol for i in items}
            cells = squarified([(key_str(i.instrument.key), i.market_cap or 0.0) for i in items])
            self.tiles = [
                {"k": c.key, "symbol": by_key[c.key], **tile_geometry(c, by_key[c.key])}
                for c in cells
            ]
        chosen = [i for i in items if self.verdict in ("All", i.recommendation.verdict)]
        if self.verdict == "Sell":
            chosen.reverse()
        self.rows = [_row(i) for i in chosen[:TABLE_ROWS]]

    @rx.event
    def set_verdict(self, verdict: str):
        if verdict in VERDICTS:
            self.verdict = verdict
            self._generation = -1
            self._refresh()

    def _apply_live(self, views: dict[str, QuoteView]) -> None:
        self.quotes = {**self.quotes, **views}
        colors = {k: heat_color(parse_pct(view_field(v, "cp"))) for k, v in views.items()}
        self.tile_colors = {**self.tile_colors, **colors}
        if not self.loading:
            self._refresh()


# -- components ------------------------------------------------------------------------------

S = RecommendationsState


def verdict_badge(verdict: rx.Var) -> rx.Component:
    return rx.badge(
        verdict,
        color_scheme=rx.match(verdict, ("Buy", "green"), ("Sell", "red"), "gray"),
        variant="solid",
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
    def row(r: rx.Var) -> rx.Component:
        view = S.quotes[r["k"]]
        return rx.table.row(
            rx.table.cell(
                rx.vstack(
                    rx.link(rx.text(r["symbol"], weight="bold"), href="/analysis/" + r["symbol"]),
                    rx.text(r["sector"], size="1", color="var(--gray-11)"),
                    spacing="0",
                )
            ),
            rx.table.cell(flash_price(view), text_align="right", class_name="price"),
            rx.table.cell(
                rx.text(field(view, "cp"), color=change_color(field(view, "c"))),
                text_align="right",
                class_name="num change",
            ),
            rx.table.cell(verdict_badge(r["verdict"])),
            rx.table.cell(r["score"], text_align="right", class_name="num score"),
            rx.table.cell(rx.text(r["reasons"], size="1"), class_name="hide-mobile"),
            key=r["k"],
            id="rec-" + r["symbol"],
        )

    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Symbol"),
                    rx.table.column_header_cell("LTP", text_align="right"),
                    rx.table.column_header_cell("Change %", text_align="right"),
                    rx.table.column_header_cell("Signal"),
                    rx.table.column_header_cell("Score", text_align="right"),
                    rx.table.column_header_cell("Top reasons", class_name="hide-mobile"),
                )
            ),
            rx.table.body(rx.foreach(S.rows, row)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        id="rec-table",
    )


def heat_map() -> rx.Component:
    def tile(t: rx.Var) -> rx.Component:
        view = S.quotes[t["k"]]
        return rx.link(
            *tile_text(t["symbol"], rx.el.span(field(view, "cp"), class_name="tile-pct")),
            href="/analysis/" + t["symbol"],
            id="tile-" + t["symbol"],
            aria_label=t["symbol"] + " " + field(view, "cp"),
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
