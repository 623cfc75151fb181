"""Screener: filter NSE equities by sector, price, day change, volume surge, RSI(14),
distance from the 52-week high/low, market cap and P/E; results stay live.

Prices in the results tick every second; the result set itself is re-filtered at most
every RESCREEN_S seconds so rows do not jump while being read. Screens can be saved per
user; presets cover the common questions.
"""

from __future__ import annotations

import time

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.confirm import delete_button
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price, live_dot
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
from stockapp.state.auth import AuthState, current_user_id
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
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
        if self.sort_col == col:
            self.sort_desc = not self.sort_desc
        else:
            self.sort_col, self.sort_desc = col, col != "symbol"
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


# -- components -------------------------------------------------------------------------
def field_input(name: str, placeholder: str) -> rx.Component:
    return rx.input(
        value=ScreenerState.form[name],
        on_change=ScreenerState.set_field(name),
        placeholder=placeholder,
        id="f-" + name,
        name=name,
        input_mode="decimal",
        auto_complete="off",
        aria_label=PARAMS[name].label,
        aria_invalid=ScreenerState.errors.contains(name),
        size="2",
        width="100%",
    )


def error_text(*names: str) -> rx.Component:
    return rx.fragment(
        *[
            rx.cond(
                ScreenerState.errors.contains(n),
                rx.text(ScreenerState.errors[n], size="1", color="var(--red-11)", id="err-" + n),
            )
            for n in names
        ]
    )


def range_group(
    label: str, low: str, high: str | None = None, placeholder: str = ""
) -> rx.Component:
    inputs = [field_input(low, placeholder or ("min" if high else "max %"))]
    if high is not None:
        inputs.append(field_input(high, "max"))
    names = [low, high] if high else [low]
    return rx.vstack(
        rx.el.label(
            label, html_for="f-" + low, class_name="rt-Text rt-r-size-2 rt-r-weight-medium"
        ),
        rx.hstack(*inputs, spacing="2", width="100%"),
        error_text(*names),
        spacing="1",
        width="100%",
    )


def sector_picker() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Sectors", size="2", weight="medium"),
            rx.cond(
                ScreenerState.sectors.length() > 0,
                rx.badge(ScreenerState.sectors.length(), " selected"),
                rx.text("(all)", size="1", color="var(--gray-11)"),
            ),
            align="center",
        ),
        rx.flex(
            rx.foreach(
                ScreenerState.sector_names,
                lambda s: rx.checkbox(
                    s,
                    checked=ScreenerState.sectors.contains(s),
                    on_change=ScreenerState.toggle_sector(s),
                    size="1",
                ),
            ),
            wrap="wrap",
            gap="8px 14px",
            id="sector-picker",
        ),
        error_text("sector"),
        spacing="1",
        width="100%",
    )


def filters() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                sector_picker(),
                rx.grid(
                    range_group("Price (₹)", "price_min", "price_max"),
                    range_group("Day change %", "change_min", "change_max"),
                    range_group("RSI (14)", "rsi_min", "rsi_max"),
                    range_group("Market cap (₹ Cr)", "mcap_min_cr", "mcap_max_cr"),
                    range_group("P/E", "pe_min", "pe_max"),
                    range_group(
                        "Volume ÷ 20-day average, at least",
                        "volume_ratio_min",
                        placeholder="e.g. 2 = twice the usual volume",
                    ),
                    range_group("Within % of 52-week high", "near_high_pct"),
                    range_group("Within % of 52-week low", "near_low_pct"),
                    columns=rx.breakpoints(initial="1", sm="2", lg="4"),
                    gap="12px",
                    width="100%",
                ),
                rx.hstack(
                    rx.button("Apply", type="submit", size="2", id="screener-apply"),
                    rx.button(
                        "Reset", type="button", variant="soft", on_click=ScreenerState.reset_filters
                    ),
                    spacing="2",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=ScreenerState.apply,
            id="screener-form",
        ),
        width="100%",
    )


