"""Options chain: strikes around ATM for one underlying and expiry, repriced on every tick.

The chain is rebuilt from the live underlying price in `_apply_live` (about a millisecond)
and sent as rows of display strings, only the strikes on screen and the Greek columns only
when shown. Formatted rows are cached per (underlying, expiry, spot, ...) so every tab
watching the same chain shares one formatting pass per tick.
"""

from __future__ import annotations

import time
from datetime import date
from functools import lru_cache

import reflex as rx

from stockapp import formatting as fmt
from stockapp.api.options import chain_at, fno_underlying, listed_contracts
from stockapp.components.layout import page_layout
from stockapp.components.price import change_text, flash_price, live_dot
from stockapp.components.search import instrument_combobox
from stockapp.market.calendar import IST, calendar_status
from stockapp.market.clock import app_now
from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.market.options import BANKNIFTY, FINNIFTY, NIFTY, Contract, OptionChain, OptionLeg
from stockapp.runtime import runtime
from stockapp.state.auth import AuthState
from stockapp.state.combobox import COMBO_LIMIT, ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import key_str

URL_NAMES = {NIFTY: "NIFTY", BANKNIFTY: "BANKNIFTY", FINNIFTY: "FINNIFTY"}
STRIKE_CHOICES = ["5", "10", "15", "20"]
DEFAULT_STRIKES = 10
OI_REFRESH_SECONDS = 5  # OI and volume drift with the session clock; rows refresh this often


def url_name(inst: Instrument) -> str:
    return URL_NAMES.get(inst.symbol, inst.symbol)


def _num(value: float, decimals: int = 2) -> str:
    """fmt.number, fast where Indian and Western grouping agree (below one lakh)."""
    if abs(value) < fmt.LAKH:
        return fmt.fixed(value, decimals)
    return fmt.number(value, decimals)


def expiry_label(contract: Contract) -> str:
    """ "2027-01-25 · monthly", with "(est.)" when the holiday list behind it is estimated."""
    label = f"{contract.expiry.isoformat()} · {contract.kind}"
    return label if contract.calendar_verified else f"{label} (est.)"


def _compact(value: int) -> str:
    """fmt.compact without Babel on the hot path: 2,942 / 2.37 L / 1.20 Cr."""
    size = abs(value)
    sign = "-" if value < 0 else ""
    if size >= fmt.CRORE:
        return f"{sign}{_num(size / fmt.CRORE)} Cr"
    if size >= fmt.LAKH:
        return f"{sign}{fmt.fixed(size / fmt.LAKH, 2)} L"
    return f"{sign}{size:,}"


def _leg_cells(prefix: str, leg: OptionLeg, max_oi: int, greeks: bool) -> dict[str, str]:
    cells = {
        prefix + "l": _num(leg.ltp),
        prefix + "b": _num(leg.bid),
        prefix + "a": _num(leg.ask),
        prefix + "v": _compact(leg.volume),
        prefix + "o": _compact(leg.oi),
        prefix + "c": ("+" if leg.oi_change > 0 else "") + _compact(leg.oi_change),
        prefix + "w": f"{(100 * leg.oi / max_oi) if max_oi else 0:.0f}%",
    }
    if greeks:
        cells |= {
            prefix + "iv": f"{leg.iv * 100:.1f}",
            prefix + "d": fmt.fixed(leg.delta, 2),
            prefix + "g": f"{leg.gamma:.4f}",
            prefix + "t": fmt.fixed(leg.theta, 2),
            prefix + "n": fmt.fixed(leg.vega, 2),
        }
    return cells


def format_rows(chain: OptionChain, greeks: bool) -> list[dict[str, str]]:
    spot = chain.underlying_price
    max_oi = max((max(r.call.oi, r.put.oi) for r in chain.rows), default=0)
    out = []
    for row in chain.rows:
        cells = {
            "k": _num(row.strike),
            "atm": "1" if row.strike == chain.atm_strike else "",
            "ci": "1" if row.strike < spot else "",
            "pi": "1" if row.strike > spot else "",
        }
        cells |= _leg_cells("c", row.call, max_oi, greeks)
        cells |= _leg_cells("p", row.put, max_oi, greeks)
        out.append(cells)
    return out


