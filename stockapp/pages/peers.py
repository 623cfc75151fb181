"""Peer Comparison: a stock beside its same-industry peers, live, with returns and a
relative-performance chart (each line rebased to 100 six months ago).

Peers can be added and removed for the session. A link can name extra and dropped peers
(`/peers/TCS?with=RELIANCE&without=WIPRO`); adding and removing does not rewrite the address,
because each redirect re-ran the page load and raced with the next change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.layout import page_layout
from stockapp.components.price import change_color, field, flash_price, live_dot
from stockapp.components.search import instrument_combobox
from stockapp.market.calendar import IST
from stockapp.market.instruments import Instrument
from stockapp.market.screening import ScreenData, fundamentals, shared_screen_data
from stockapp.runtime import runtime
from stockapp.state.auth import AuthState
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.shell import ShellState
from stockapp.state.views import key_str

MARKET = "india_nse"
PEER_LIMIT = 6
MAX_MEMBERS = 12
CHART_SESSIONS = 126  # about six months of trading days
CHART_REFRESH_S = 10.0  # the chart's live last point moves at most this often
COLOURS = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#4f46e5",
    "#0d9488",
    "#9333ea",
)


def _equity(symbol: str) -> Instrument | None:
    inst = runtime.universe.get(symbol, MARKET)
    return inst if inst is not None and not inst.is_index else None


def _data() -> ScreenData | None:
    provider = runtime.provider
    if provider is None:
        return None
    return shared_screen_data(provider, runtime.universe, MARKET)


def _cap_text(value: float | None) -> str:
    return fmt.compact_inr(value) if value is not None else "—"


def peer_row(inst: Instrument, colour: str, subject: bool, data: ScreenData | None) -> dict:
    hub = runtime.hub
    q = hub.latest(inst.key) if hub else None
    cap, pe = fundamentals(inst, q.current_price if q else inst.ref_price)
    rets = data.returns(inst.key, q) if data and data.ready else {}
    return {
        "k": key_str(inst.key),
        "symbol": inst.symbol,
        "name": inst.name,
        "industry": inst.industry,
        "mcap": _cap_text(cap),
        "pe": fmt.number(pe, 1) if pe is not None else "—",
        "r1m": fmt.pct(rets.get("1m")),
        "r6m": fmt.pct(rets.get("6m")),
        "r1y": fmt.pct(rets.get("1y")),
        "colour": colour,
        "subject": "1" if subject else "",
    }


def relative_chart(symbols: list[str], data: ScreenData) -> list[dict]:
    """One point per session of the first symbol's dates: each close / its first close x
    100, with today's point at the live price."""
    hub = runtime.hub
    series: list[dict] = []
    axis: tuple = ()
    for n, symbol in enumerate(symbols):
        inst = _equity(symbol)
        if inst is None:
            continue
        days, closes = data.closes_since(inst.key, CHART_SESSIONS)
        if not len(closes) or closes[0] <= 0:
            continue
        q = hub.latest(inst.key) if hub else None
        tail = data.tail(inst.key)
        if q is not None and tail is not None:
            if tail.appends_today(q.prev_close):  # history ends yesterday: today is new
                days = (*days[1:], q.timestamp.astimezone(IST).date())
                closes = np.append(closes[1:], q.current_price)
            else:
                closes = closes.copy()
                closes[-1] = q.current_price
        if not axis:
            axis = days
        by_day = dict(zip(days, (closes / closes[0] * 100).round(2).tolist(), strict=True))
        series.append({"key": f"s{n}", "values": by_day})
    points = []
    for day in axis:
        point: dict = {"d": day.strftime("%d %b")}
        for s in series:
            if day in s["values"]:
                point[s["key"]] = s["values"][day]
        points.append(point)
    return points


