"""Recommendations: rule-based Buy / Hold / Sell for every NSE equity, and a live heat map.

Ratings come from the process-wide RecommendationService, which rates the whole market at
most once every few seconds however many sessions are open; a session only re-sends its
table when a new rating pass exists. Heat-map colours follow each tick's % change.
"""

from __future__ import annotations

import math

import reflex as rx

from stockapp.components.layout import page_layout
from stockapp.components.price import field
from stockapp.components.quote_table import Column, live_quote_table
from stockapp.market.recommend import Rated
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
HEAT_SPAN_PCT = 3.0  # a move this large or larger gets the full colour
NEUTRAL_RGB = (113, 113, 122)
UP_RGB = (22, 163, 74)
DOWN_RGB = (220, 38, 38)
TILE_MIN_PX, TILE_SPAN_PX = 52, 200


def heat_color(change_pct: float) -> str:
    """Tile background for a % change: grey at 0, deepening to green (up) or red (down)."""
    weight = min(abs(change_pct) / HEAT_SPAN_PCT, 1.0)
    target = UP_RGB if change_pct > 0 else DOWN_RGB
    r, g, b = (round(n + (t - n) * weight) for n, t in zip(NEUTRAL_RGB, target, strict=True))
    return f"rgb({r}, {g}, {b})"


def parse_pct(text: str) -> float:
    """'+1.23%' -> 1.23; anything unparsable counts as unchanged."""
    try:
        return float(text.replace("%", "").replace(",", ""))
    except ValueError:
        return 0.0


def tile_basis(market_cap: float, largest: float) -> str:
    """Tile width grows with the square root of market cap, so area tracks it roughly."""
    share = math.sqrt(market_cap / largest) if largest > 0 and market_cap > 0 else 0.0
    return f"{TILE_MIN_PX + round(TILE_SPAN_PX * share)}px"


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
        self._refresh(market.snapshot())

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
            caps = {key_str(i.instrument.key): i.market_cap or 0.0 for i in items}
            largest = max(caps.values(), default=0.0)
            by_cap = sorted(items, key=lambda i: -(i.market_cap or 0.0))
            self.tiles = [
                {
                    "k": key_str(i.instrument.key),
                    "symbol": i.instrument.symbol,
                    "basis": tile_basis(caps[key_str(i.instrument.key)], largest),
                }
                for i in by_cap
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
            self._refresh(market.snapshot())

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
            rx.box(
                rx.text(t["symbol"], size="1", weight="bold"),
                rx.text(field(view, "cp"), size="1", class_name="num tile-pct"),
                id="tile-" + t["symbol"],
                background_color=S.tile_colors[t["k"]],
                flex=rx.Var.create("1 1 ") + t["basis"],
                height="44px",
                padding="4px 6px",
                color="white",
                border_radius="4px",
                overflow="hidden",
                class_name="heat-tile",
            ),
            href="/analysis/" + t["symbol"],
            underline="none",
            display="contents",
        )

    return rx.box(
        rx.flex(rx.foreach(S.tiles, tile), wrap="wrap", gap="3px", width="100%"),
        max_height="380px",
        overflow_y="auto",
        width="100%",
        id="heat-map",
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
        filters(),
        table(),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, RecommendationsState.load]
