"""Portfolio's "Paper" switch: the same holdings, P&L and history views over the user's
paper fills instead of their real trades, with the virtual funds and charges beside them.

The switch is kept in the browser's local storage, so it survives navigation, reloads and
new tabs. A page state mixes this in and reads its book through `_book_in_view`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from stockapp import formatting as fmt
from stockapp.market.models import Key
from stockapp.portfolio import Position, Trade
from stockapp.services import paper
from stockapp.services import portfolio as real_book
from stockapp.state.order_updates import on_order_update


class PaperViewMixin(rx.State, mixin=True):
    paper: str = rx.LocalStorage("", name="portfolio_paper", sync=True)
    paper_funds: dict[str, str] = {}

    @rx.var
    def paper_on(self) -> bool:
        return self.paper == "1"

    @rx.event
    def set_paper(self, value: bool):
        """Switch views and load the book now in view."""
        self.paper = "1" if value else ""
        return type(self).load

    async def _book_in_view(self, uid: int) -> tuple[list[Trade], dict[Key, Position]]:
        """The real book, or with the switch on the paper one (and its funds)."""
        if self.paper != "1":
            return await real_book.book(uid)
        trades, positions, money, charges = await paper.book(uid)
        self.paper_funds = {
            "cash": fmt.inr(float(money.cash)),
            "blocked": fmt.inr(float(money.blocked)),
            "available": fmt.inr(float(money.available)),
            "opening": fmt.inr(float(money.opening_balance)),
            "charges": fmt.inr(float(charges)),
        }
        return trades, positions


def refresh_on_fills(cls: type[rx.State]) -> None:
    """Reload `cls` (a page state with `loaded` and `_reload(uid)`) in the owner's tabs when
    one of their paper orders fills while the Paper view is on."""

    async def refresh(root: rx.State, uid: int, order: dict[str, Any]) -> None:
        state = await root.get_state(cls)
        if state.loaded and state.paper == "1" and order.get("status") == "executed":
            await state._reload(uid)

    on_order_update(refresh)
