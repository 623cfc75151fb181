"""The Screener page's state: the filter form, the live result rows (re-screened at most
every RESCREEN_S seconds so rows do not jump while being read) and each user's saved screens.
The page's components are in screener.py."""

from __future__ import annotations

import time

import reflex as rx

from stockapp import formatting as fmt
from stockapp.market.screening import (
    PARAMS,
    ScreenCriteria,
    ScreenParamError,
    ScreenRow,
    apply_screen,
    criteria_from_dict,
    criteria_from_params,
    params_from_criteria,
)
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.services import screens as saved
from stockapp.state.auth import current_user_id
from stockapp.state.live import LiveMixin, live
from stockapp.state.sorting import next_sort
from stockapp.state.views import key_str, views_for

MARKET = "india_nse"
RESCREEN_S = 2.0
SHOW_MAX = 100
BLANK = {name: "" for name in PARAMS}
PRESETS: dict[str, dict[str, str]] = {
    "Oversold large caps": {"rsi_max": "35", "mcap_min_cr": "50000"},
    "Near 52-week high": {"near_high_pct": "5"},
    "Volume surge": {"volume_ratio_min": "2"},
    "Low P/E": {"pe_max": "15"},
    "Strong gainers today": {"change_min": "2"},
}
COLUMNS = [
    ("symbol", "Symbol", "left"),
    ("price", "LTP", "right"),
    ("change_percent", "Change %", "right"),
    ("market_cap", "Market cap", "right"),
    ("pe", "P/E", "right"),
    ("rsi14", "RSI", "right"),
    ("volume_ratio", "Vol / 20d", "right"),
    ("pct_from_52w_high", "From 52w high", "right"),
]


def all_sectors() -> list[str]:
    return sorted({i.sector for i in market.universe().equities(MARKET) if i.sector})


def _num(value: float | None, places: int = 1, suffix: str = "") -> str:
    return "—" if value is None else fmt.number(value, places) + suffix


def result_row(row: ScreenRow) -> dict[str, str]:
    return {
        "k": key_str((row.symbol, MARKET)),
        "symbol": row.symbol,
        "name": row.name,
        "sector": row.sector,
        "mcap": fmt.compact_inr(row.market_cap),
        "pe": _num(row.pe),
        "rsi": _num(row.rsi14),
        "vr": _num(row.volume_ratio, 2, "×"),
        "hi": "—" if row.pct_from_52w_high is None else f"-{fmt.fixed(row.pct_from_52w_high, 1)}%",
    }