class PeersState(ComboboxMixin, LiveMixin, rx.State):
    subject: str = ""
    subject_name: str = ""
    industry: str = ""
    error: str = ""
    loading: bool = False
    rows: list[dict[str, str]] = []
    chart: list[dict[str, float | str]] = []
    lines: list[dict[str, str]] = []
    error_add: str = ""
    _members: list[str] = []
    _defaults: list[str] = []
    _chart_at: float = 0.0

    def _colour(self, symbol: str) -> str:
        return COLOURS[self._members.index(symbol) % len(COLOURS)]

    def _rebuild_rows(self) -> None:
        data = _data()
        self.rows = [
            peer_row(inst, self._colour(s), s == self.subject, data)
            for s in self._members
            if (inst := _equity(s)) is not None
        ]

    def _rebuild_chart(self) -> None:
        data = _data()
        if data is None or not data.ready:
            return
        self.chart = relative_chart(self._members, data)
        self.lines = [
            {"key": f"s{n}", "name": s, "colour": self._colour(s)}
            for n, s in enumerate(self._members)
        ]
        self._chart_at = time.monotonic()

    def _track(self) -> None:
        keys = [inst.key for s in self._members if (inst := _equity(s)) is not None]
        self.quotes = live.track(self, keys)

    @rx.event
    async def load(self):
        params = self.router.page.params
        symbol = str(params.get("symbol") or "").strip().upper()
        self._combo_reset()
        inst = _equity(symbol)
        if inst is None:
            known = runtime.universe.get(symbol, MARKET)
            self.error = (
                f"{symbol} is an index; peer comparison covers individual stocks."
                if known is not None
                else f"Unknown symbol {symbol!r}. Search for a stock by symbol or name above."
            )
            self.subject, self.rows, self.chart, self.lines, self.quotes = symbol, [], [], [], {}
            live.untrack(self)
            return
        self.error = ""
        self.subject, self.subject_name, self.industry = inst.symbol, inst.name, inst.industry
        self._defaults = [p.symbol for p in runtime.universe.peers(inst, PEER_LIMIT)]
        extras = [s for s in _symbols(params.get("with")) if _equity(s) is not None]
        dropped = set(_symbols(params.get("without")))
        members = [inst.symbol, *(s for s in self._defaults if s not in dropped), *extras]
        self._members = _unique(members)[:MAX_MEMBERS]
        self._track()
        self._rebuild_rows()
        data = _data()
        if data is not None and not data.ready:
            self.loading, self.chart = True, []
            yield
            await data.ensure()
            self.loading = False
            self._rebuild_rows()
        self._rebuild_chart()

    def _apply_live(self, views):
        super()._apply_live(views)
        self._rebuild_rows()
        if time.monotonic() - self._chart_at >= CHART_REFRESH_S:
            self._rebuild_chart()

    def _combo_market(self) -> str | None:
        return MARKET

    def _combo_offers(self, inst: Instrument) -> bool:
        return not inst.is_index and inst.symbol not in self._members

    async def _combo_chosen(self, inst: Instrument):
        if not self.subject or self.error:  # no stock to compare with yet: open this one
            self._combo_reset()
            return rx.redirect(f"/peers/{inst.symbol}")
        return self.add_peer(inst.symbol)

    @rx.event
    def add_peer(self, symbol: str):
        inst = _equity(symbol)
        if inst is None or not self.subject or self.error:
            return
        self.error_add = ""
        self._combo_reset()
        if inst.symbol in self._members:
            return
        if len(self._members) >= MAX_MEMBERS:
            self.error_add = f"Compare at most {MAX_MEMBERS} stocks at once"
            return
        self._members = [*self._members, inst.symbol]
        self._track()
        self._rebuild_rows()
        self._rebuild_chart()

    @rx.event
    def remove_peer(self, symbol: str):
        if symbol == self.subject or symbol not in self._members:
            return
        self._members = [s for s in self._members if s != symbol]
        self._track()
        self._rebuild_rows()
        self._rebuild_chart()


def _symbols(raw: object) -> list[str]:
    return [s.strip() for s in str(raw or "").upper().split(",") if s.strip()]


def _unique(symbols: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(s for s in symbols if s))