def presets_and_saved() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Presets:", size="2", weight="medium"),
            *[
                rx.button(
                    name,
                    size="1",
                    variant="surface",
                    on_click=ScreenerState.apply_preset(name),
                    id="preset-" + name.lower().replace(" ", "-"),
                )
                for name in PRESETS
            ],
            wrap="wrap",
            align="center",
            spacing="2",
        ),
        rx.cond(
            AuthState.logged_in,
            rx.hstack(
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="name",
                            placeholder="Name this screen",
                            required=True,
                            max_length=64,
                            size="1",
                            id="screen-name",
                        ),
                        rx.button("Save screen", type="submit", size="1", id="screen-save"),
                    ),
                    on_submit=ScreenerState.save_screen,
                    reset_on_submit=True,
                ),
                rx.foreach(
                    ScreenerState.screens,
                    lambda s: rx.hstack(
                        rx.button(
                            s["name"],
                            size="1",
                            variant="soft",
                            on_click=ScreenerState.load_screen(s["id"]),
                        ),
                        delete_button(
                            ScreenerState.delete_screen(s["id"]), "Delete screen " + s["name"]
                        ),
                        spacing="1",
                        class_name="saved-screen",
                    ),
                ),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            rx.text(
                rx.link("Log in", href="/login?next=/screener"),
                " to save your screens.",
                size="2",
            ),
        ),
        rx.cond(ScreenerState.notice != "", rx.text(ScreenerState.notice, size="2", id="notice")),
        spacing="2",
        width="100%",
    )


def header_cell(col: str, label: str, align: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.el.button(
            label,
            rx.cond(
                ScreenerState.sort_col == col,
                rx.cond(ScreenerState.sort_desc, " ▼", " ▲"),
                "",
            ),
            on_click=ScreenerState.sort_by(col),
            aria_label="Sort by " + label,
            class_name="sort-header",
            style={"background": "transparent", "font_weight": "600", "color": "inherit"},
        ),
        text_align=align,
        class_name="hide-mobile" if col in ("pe", "volume_ratio", "pct_from_52w_high") else "",
    )


def result(r) -> rx.Component:
    view = ScreenerState.quotes[r["k"]]
    num = {"text_align": "right", "class_name": "num"}
    wide = {"text_align": "right", "class_name": "num hide-mobile"}
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(rx.text(r["symbol"], weight="bold"), href="/analysis/" + r["symbol"]),
                rx.text(r["sector"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.cond(
                ScreenerState.quotes.contains(r["k"]),
                rx.hstack(flash_price(view), live_dot(), justify="end", align="center"),
                rx.text("…"),
            ),
            text_align="right",
        ),
        rx.table.cell(rx.text(field(view, "cp"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(r["mcap"], **num),
        rx.table.cell(r["pe"], **wide),
        rx.table.cell(r["rsi"], **num),
        rx.table.cell(r["vr"], **wide),
        rx.table.cell(r["hi"], **wide),
        key=r["k"],
        id="result-" + r["symbol"],
    )


def results() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(
                rx.text.span(ScreenerState.count, id="screener-count-n"),
                " of ",
                ScreenerState.universe_size,
                " stocks match",
                size="2",
                id="screener-count",
            ),
            rx.cond(
                ScreenerState.count > SHOW_MAX,
                rx.text(f"showing the first {SHOW_MAX}", size="1", color="var(--gray-11)"),
            ),
            live_dot(),
            align="center",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[header_cell(*c) for c in COLUMNS])),
                rx.table.body(rx.foreach(ScreenerState.rows, result)),
                size="1",
                width="100%",
                id="screener-results",
            ),
            overflow_x="auto",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def page() -> rx.Component:
    return page_layout(
        "Screener",
        rx.vstack(
            presets_and_saved(),
            filters(),
            rx.cond(
                ScreenerState.loading,
                rx.hstack(rx.spinner(), rx.text("Loading price history for RSI and returns…")),
                results(),
            ),
            spacing="3",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, ScreenerState.load]
