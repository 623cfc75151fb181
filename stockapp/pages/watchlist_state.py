"""State of the Watchlist page: the user's lists, the active one's rows kept live and sorted."""

from __future__ import annotations

import reflex as rx

from stockapp.market.models import Instrument, Key, Quote
from stockapp.services import watchlists as wl
from stockapp.services.instruments import known, name_of
from stockapp.services.quotes import latest
from stockapp.state.auth import current_user_id
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live, rows_direct
from stockapp.state.sorting import next_sort
from stockapp.state.views import facts_view, key_str, parse_key_str

SORTABLE = {
    "symbol": lambda k, q: k[0],
    "ltp": lambda k, q: q.current_price if q else 0.0,
    "change": lambda k, q: q.change if q else 0.0,
    "change_pct": lambda k, q: q.change_percent if q else 0.0,
    "high": lambda k, q: q.high if q else 0.0,
    "low": lambda k, q: q.low if q else 0.0,
    "volume": lambda k, q: q.volume if q else 0,
    "range52": lambda k, q: (
        (q.current_price - q.week52_low) / (q.week52_high - q.week52_low)
        if q and q.week52_high > q.week52_low
        else 0.0
    ),
}
LIVE_SORTS = set(SORTABLE) - {"symbol"}


@rows_direct  # unless sorted by a live column: `_resort` then holds it on the state path
class WatchlistState(ComboboxMixin, LiveMixin, rx.State):
    lists: list[dict[str, str]] = []
    active_id: int = 0
    rows: list[str] = []
    facts: dict[str, dict[str, str]] = {}
    sort_col: str = ""
    sort_desc: bool = False
    notice: str = ""
    new_name: str = ""
    error: str = ""
    loaded: bool = False

    # -- loading -------------------------------------------------------------------------
    async def _user(self) -> int | None:
        return await current_user_id(self)

    async def _refresh(self, prefer: int | None = None) -> None:
        uid = await self._user()
        if uid is None:
            self.lists, self.rows, self.active_id = [], [], 0
            live.untrack(self)
            return
        lists = await wl.lists(uid)
        self.lists = [{"id": str(d.id), "name": d.name, "n": str(len(d.items))} for d in lists]
        ids = [d.id for d in lists]
        active = prefer if prefer in ids else (self.active_id if self.active_id in ids else None)
        if active is None and lists:
            active = lists[0].id
        self.active_id = active or 0
        items: list[Key] = next((d.items for d in lists if d.id == active), [])
        self._set_items(items)

    def _set_items(self, items: list[Key]) -> None:
        self.quotes = live.track(self, items)
        facts = {}
        for key in items:
            q = latest(key)
            facts[key_str(key)] = {
                "symbol": key[0],
                "name": name_of(*key),
                "exch": "BSE" if key[1] == "india_bse" else "NSE",
                **(facts_view(q) if q else {}),
            }
        self.facts = facts
        self.rows = [key_str(k) for k in items]
        self._resort()

    @rx.event
    async def load(self):
        self.error = self.notice = ""
        want = self.router.page.params.get("id")
        await self._refresh(int(want) if str(want or "").isdigit() else None)
        self.loaded = True

    # -- sorting -------------------------------------------------------------------------
    def _resort(self) -> None:
        live.hold(self, self.sort_col in LIVE_SORTS)
        if not self.sort_col:
            return
        key_fn = SORTABLE[self.sort_col]

        def k(row: str):
            key = parse_key_str(row)
            q: Quote | None = latest(key)
            return key_fn(key, q)

        ordered = sorted(self.rows, key=k, reverse=self.sort_desc)
        if ordered != self.rows:
            self.rows = ordered

    @rx.event
    def sort_by(self, col: str):
        if col not in SORTABLE:
            return
        self.sort_col, self.sort_desc = next_sort(self.sort_col, self.sort_desc, col)
        self._resort()

    def _apply_live(self, snapshot, changed):
        super()._apply_live(snapshot, changed)
        if self.sort_col in LIVE_SORTS:
            self._resort()

    # -- editing -------------------------------------------------------------------------
    async def _edit(self, fn, *args) -> bool:
        uid = await self._user()
        if uid is None:
            self.error = "Log in to edit watchlists"
            return False
        try:
            await fn(uid, *args)
        except wl.EDIT_ERRORS as exc:
            self.error = str(exc)
            return False
        self.error = ""
        return True

    @rx.event
    async def select_list(self, watchlist_id: str):
        if str(watchlist_id).isdigit():
            await self._refresh(int(watchlist_id))

    @rx.event
    async def create_list(self, form: dict):
        name = str(form.get("name", "")).strip()
        uid = await self._user()
        if uid is None:
            return
        try:
            data = await wl.create(uid, name)
        except wl.EDIT_ERRORS as exc:
            self.error = str(exc)
            return
        self.error, self.new_name = "", ""
        await self._refresh(data.id)

    @rx.event
    async def rename_list(self, form: dict):
        if await self._edit(wl.rename, self.active_id, str(form.get("name", ""))):
            await self._refresh(self.active_id)

    @rx.event
    async def delete_list(self):
        if await self._edit(wl.delete, self.active_id):
            self.active_id = 0
            await self._refresh()

    async def _combo_chosen(self, inst: Instrument):
        await self.add_symbol(inst.symbol, inst.market)

    @rx.event
    async def add_symbol(self, symbol: str, market: str = "india_nse"):
        self.notice = ""
        if not known(symbol, market):
            self.error = f"Unknown symbol {symbol}"
            return
        if not self.active_id:
            self.error = "Create a watchlist first"
            return
        if key_str((symbol, market)) in self.rows:
            self.error = ""
            self.notice = f"{symbol} is already in this watchlist"
            self._combo_reset()
            return
        if await self._edit(wl.add_item, self.active_id, symbol, market):
            self._combo_reset()
            await self._refresh(self.active_id)

    @rx.event
    async def remove_symbol(self, row: str):
        symbol, market = parse_key_str(row)
        if await self._edit(wl.remove_item, self.active_id, symbol, market):
            await self._refresh(self.active_id)