class ScreenerState(LiveMixin, rx.State):
    form: dict[str, str] = dict(BLANK)
    sectors: list[str] = []
    sector_names: list[str] = all_sectors()
    errors: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    count: int = 0
    universe_size: int = 0
    sort_col: str = "market_cap"
    sort_desc: bool = True
    screens: list[dict[str, str]] = []
    notice: str = ""
    loading: bool = False
    _screened_at: float = 0.0

    # -- screening -----------------------------------------------------------------------
    def _criteria(self) -> ScreenCriteria | None:
        try:
            criteria = criteria_from_params(
                self.form,
                sectors=self.sectors,
                known_sectors=self.sector_names,
                sort=self.sort_col,
                descending=self.sort_desc,
            )
        except ScreenParamError as exc:
            self.errors = exc.errors
            return None
        if self.errors:
            self.errors = {}
        return criteria

    def _rescreen(self, snap: MarketSnapshot | None = None) -> None:
        criteria, data = self._criteria(), market.screen_data(MARKET)
        if criteria is None or data is None:
            return
        snap = snap or live.snapshot(self)
        rows = snap.screen_rows(data)
        matched = apply_screen(rows, criteria)
        shown = [result_row(r) for r in matched[:SHOW_MAX]]
        if shown != self.rows:
            self.rows = shown
        self.count, self.universe_size = len(matched), len(rows)
        self.quotes = views_for(snap, [(r["symbol"], MARKET) for r in shown])
        self._screened_at = time.monotonic()

    def _apply_live(self, snapshot, changed):
        if time.monotonic() - self._screened_at >= RESCREEN_S:
            self._rescreen(snapshot)
            return
        mine = {k: v for k, v in views_for(snapshot, changed).items() if k in self.quotes}
        if mine:
            self.quotes = {**self.quotes, **mine}

    @rx.event
    async def load(self):
        self.sector_names = all_sectors()
        self.notice = ""
        live.track(self, [i.key for i in market.universe().equities(MARKET)])
        await self._load_screens()
        data = market.screen_data(MARKET)
        if data is not None and not data.ready:
            self.loading = True
            yield
            await data.ensure()
        self.loading = False
        self._rescreen()

    # -- the form ------------------------------------------------------------------------
    @rx.event
    def set_field(self, name: str, value: str):
        if name in PARAMS:
            self.form = {**self.form, name: str(value)}
            self._rescreen()

    @rx.event
    def toggle_sector(self, sector: str, checked: bool):
        chosen = [s for s in self.sectors if s != sector]
        if checked and sector in self.sector_names:
            chosen.append(sector)
        self.sectors = sorted(chosen)
        self._rescreen()

    @rx.event
    def apply(self, _form: dict):
        self._rescreen()

    @rx.event
    def reset_filters(self):
        self.form, self.sectors, self.notice = dict(BLANK), [], ""
        self._rescreen()

    @rx.event
    def apply_preset(self, name: str):
        preset = PRESETS.get(name)
        if preset is not None:
            self.form, self.sectors = {**BLANK, **preset}, []
            self.notice = f"Preset: {name}"
            self._rescreen()

    @rx.event
    def sort_by(self, col: str):
        if col not in {c for c, _, _ in COLUMNS}:
            return
        self.sort_col, self.sort_desc = next_sort(self.sort_col, self.sort_desc, col)
        self._rescreen()

    # -- saved screens -------------------------------------------------------------------
    async def _load_screens(self) -> None:
        uid = await current_user_id(self)
        if uid is None:
            self.screens = []
            return
        found = await saved.screens(uid)
        self.screens = [{"id": str(s.id), "name": s.name} for s in found]

    @rx.event
    async def save_screen(self, form: dict):
        uid = await current_user_id(self)
        if uid is None:
            self.notice = "Log in to save screens"
            return
        criteria = self._criteria()
        if criteria is None:
            self.notice = "Fix the highlighted filters before saving"
            return
        try:
            screen = await saved.save(uid, str(form.get("name", "")), criteria)
        except saved.SAVE_ERRORS as exc:
            self.notice = str(exc)
            return
        self.notice = f"Saved “{screen.name}”"
        await self._load_screens()

    async def _owned_screen(self, screen_id: str) -> saved.SavedScreen | None:
        uid = await current_user_id(self)
        if uid is None or not str(screen_id).isdigit():
            return None
        try:
            return await saved.get(uid, int(screen_id))
        except saved.NotFound:
            self.notice = "That screen no longer exists"
            await self._load_screens()
            return None

    @rx.event
    async def load_screen(self, screen_id: str):
        screen = await self._owned_screen(screen_id)
        if screen is None:
            return
        try:
            criteria = criteria_from_dict(screen.criteria)
        except ValueError as exc:
            self.notice = f"Cannot load “{screen.name}”: {exc}"
            return
        self.form = params_from_criteria(criteria)
        self.sectors = sorted(s for s in criteria.sectors or () if s in self.sector_names)
        if criteria.sort_by:
            self.sort_col, self.sort_desc = criteria.sort_by, criteria.descending
        self.notice = f"Loaded “{screen.name}”"
        self._rescreen()

    @rx.event
    async def delete_screen(self, screen_id: str):
        screen = await self._owned_screen(screen_id)
        if screen is None:
            return
        uid = await current_user_id(self)
        await saved.delete(uid, screen.id)
        self.notice = f"Deleted “{screen.name}”"
        await self._load_screens()
