"""State of the Options page: strikes around ATM for one underlying and expiry, repriced live.

The chain is rebuilt from the live underlying price in `_apply_live` (about a millisecond)
and sent as rows of display strings, only the strikes on screen and the Greek columns only
when shown. Chains and their formatted rows are memoised on the market snapshot, so every
tab watching the same chain shares one pricing and one formatting pass per tick.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from stockapp.market.calendar import IST, calendar_status
from stockapp.market.clock import app_now
from stockapp.market.models import DEFAULT_MARKET, Instrument
from stockapp.market.snapshot import MarketSnapshot
from stockapp.pages.options_format import chain_summary, expiry_label, format_rows, url_name
from stockapp.services import quotes
from stockapp.services.options import fno_underlying, listed_contracts
from stockapp.state.combobox import COMBO_LIMIT, ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.views import key_str, parse_key_str

STRIKE_CHOICES = ["5", "10", "15", "20"]
DEFAULT_STRIKES = 10


def chain_view(
    snap: MarketSnapshot, inst: Instrument, expiry: date, strikes: int, greeks: bool
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The chain's display rows and summary at the snapshot's price, formatted once per
    tick for every tab watching the same chain."""
    chain = snap.option_chain(inst, expiry, strikes)
    if chain is None:
        return [], {}
    return format_rows(chain, greeks), chain_summary(chain)


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
        return fno_underlying(self.underlying) if self.underlying else None

    def _rebuild(self, force: bool = False, snap: MarketSnapshot | None = None) -> None:
        inst, snap = self._inst(), snap or live.snapshot(self)
        quote = snap.get(inst.key) if inst else None
        if inst is None or quote is None or not self.expiry:
            return
        if not force and quote.current_price == self._spot:
            return
        self._spot = quote.current_price
        expiry = date.fromisoformat(self.expiry)
        rows, summary = snap.derive(chain_view, inst, expiry, int(self.strikes), self.show_greeks)
        self.rows, self.summary = list(rows), summary

    def _apply_live(self, snapshot, changed) -> None:
        super()._apply_live(snapshot, changed)
        if parse_key_str(self.ukey) in changed:
            self._rebuild(snap=snapshot)

    @rx.event
    async def load(self):
        self.error = ""
        self._combo_reset()
        wanted = str(self.router.page.params.get("symbol") or "NIFTY")
        inst = fno_underlying(wanted)
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
        await quotes.fetch_missing([inst.key])
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
        alias = fno_underlying(query) if query.strip() else None
        found = [i for i in super()._combo_matches(query) if i != alias]
        return [alias, *found][:COMBO_LIMIT] if alias else found

    async def _combo_chosen(self, inst: Instrument):
        return self.choose(url_name(inst))

    @rx.event
    def choose(self, symbol: str):
        self._combo_reset()
        if fno_underlying(symbol) is not None:
            return rx.redirect(f"/options/{symbol}")
