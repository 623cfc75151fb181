"""Bare /analysis, /peers and /options: open the symbol last used there, else a picker."""

from __future__ import annotations

import reflex as rx

from stockapp.components.card import page_stack
from stockapp.components.layout import page_layout
from stockapp.components.search import instrument_picker
from stockapp.market.models import Instrument
from stockapp.state.auth import AuthState
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.recent import SECTIONS, RecentState
from stockapp.state.shell import ShellState

PROMPTS = {
    "analysis": ("Analysis", "Which stock or index do you want to chart?"),
    "peers": ("Peer Comparison", "Which stock do you want to compare with its peers?"),
    "options": ("Options Chain", "Which F&O underlying's option chain do you want?"),
}
QUICK = {
    "analysis": ["NIFTY 50", "RELIANCE", "HDFCBANK", "TCS", "INFY"],
    "peers": ["RELIANCE", "HDFCBANK", "TCS", "INFY", "ITC"],
    "options": ["NIFTY", "BANKNIFTY", "FINNIFTY", "RELIANCE"],
}


class SymbolPickState(ComboboxMixin, rx.State):
    section: str = "analysis"

    def _combo_offers(self, inst: Instrument) -> bool:
        if self.section == "peers":
            return not inst.is_index
        if self.section == "options":
            return inst.fno
        return True

    async def _combo_chosen(self, inst: Instrument):
        self._combo_reset()
        return rx.redirect(f"/{self.section}/{inst.symbol}")

    @rx.event
    async def load(self):
        self._combo_reset()
        section = self.router.url.path.strip("/").split("/")[0]
        self.section = section if section in SECTIONS else "analysis"
        last = (await self.get_state(RecentState))._last(self.section)
        if last:
            return rx.redirect(f"/{self.section}/{last}", replace=True)


def _body(section: str) -> rx.Component:
    title, prompt = PROMPTS[section]
    return page_layout(
        title,
        rx.card(
            page_stack(
                rx.text(prompt, size="3", weight="medium"),
                instrument_picker(SymbolPickState, "pick"),
                rx.hstack(
                    rx.text("Popular:", size="2", color="var(--gray-11)"),
                    *[
                        rx.link(rx.badge(s, variant="soft", size="2"), href=f"/{section}/{s}")
                        for s in QUICK[section]
                    ],
                    wrap="wrap",
                    align="center",
                    spacing="2",
                ),
            ),
            max_width="640px",
            id="symbol-picker",
            class_name="combo-host",
        ),
    )


def analysis_page() -> rx.Component:
    return _body("analysis")


def peers_page() -> rx.Component:
    return _body("peers")


def options_page() -> rx.Component:
    return _body("options")


ON_LOAD = [AuthState.check_login, ShellState.load, SymbolPickState.load]
