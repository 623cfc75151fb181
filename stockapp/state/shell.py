"""State of the app shell shown on every page: index ticker, market status, search."""

from __future__ import annotations

import reflex as rx

from stockapp.market.calendar import clock_calendar_status, market_clock
from stockapp.market.clock import app_now
from stockapp.market.models import Instrument
from stockapp.services import quotes
from stockapp.services.instruments import indices
from stockapp.state import toasts
from stockapp.state.auth import current_user_id
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.replay import ReplayState
from stockapp.state.views import key_str

TICKER = ("NIFTY 50", "SENSEX", "NIFTY BANK", "NIFTY IT", "NIFTY NEXT 50", "NIFTY MIDCAP 100")
STATUS_LABEL = {"open": "Open", "pre_open": "Pre-open", "closed": "Closed", "post_close": "Closed"}


def ticker_keys() -> list[tuple[str, str]]:
    out = []
    for sym in TICKER:
        for inst in indices():
            if inst.symbol == sym:
                out.append(inst.key)
    return out


class ShellState(ComboboxMixin, LiveMixin, rx.State):
    ticker: list[dict[str, str]] = [{"k": key_str(k), "name": k[0]} for k in ticker_keys()]
    market_status: str = ""
    simulated: bool = True
    calendar_note: str = ""  # "holiday calendar estimated for 2027" when it is

    @rx.event
    async def load(self):
        self._combo_reset()  # a new page starts with the search box closed and empty
        # the tab watches its user's replay while one exists, else the live market
        replay = await self.get_state(ReplayState)
        await replay._follow(await current_user_id(self), ticker_keys())
        self.quotes = live.track(self, ticker_keys(), shell=True)
        await toasts.register(self)  # this tab now receives its user's alert toasts
        self.simulated = quotes.simulated()
        now = app_now()
        status = market_clock(now).status
        if self.simulated and quotes.market_hours() == "always":
            status = "open"
        self.market_status = STATUS_LABEL.get(status, "Closed")
        self.calendar_note = clock_calendar_status(now).note or ""

    async def _combo_chosen(self, inst: Instrument):
        self._combo_reset()
        return rx.redirect(f"/analysis/{inst.symbol}")