def chain_summary(chain: OptionChain) -> dict[str, str]:
    return {
        "pcr": "–" if chain.pcr is None else fmt.fixed(chain.pcr, 2),
        "max_pain": fmt.number(chain.max_pain),
        "atm": fmt.number(chain.atm_strike),
        "lot": str(chain.lot_size),
        "days": f"{chain.time_to_expiry_years * 365:.1f}",
        "rate": f"{chain.risk_free_rate * 100:.2f}%",
    }


@lru_cache(maxsize=64)
def _view(
    symbol: str, expiry: date, strikes: int, spot: float, greeks: bool, _slot: int
) -> tuple[tuple[dict[str, str], ...], dict[str, str]]:
    inst = runtime.universe.get(symbol)
    assert inst is not None
    chain = chain_at(inst, spot, expiry, strikes)
    return tuple(format_rows(chain, greeks)), chain_summary(chain)


def chain_view(
    inst: Instrument, expiry: date, strikes: int, spot: float, greeks: bool
) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows, summary = _view(
        inst.symbol, expiry, strikes, spot, greeks, int(time.time() // OI_REFRESH_SECONDS)
    )
    return list(rows), summary


class OptionsState(ComboboxMixin, LiveMixin, rx.State):
    underlying: str = ""
    url_symbol: str = ""
    ukey: str = ""
    is_index: bool = False
    expiries: list[str] = []
    expiry_labels: list[dict[str, str]] = []  # {"value": ISO date, "label": "... · monthly"}
    expiry: str = ""
    calendar_note: str = ""  # "holiday calendar estimated for 2027" for the chosen expiry
    strikes: str = str(DEFAULT_STRIKES)
    show_greeks: bool = False
    rows: list[dict[str, str]] = []
    summary: dict[str, str] = {}
    error: str = ""
    loaded: bool = False
    _spot: float = 0.0

    def _inst(self) -> Instrument | None:
        return fno_underlying(runtime.universe, self.underlying) if self.underlying else None

    def _rebuild(self, force: bool = False) -> None:
        inst = self._inst()
        hub = runtime.hub
        quote = hub.latest(inst.key) if inst and hub else None
        if inst is None or quote is None or not self.expiry:
            return
        if not force and quote.current_price == self._spot:
            return
        self._spot = quote.current_price
        rows, summary = chain_view(
            inst,
            date.fromisoformat(self.expiry),
            int(self.strikes),
            quote.current_price,
            self.show_greeks,
        )
        self.rows, self.summary = rows, summary

    def _apply_live(self, views) -> None:
        super()._apply_live(views)
        if self.ukey in views:
            self._rebuild()

    @rx.event
    async def load(self):
        self.error = ""
        self._combo_reset()
        wanted = str(self.router.page.params.get("symbol") or "NIFTY")
        inst = fno_underlying(runtime.universe, wanted)
        if inst is None:
            self.loaded, self.rows, self.underlying = True, [], ""
            self.error = f"{wanted.upper()} has no listed options. Pick an F&O underlying below."
            live.untrack(self)
            return
        self.underlying, self.url_symbol, self.is_index = inst.symbol, url_name(inst), inst.is_index
        self.ukey = key_str(inst.key)
        listed = listed_contracts(inst)
        self.expiries = [c.expiry.isoformat() for c in listed]
        self.expiry_labels = [
            {"value": c.expiry.isoformat(), "label": expiry_label(c)} for c in listed
        ]
        if self.expiry not in self.expiries:
            self.expiry = self.expiries[0] if self.expiries else ""
        self._note_calendar()
        self.quotes = live.track(self, [inst.key])
        if runtime.hub is not None and runtime.hub.latest(inst.key) is None:
            await runtime.hub.quotes([inst.key])
        self._rebuild(force=True)
        self.loaded = True

    def _note_calendar(self) -> None:
        days = [app_now().astimezone(IST).date()]
        if self.expiry:
            days.append(date.fromisoformat(self.expiry))
        self.calendar_note = calendar_status(*days).note or ""

    @rx.event
    def set_expiry(self, value: str):
        if value in self.expiries:
            self.expiry = value
            self._note_calendar()
            self._rebuild(force=True)

    @rx.event
    def set_strikes(self, value: str):
        if value in STRIKE_CHOICES:
            self.strikes = value
            self._rebuild(force=True)

    @rx.event
    def toggle_greeks(self, value: bool):
        self.show_greeks = bool(value)
        self._rebuild(force=True)

    def _combo_market(self) -> str | None:
        return DEFAULT_MARKET

    def _combo_offers(self, inst: Instrument) -> bool:
        return inst.fno

    def _combo_matches(self, query: str) -> list[Instrument]:
        """A trading name ("BANKNIFTY") first, then the ordinary search."""
        alias = fno_underlying(runtime.universe, query) if query.strip() else None
        found = [i for i in super()._combo_matches(query) if i != alias]
        return [alias, *found][:COMBO_LIMIT] if alias else found

    async def _combo_chosen(self, inst: Instrument):
        return self.choose(url_name(inst))

    @rx.event
    def choose(self, symbol: str):
        self._combo_reset()
        if fno_underlying(runtime.universe, symbol) is not None:
            return rx.redirect(f"/options/{symbol}")


# -- components -----------------------------------------------------------------------------
S = OptionsState
GREEKS = [("IV", "iv"), ("Δ", "d"), ("Γ", "g"), ("Θ", "t"), ("Vega", "n")]
CALL_COLS = [("OI chg", "c"), ("Volume", "v"), ("Bid", "b"), ("Ask", "a"), ("LTP", "l")]
ITM_BG = "var(--amber-a3)"


def oi_bar(row: rx.Var, side: str) -> rx.Component:
    color = "var(--green-a7)" if side == "c" else "var(--red-a7)"
    return rx.vstack(
        rx.text(row[side + "o"], size="1", class_name="num"),
        rx.box(
            rx.box(height="4px", width=row[side + "w"], background=color, border_radius="2px"),
            width="64px",
            background="var(--gray-a3)",
            border_radius="2px",
        ),
        spacing="1",
        align="end" if side == "c" else "start",
    )


def num_cell(value: rx.Var, bg: rx.Var, **props) -> rx.Component:
    return rx.table.cell(value, text_align="right", class_name="num", background=bg, **props)


def row_view(row: rx.Var) -> rx.Component:
    call_bg = rx.cond(row["ci"] == "1", ITM_BG, "transparent")
    put_bg = rx.cond(row["pi"] == "1", ITM_BG, "transparent")
    greek = lambda side, key, bg: rx.cond(  # noqa: E731
        S.show_greeks, num_cell(row[side + key], bg, color="var(--gray-11)")
    )
    return rx.table.row(
        *[greek("c", key, call_bg) for _, key in GREEKS],
        rx.table.cell(oi_bar(row, "c"), background=call_bg),
        *[num_cell(row["c" + key], call_bg) for _, key in CALL_COLS],
        rx.table.cell(
            rx.text(row["k"], weight="bold", class_name="num"),
            text_align="center",
            background=rx.cond(row["atm"] == "1", "var(--accent-a5)", "var(--gray-a2)"),
        ),
        *[num_cell(row["p" + key], put_bg) for _, key in reversed(CALL_COLS)],
        rx.table.cell(oi_bar(row, "p"), background=put_bg),
        *[greek("p", key, put_bg) for _, key in reversed(GREEKS)],
        id=rx.cond(row["atm"] == "1", "atm-row", ""),
        class_name=rx.cond(row["atm"] == "1", "chain-row atm", "chain-row"),
    )


def header() -> rx.Component:
    head = lambda label: rx.table.column_header_cell(label, text_align="right")  # noqa: E731
    greek_heads = [rx.cond(S.show_greeks, head(label)) for label, _ in GREEKS]
    return rx.table.header(
        rx.table.row(
            *greek_heads,
            head("OI"),
            *[head(label) for label, _ in CALL_COLS],
            rx.table.column_header_cell("Strike", text_align="center"),
            *[head(label) for label, _ in reversed(CALL_COLS)],
            head("OI"),
            *reversed(greek_heads),
        )
    )


def chain_table() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge("CALLS", color_scheme="green"),
            rx.spacer(),
            rx.badge("PUTS", color_scheme="red"),
            width="100%",
        ),
        rx.table.root(
            header(),
            rx.table.body(rx.foreach(S.rows, row_view)),
            size="1",
            width="100%",
            id="chain-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def stat(label: str, value: rx.Var | str, id_: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(value, size="3", weight="bold", class_name="num", id=id_),
        spacing="0",
    )


