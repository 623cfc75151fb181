"""State of the Peer Comparison page: a stock beside its same-industry peers, live, with
returns and a relative-performance chart (each line rebased to 100 six months ago).

Peers can be added and removed for the session. A link can name extra and dropped peers
(`/peers/TCS?with=RELIANCE&without=WIPRO`); adding and removing does not rewrite the address,
because each redirect re-ran the page load and raced with the next change.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import reflex as rx

from stockapp import formatting as fmt
from stockapp.market.instruments import Instrument
from stockapp.market.screening import ScreenData
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import market
from stockapp.services.instruments import instrument, peers
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
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
    inst = instrument(symbol, MARKET)
    return inst if inst is not None and not inst.is_index else None


def _data() -> ScreenData | None:
    return market.screen_data(MARKET)


def _cap_text(value: float | None) -> str:
    return fmt.compact_inr(value) if value is not None else "—"


def peer_row(
    snap: MarketSnapshot, inst: Instrument, colour: str, subject: bool, data: ScreenData | None
) -> dict:
    q = snap.get(inst.key)
    cap, pe = snap.fundamentals(inst)
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


def relative_chart(snap: MarketSnapshot, symbols: list[str], data: ScreenData) -> list[dict]:
    """One point per session of the first symbol's dates: each close / its first close x
    100, with today's point at the live price."""
    keys = tuple((s, MARKET) for s in symbols)
    axis, series = snap.relative_performance(data, keys, CHART_SESSIONS)
    points = []
    for day in axis:
        point: dict = {"d": day.strftime("%d %b")}
        for n, values in enumerate(series):
            if values is not None and day in values:
                point[f"s{n}"] = values[day]
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

    def _rebuild_rows(self, snap: MarketSnapshot | None = None) -> None:
        snap, data = snap or live.snapshot(self), _data()
        self.rows = [
            peer_row(snap, inst, self._colour(s), s == self.subject, data)
            for s in self._members
            if (inst := _equity(s)) is not None
        ]

    def _rebuild_chart(self, snap: MarketSnapshot | None = None) -> None:
        data = _data()
        if data is None or not data.ready:
            return
        self.chart = relative_chart(snap or live.snapshot(self), self._members, data)
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
            known = instrument(symbol, MARKET)
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
        self._defaults = [p.symbol for p in peers(inst, PEER_LIMIT)]
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

    def _apply_live(self, snapshot, changed):
        super()._apply_live(snapshot, changed)
        self._rebuild_rows(snapshot)
        if time.monotonic() - self._chart_at >= CHART_REFRESH_S:
            self._rebuild_chart(snapshot)

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
