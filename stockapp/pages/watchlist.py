"""Watchlist: several named lists per user, every row live, sortable by any column."""

from __future__ import annotations

import reflex as rx

from stockapp.components.alert_dialog import alert_button
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price, live_dot
from stockapp.components.search import instrument_combobox
from stockapp.market.models import DEFAULT_MARKET, Instrument, Key, Quote
from stockapp.services import watchlists as wl
from stockapp.services.instruments import known, name_of
from stockapp.services.quotes import latest
from stockapp.state.auth import AuthState, current_user_id
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
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
        if self.sort_col == col:
            self.sort_desc = not self.sort_desc
        else:
            self.sort_col, self.sort_desc = col, col != "symbol"
        self._resort()

    def _apply_live(self, views):
        super()._apply_live(views)
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


# -- components -------------------------------------------------------------------------
def header_cell(label: str, col: str, align: str = "right") -> rx.Component:
    return rx.table.column_header_cell(
        rx.hstack(
            rx.text(label),
            rx.cond(
                WatchlistState.sort_col == col,
                rx.cond(
                    WatchlistState.sort_desc,
                    rx.icon("chevron-down", size=14),
                    rx.icon("chevron-up", size=14),
                ),
            ),
            spacing="1",
            justify="end" if align == "right" else "start",
        ),
        on_click=WatchlistState.sort_by(col),
        class_name="sort-header",
        aria_label=f"Sort by {label}",
        text_align=align,
    )


def row(key: rx.Var[str]) -> rx.Component:
    view = WatchlistState.quotes[key]
    fact = WatchlistState.facts[key]
    num = {"text_align": "right", "class_name": "num"}
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(rx.text(fact["symbol"], weight="bold"), href="/analysis/" + fact["symbol"]),
                rx.text(fact["name"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.cond(
                WatchlistState.quotes.contains(key),
                rx.hstack(flash_price(view), live_dot(), justify="end", align="center"),
                rx.text("loading…", size="1"),
            ),
            text_align="right",
        ),
        rx.table.cell(rx.text(field(view, "c"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(rx.text(field(view, "cp"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(field(view, "h"), **num),
        rx.table.cell(field(view, "l"), **num),
        rx.table.cell(field(view, "v"), **num),
        rx.table.cell(
            rx.text(fact["lo52"], " – ", fact["hi52"], size="1"),
            **num,
        ),
        rx.table.cell(
            rx.hstack(
                alert_button(
                    fact["symbol"], rx.cond(fact["exch"] == "BSE", "india_bse", DEFAULT_MARKET)
                ),
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=WatchlistState.remove_symbol(key),
                    aria_label="Remove " + fact["symbol"],
                ),
                spacing="3",
            )
        ),
        id="row-" + fact["symbol"],
    )


def table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    header_cell("Symbol", "symbol", "left"),
                    header_cell("LTP", "ltp"),
                    header_cell("Change", "change"),
                    header_cell("%", "change_pct"),
                    header_cell("High", "high"),
                    header_cell("Low", "low"),
                    header_cell("Volume", "volume"),
                    header_cell("52-wk range", "range52"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(WatchlistState.rows, row)),
            size="1",
            width="100%",
            id="watchlist-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def add_box() -> rx.Component:
    return instrument_combobox(
        WatchlistState,
        input_id="watchlist-add",
        placeholder="Add a symbol: type RELIANCE or a company name, Enter to add",
        max_width="480px",
    )


def list_bar() -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(placeholder="Choose a watchlist", id="watchlist-select"),
            rx.select.content(
                rx.foreach(
                    WatchlistState.lists,
                    lambda w: rx.select.item(w["name"] + " (" + w["n"] + ")", value=w["id"]),
                )
            ),
            value=WatchlistState.active_id.to_string(),
            on_change=WatchlistState.select_list,
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="New list name",
                    size="2",
                    required=True,
                    id="new-list-name",
                ),
                rx.button("Create", type="submit", size="2", variant="soft"),
            ),
            on_submit=WatchlistState.create_list,
            reset_on_submit=True,
        ),
        rx.popover.root(
            rx.popover.trigger(rx.button("Rename", size="2", variant="soft")),
            rx.popover.content(
                rx.form(
                    rx.hstack(
                        rx.input(name="name", placeholder="New name", required=True),
                        rx.popover.close(rx.button("Save", type="submit")),
                    ),
                    on_submit=WatchlistState.rename_list,
                )
            ),
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button("Delete", size="2", variant="soft", color_scheme="red")
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete this watchlist?"),
                rx.alert_dialog.description("Its symbols are removed too. This cannot be undone."),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                    rx.alert_dialog.action(
                        rx.button("Delete", color_scheme="red", on_click=WatchlistState.delete_list)
                    ),
                    justify="end",
                ),
            ),
        ),
        wrap="wrap",
        spacing="2",
        align="center",
    )


def empty_state() -> rx.Component:
    return rx.callout(
        "This watchlist is empty. Type a symbol or company name in the box above "
        '(for example TCS or "HDFC") and press Enter to add it; prices then stream live.',
        icon="star",
        id="watchlist-empty",
    )


def page() -> rx.Component:
    return page_layout(
        "Watchlist",
        rx.vstack(
            list_bar(),
            add_box(),
            rx.cond(
                WatchlistState.error != "",
                rx.callout(WatchlistState.error, icon="triangle-alert", color_scheme="red"),
            ),
            rx.cond(
                WatchlistState.notice != "",
                rx.callout(
                    WatchlistState.notice, icon="info", color_scheme="blue", id="watchlist-notice"
                ),
            ),
            rx.cond(
                ~WatchlistState.loaded,
                rx.spinner(),
                rx.cond(WatchlistState.rows.length() > 0, table(), empty_state()),
            ),
            spacing="3",
            width="100%",
        ),
    )


ON_LOAD = [AuthState.require_login, ShellState.load, WatchlistState.load]