def summary_bar() -> rx.Component:
    view = S.quotes[S.ukey]
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(rx.heading(S.underlying, size="5"), live_dot(), align="center"),
                rx.cond(
                    S.quotes.contains(S.ukey),
                    rx.hstack(
                        rx.box(flash_price(view, size="5", rupee=~S.is_index), id="spot-price"),
                        change_text(view),
                        align="center",
                    ),
                    rx.text("waiting for the first price…", size="2"),
                ),
                spacing="1",
            ),
            rx.spacer(),
            stat("PCR", S.summary["pcr"], "chain-pcr"),
            stat("Max pain", S.summary["max_pain"], "chain-max-pain"),
            stat("ATM", S.summary["atm"], "chain-atm"),
            stat("Lot size", S.summary["lot"], "chain-lot"),
            stat("Days to expiry", S.summary["days"], "chain-days"),
            stat("Rate", S.summary["rate"], "chain-rate"),
            wrap="wrap",
            spacing="5",
            align="center",
            width="100%",
        ),
        width="100%",
    )


def picker() -> rx.Component:
    quick = [("NIFTY", "NIFTY"), ("BANKNIFTY", "BANKNIFTY"), ("FINNIFTY", "FINNIFTY")]
    return rx.hstack(
        instrument_combobox(
            S,
            input_id="options-underlying",
            placeholder="F&O underlying: NIFTY, RELIANCE…",
            aria_label="Options underlying",
            icon="search",
            max_width="320px",
        ),
        *[
            rx.button(label, size="1", variant="soft", on_click=S.choose(target))
            for label, target in quick
        ],
        rx.select.root(
            rx.select.trigger(id="options-expiry", aria_label="Expiry"),
            rx.select.content(
                rx.foreach(
                    S.expiry_labels,
                    lambda o: rx.select.item(o["label"], value=o["value"]),
                )
            ),
            value=S.expiry,
            on_change=S.set_expiry,
        ),
        rx.select(
            STRIKE_CHOICES,
            value=S.strikes,
            on_change=S.set_strikes,
            aria_label="Strikes each side",
        ),
        rx.text("strikes each side", size="1"),
        rx.hstack(
            rx.switch(checked=S.show_greeks, on_change=S.toggle_greeks, id="greeks-toggle"),
            rx.text("Greeks", size="2"),
            align="center",
        ),
        wrap="wrap",
        spacing="3",
        align="center",
    )


def page() -> rx.Component:
    return page_layout(
        "Options Chain",
        rx.vstack(
            picker(),
            rx.cond(
                S.error != "",
                rx.callout(
                    S.error, icon="triangle-alert", color_scheme="amber", id="options-error"
                ),
            ),
            rx.cond(
                S.calendar_note != "",
                rx.callout(
                    S.calendar_note
                    + ": expiry dates and days to expiry assume the holidays known so far.",
                    icon="calendar",
                    color_scheme="amber",
                    size="1",
                    id="options-calendar-note",
                ),
            ),
            rx.cond(
                ~S.loaded,
                rx.hstack(rx.spinner(), rx.text("Loading the chain…")),
                rx.cond(
                    S.rows.length() > 0,
                    rx.vstack(summary_bar(), chain_table(), spacing="3", width="100%"),
                    rx.cond(
                        S.error == "",
                        rx.callout("No prices yet for this underlying.", icon="info"),
                    ),
                ),
            ),
            rx.text(
                "Simulated chain: European Black-Scholes on spot, no dividends. "
                "IV in %, theta per calendar day, vega per 1 vol point. "
                "Shaded cells are in the money.",
                size="1",
                color="var(--gray-11)",
            ),
            spacing="3",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, OptionsState.load]