# -- components -------------------------------------------------------------------------
def row(r) -> rx.Component:
    view = PeersState.quotes[r["k"]]
    num = {"text_align": "right", "class_name": "num"}

    def ret(text):
        return rx.table.cell(rx.text(text, color=change_color(text)), **num)

    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.box(
                    width="10px",
                    height="10px",
                    border_radius="50%",
                    background=r["colour"],
                    flex_shrink="0",
                ),
                rx.vstack(
                    rx.link(rx.text(r["symbol"], weight="bold"), href="/analysis/" + r["symbol"]),
                    rx.text(r["name"], size="1", color="var(--gray-11)", class_name="hide-mobile"),
                    spacing="0",
                ),
                align="center",
                spacing="2",
            )
        ),
        rx.table.cell(
            rx.cond(
                PeersState.quotes.contains(r["k"]),
                rx.hstack(flash_price(view), live_dot(), justify="end", align="center"),
                rx.text("…"),
            ),
            text_align="right",
        ),
        rx.table.cell(rx.text(field(view, "cp"), color=change_color(field(view, "c"))), **num),
        rx.table.cell(r["mcap"], **num),
        rx.table.cell(r["pe"], **num),
        ret(r["r1m"]),
        ret(r["r6m"]),
        ret(r["r1y"]),
        rx.table.cell(
            rx.cond(
                r["subject"] == "1",
                rx.badge("Subject", variant="soft"),
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=PeersState.remove_peer(r["symbol"]),
                    aria_label="Remove " + r["symbol"],
                ),
            )
        ),
        key=r["k"],
        id="peer-" + r["symbol"],
        background=rx.cond(r["subject"] == "1", "var(--accent-a2)", "transparent"),
    )


def table() -> rx.Component:
    right = {"text_align": "right"}
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Stock"),
                    rx.table.column_header_cell("LTP", **right),
                    rx.table.column_header_cell("Change %", **right),
                    rx.table.column_header_cell("Market cap", **right),
                    rx.table.column_header_cell("P/E", **right),
                    rx.table.column_header_cell("1M", **right),
                    rx.table.column_header_cell("6M", **right),
                    rx.table.column_header_cell("1Y", **right),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(PeersState.rows, row)),
            size="1",
            width="100%",
            id="peers-table",
        ),
        overflow_x="auto",
        width="100%",
    )


def chart() -> rx.Component:
    return rx.card(
        rx.text("Relative performance, 6 months (rebased to 100)", weight="bold", size="2"),
        rx.cond(
            PeersState.loading,
            rx.hstack(rx.spinner(), rx.text("Loading price history…", size="2")),
            rx.recharts.responsive_container(
                rx.recharts.line_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke_opacity=0.3),
                    rx.recharts.x_axis(data_key="d", min_tick_gap=24, tick={"fontSize": 11}),
                    rx.recharts.y_axis(domain=["auto", "auto"], width=44, tick={"fontSize": 11}),
                    rx.recharts.tooltip(),
                    rx.recharts.reference_line(y=100, stroke="var(--gray-8)"),
                    rx.foreach(
                        PeersState.lines,
                        lambda line: rx.recharts.line(
                            data_key=line["key"],
                            name=line["name"],
                            stroke=line["colour"],
                            dot=False,
                            is_animation_active=False,
                            stroke_width=2,
                        ),
                    ),
                    data=PeersState.chart,
                ),
                width="100%",
                height=320,
            ),
        ),
        width="100%",
        id="peers-chart",
    )


def add_box() -> rx.Component:
    return rx.vstack(
        instrument_combobox(
            PeersState,
            input_id="peer-add",
            placeholder="Add a stock to compare (symbol or name), Enter to add",
            aria_label="Add a stock to compare",
            results_id="peer-add-results",
            result_class="peer-result",
            icon="plus",
            max_width="420px",
        ),
        rx.cond(
            PeersState.error_add != "",
            rx.text(PeersState.error_add, color="var(--red-11)", size="2"),
        ),
        width="100%",
        spacing="1",
    )


def page() -> rx.Component:
    return page_layout(
        "Peer Comparison",
        rx.cond(
            PeersState.error != "",
            rx.callout(
                PeersState.error, icon="triangle-alert", color_scheme="red", id="peers-error"
            ),
            rx.vstack(
                rx.hstack(
                    rx.heading(PeersState.subject, size="5", id="peers-subject"),
                    rx.text(PeersState.subject_name, color="var(--gray-11)"),
                    rx.badge(PeersState.industry, variant="soft"),
                    wrap="wrap",
                    align="center",
                ),
                add_box(),
                table(),
                chart(),
                spacing="3",
                width="100%",
            ),
        ),
    )


ON_LOAD = [AuthState.check_login, ShellState.load, PeersState.load]
