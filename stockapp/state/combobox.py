"""Keyboard state of the instrument combobox (components/search.py), mixed into a page state.

Each page state that shows the combobox mixes this in and says what a choice means by
overriding `_combo_chosen`; which instruments are offered by overriding `_combo_offers`.
Everything runs in Reflex event handlers: ↑/↓ move the highlight, Enter picks the
highlighted option (or the best match of what was typed), Esc closes the list.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from stockapp.market.models import Instrument
from stockapp.services import instruments

COMBO_LIMIT = 8
EXCHANGE = {"india_nse": "NSE", "india_bse": "BSE"}


def option_row(inst: Instrument) -> dict[str, str]:
    return {
        "symbol": inst.symbol,
        "name": "" if inst.name.upper() == inst.symbol else inst.name,
        "market": inst.market,
        "exch": ("Index" if inst.is_index else EXCHANGE.get(inst.market, inst.market))
        + (" · " if inst.name.upper() != inst.symbol else ""),
    }


class ComboboxMixin(rx.State, mixin=True):
    combo_query: str = ""
    combo_options: list[dict[str, str]] = []
    combo_active: int = -1

    # -- what a page overrides ------------------------------------------------------------
    def _combo_offers(self, inst: Instrument) -> bool:
        """Whether this combobox offers `inst` (e.g. the trade form takes no indices)."""
        return True

    def _combo_market(self) -> str | None:
        """The market searched; None: NSE equities and every index."""
        return None

    async def _combo_typed(self, value: str) -> None:
        """Called after each change of the text (the list is already updated)."""

    async def _combo_chosen(self, inst: Instrument) -> Any:
        """Called with the instrument picked; may return events. The default keeps the
        symbol in the box."""
        return None

    # -- shared behaviour -----------------------------------------------------------------
    def _combo_matches(self, query: str) -> list[Instrument]:
        found = instruments.search(query, self._combo_market(), COMBO_LIMIT * 3)
        return [i for i in found if self._combo_offers(i)][:COMBO_LIMIT]

    def _combo_reset(self, text: str = "") -> None:
        """Set the box's text and close its list (e.g. after the enclosing form saved)."""
        self.combo_query, self.combo_options, self.combo_active = text, [], -1

    def _combo_fill(self, value: str) -> None:
        self.combo_query = value
        options = [option_row(i) for i in self._combo_matches(value)] if value.strip() else []
        self.combo_options = options
        self.combo_active = 0 if options else -1

    @rx.event
    async def combo_type(self, value: str):
        self._combo_fill(value)
        await self._combo_typed(value)

    @rx.event
    async def combo_key(self, key: str, _info: dict | None = None):
        n = len(self.combo_options)
        if key == "ArrowDown":
            if n == 0 and self.combo_query.strip():
                self._combo_fill(self.combo_query)  # reopen a list closed by Esc
            elif n:
                self.combo_active = (self.combo_active + 1) % n
        elif key == "ArrowUp" and n:
            self.combo_active = (self.combo_active - 1) % n
        elif key == "Escape":
            self.combo_options, self.combo_active = [], -1
        elif key == "Enter":
            return await self._combo_enter()

    async def _combo_enter(self) -> Any:
        if 0 <= self.combo_active < len(self.combo_options):
            row = self.combo_options[self.combo_active]
            inst = instruments.instrument(row["symbol"], row["market"])
        else:
            matches = self._combo_matches(self.combo_query) if self.combo_query.strip() else []
            inst = matches[0] if matches else None
        if inst is None:
            return None
        return await self._combo_pick(inst)

    @rx.event
    async def combo_pick(self, index: int):
        """A click (mouse down, so it lands before the blur that closes the list)."""
        if 0 <= index < len(self.combo_options):
            row = self.combo_options[index]
            inst = instruments.instrument(row["symbol"], row["market"])
            if inst is not None:
                return await self._combo_pick(inst)

    async def _combo_pick(self, inst: Instrument) -> Any:
        self._combo_reset(inst.symbol)
        return await self._combo_chosen(inst)

    @rx.event
    def combo_close(self, _value: str = ""):
        self.combo_options, self.combo_active = [], -1
