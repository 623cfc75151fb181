"""Sector Analysis: a live heat map of NSE sectors and a table of their breadth and
leaders; clicking a sector lists its constituents live.

Sector figures are computed once per tick for the whole process (every session sees the
same market) and shipped as short display strings; only the open sector's constituents
get quote rows.
"""

from __future__ import annotations

import re

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.card import page_stack
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color
from stockapp.components.quote_table import Column, live_quote_table
from stockapp.components.table import scroll_table
from stockapp.components.treemap import heat_colour, tile_layouts, tile_text, treemap
from stockapp.market.analytics import SectorView
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.state.auth import AuthState
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import key_str, views_for

MARKET = "india_nse"
LAKH_CRORE = 1e12
HIDDEN = dict.fromkeys(("x", "y", "w", "h", "px", "py", "pw", "ph"), "0%") | {"fit": "tm-hidden"}


def slug(sector: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", sector.lower()).strip("-")


def lakh_crore(value: float) -> str:
    return fmt.number(value / LAKH_CRORE, 2) + " L Cr"


def _leader(pair: tuple | None) -> tuple[str, str]:
    if pair is None:
        return "—", ""
    inst, q = pair
    return inst.symbol, fmt.pct(q.change_percent)


def _tile(view: SectorView, geometry: dict[str, str]) -> dict[str, str]:
    best, best_cp = _leader(view.best)
    worst, worst_cp = _leader(view.worst)
    return {
        "slug": slug(view.sector),
        "name": view.sector,
        "cp": fmt.pct(view.change_percent),
        "cap": lakh_crore(view.market_cap),
        "bg": heat_colour(view.change_percent),
        **geometry,
        "adv": str(view.breadth.advances),
        "dec": str(view.breadth.declines),
        "best": best,
        "best_cp": best_cp,
        "worst": worst,
        "worst_cp": worst_cp,
    }


def sector_tiles(snap: MarketSnapshot) -> list[dict[str, str]]:
    """The heat map's tiles, largest sector first (once per tick for every session)."""
    views = sorted(snap.sectors(MARKET), key=lambda v: -v.market_cap)
    places = tile_layouts([(v.sector, v.market_cap) for v in views], {})
    return [_tile(v, places.get(v.sector, HIDDEN)) for v in views]


def sector_members(snap: MarketSnapshot, sector: str) -> list[dict[str, str]]:
    """One sector's constituents, largest first (once per tick and sector)."""
    view = next((v for v in snap.sectors(MARKET) if v.sector == sector), None)
    if view is None:
        return []
    caps = [(i, snap.fundamentals(i).market_cap or 0.0) for i, _ in view.members]
    caps.sort(key=lambda m: -m[1])
    return [
        {"k": key_str(i.key), "symbol": i.symbol, "name": i.name, "cap": fmt.compact_inr(cap)}
        for i, cap in caps
    ]


class SectorsState(LiveMixin, rx.State):
    tiles: list[dict[str, str]] = []
    selected: str = ""
    members: list[dict[str, str]] = []

    @classmethod
    def _live_view(cls, snapshot: MarketSnapshot, params) -> dict:
        """Tiles, and the open sector's members with their rows: the same for every tab with
        the same sector open (`params`), so computed and sent once per tick."""
        members = snapshot.derive(sector_members, params) if params else []
        keys = [(m["symbol"], MARKET) for m in members]
        quotes = views_for(snapshot, keys) if params else {}
        return {"tiles": snapshot.derive(sector_tiles), "members": members, "quotes": quotes}

    def _track(self) -> None:
        keys = [i.key for i in market.universe().equities(MARKET)]
        live.track(self, keys, shared=self.selected)

    def _recompute(self, snap: MarketSnapshot) -> None:
        tiles = snap.derive(sector_tiles)
        if tiles != self.tiles:
            self.tiles = tiles
        if self.selected:
            members = snap.derive(sector_members, self.selected)
            if members != self.members:
                self.members = members

    def _member_quotes(self, snap: MarketSnapshot) -> None:
        self.quotes = views_for(snap, [(m["symbol"], MARKET) for m in self.members])

    @rx.event
    def load(self):
        wanted = str(self.router.page.params.get("sector") or "")
        self.selected = ""
        self.members = []
        snap = live.snapshot(self)
        self._recompute(snap)
        by_slug = {t["slug"]: t["name"] for t in self.tiles}
        if wanted:
            self._open(snap, by_slug.get(slug(wanted), ""))
        else:
            self.quotes = {}
            self._track()

    def _open(self, snap: MarketSnapshot, sector: str) -> None:
        self.selected = sector if any(t["name"] == sector for t in self.tiles) else ""
        self.members = snap.derive(sector_members, self.selected) if self.selected else []
        self._member_quotes(snap)
        self._track()

    @rx.event
    def select(self, sector: str):
        self._open(live.snapshot(self), "" if sector == self.selected else sector)

    @rx.event
    def close(self):
        self._open(live.snapshot(self), "")

    def _apply_live(self, snapshot, changed):
        self._recompute(snapshot)
        if not self.selected:
            return
        shown = {m["k"] for m in self.members}
        if set(self.quotes) != shown:
            self._member_quotes(snapshot)
            return
        mine = {k: v for k, v in views_for(snapshot, changed).items() if k in shown}
        if mine:
            self.quotes = {**self.quotes, **mine}


# -- components -------------------------------------------------------------------------
def heat_tile(tile) -> rx.Component:
    return rx.el.button(
        *tile_text(
            tile["name"] + " " + tile["cp"] + " " + tile["cap"],
            tile["name"],
            rx.el.span(tile["cp"], class_name="tile-cp"),
            tile["cap"],
        ),
        id="sector-tile-" + tile["slug"],
        type="button",
        on_click=SectorsState.select(tile["name"]),
        title=tile["name"] + " " + tile["cp"] + " " + tile["cap"],
        aria_pressed=SectorsState.selected == tile["name"],
        custom_attrs={"data-change": tile["cp"]},
        class_name="tm-tile sector-tile",
        background=tile["bg"],
    )


def heat_map() -> rx.Component:
    return treemap(
        SectorsState.tiles,
        heat_tile,
        id="sector-heatmap",
        label="Sectors sized by market cap, coloured by today's change",
    )


def sector_row(tile) -> rx.Component:
    num = {"text_align": "right", "class_name": "num"}
    return rx.table.row(
        rx.table.cell(
            rx.button(
                tile["name"],
                on_click=SectorsState.select(tile["name"]),
                variant="ghost",
                size="1",
                class_name="sector-name",
            )
        ),
        rx.table.cell(rx.text(tile["cp"], color=change_color(tile["cp"])), **num),
        rx.table.cell(tile["cap"], **num),
        rx.table.cell(
            rx.text(
                rx.text.span(tile["adv"], color="var(--green-11)"),
                " / ",
                rx.text.span(tile["dec"], color="var(--red-11)"),
            ),
            **num,
        ),
        rx.table.cell(
            rx.text(tile["best"], " ", rx.text.span(tile["best_cp"], color="var(--green-11)")),
            class_name="num hide-mobile",
        ),
        rx.table.cell(
            rx.text(tile["worst"], " ", rx.text.span(tile["worst_cp"], color="var(--red-11)")),
            class_name="num hide-mobile",
        ),
        key=tile["slug"],
        id="sector-row-" + tile["slug"],
    )


def sector_table() -> rx.Component:
    return scroll_table(
        rx.table.row(
            rx.table.column_header_cell("Sector"),
            rx.table.column_header_cell("Change %", text_align="right"),
            rx.table.column_header_cell("Market cap", text_align="right"),
            rx.table.column_header_cell("Adv / Dec", text_align="right"),
            rx.table.column_header_cell("Best", class_name="hide-mobile"),
            rx.table.column_header_cell("Worst", class_name="hide-mobile"),
        ),
        rx.foreach(SectorsState.tiles, sector_row),
        "sector-table",
    )


def members_panel() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading(SectorsState.selected, size="4"),
            rx.badge(SectorsState.members.length(), " stocks"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=14),
                size="1",
                variant="ghost",
                on_click=SectorsState.close,
                aria_label="Close constituents",
            ),
            align="center",
            width="100%",
        ),
        live_quote_table(
            SectorsState.members,
            SectorsState.quotes,
            [Column("Market cap", lambda m: m["cap"])],
            row_id="member-",
        ),
        id="sector-panel",
        width="100%",
        max_height="480px",
        overflow_y="auto",
        # a scrolling region: reachable and named for keyboard users
        tab_index=0,
        role="region",
        aria_label=SectorsState.selected + " constituents",
    )


def page() -> rx.Component:
    return page_layout(
        "Sector Analysis",
        page_stack(
            rx.text(
                "Tiles are sized by market cap and coloured by the sector's market-cap-"
                "weighted change today. Select a sector to see its stocks.",
                size="2",
                color="var(--gray-11)",
            ),
            rx.cond(SectorsState.tiles.length() > 0, heat_map(), rx.spinner()),
            # the picked sector's stocks open above the table, which keeps its full width
            rx.cond(SectorsState.selected != "", members_panel()),
            sector_table(),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, SectorsState.load]
