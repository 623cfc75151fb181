"""The symbol last opened on each per-symbol page (Analysis, Peers, Options), kept in the
browser, so the bare /analysis, /peers and /options open where the person left off."""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx

from stockapp.market.options import resolve_underlying
from stockapp.services.instruments import instrument

SECTIONS = ("analysis", "peers", "options")


def known(section: str, symbol: str) -> bool:
    """Whether `symbol` opens a real page in `section` (an unknown one is not remembered)."""
    text = symbol.strip().upper()
    if text.endswith("@BSE"):
        inst = instrument(text[:-4], "india_bse")
    else:
        inst = instrument(resolve_underlying(text))
    if inst is None:
        return False
    if section == "peers":
        return not inst.is_index
    if section == "options":
        return inst.fno
    return True


class RecentState(rx.State):
    last_analysis: str = rx.LocalStorage("", name="stockapp_last_analysis")
    last_peers: str = rx.LocalStorage("", name="stockapp_last_peers")
    last_options: str = rx.LocalStorage("", name="stockapp_last_options")

    def _last(self, section: str) -> str:
        value = str(getattr(self, f"last_{section}", "") or "") if section in SECTIONS else ""
        return value if value and known(section, value) else ""

    @rx.event
    def remember(self):
        """On load of /<section>/<symbol>: note the symbol if the page could show it."""
        parts = self.router.url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] in SECTIONS:
            symbol = unquote(parts[1])
            if known(parts[0], symbol):
                setattr(self, f"last_{parts[0]}", symbol)
