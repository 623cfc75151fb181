"""State of the Analysis page: one instrument's live header and a candlestick chart with indicators.

History and indicators are loaded when the page or the timeframe changes; after that a
tick only moves the forming candle (`last_bar`) and the header, so the chart never redraws
the whole series on a tick.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.candles import DOWN_VOLUME, UP_VOLUME
from stockapp.market.chart_series import (
    TIMEFRAME_BY_LABEL,
    FormingBar,
    bar_point,
    line_points,
)
from stockapp.market.clock import app_now
from stockapp.market.indicators import compute_indicators, output_keys, parse_indicator_spec
from stockapp.market.models import Bar, Instrument
from stockapp.market.options import current_lot_size, resolve_underlying
from stockapp.market.sim import time_note
from stockapp.market.snapshot import MarketSnapshot
from stockapp.services import quotes
from stockapp.services.instruments import instrument, search
from stockapp.state.live import LiveMixin, live
from stockapp.state.views import key_str, parse_key_str, views_for

log = logging.getLogger(__name__)
SPECS = parse_indicator_spec("sma:20,sma:50,ema:20,bbands:20:2,rsi:14,macd:12:26:9")
# toggle -> (label, [(series key, colour)])
OVERLAYS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "sma20": ("SMA 20", [("sma_20", "#f59e0b")]),
    "sma50": ("SMA 50", [("sma_50", "#8b5cf6")]),
    "ema20": ("EMA 20", [("ema_20", "#0ea5e9")]),
    "bb": (
        "Bollinger (20, 2)",
        [("bb_upper", "#94a3b8"), ("bb_middle", "#94a3b8"), ("bb_lower", "#94a3b8")],
    ),
}
PANES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "rsi": ("RSI 14", [("rsi_14", "#a855f7")]),
    "macd": ("MACD (12, 26, 9)", [("macd", "#0ea5e9"), ("macd_signal", "#f97316")]),
}
INDICATOR_TAIL = 400  # bars the live indicator values are computed over (warm-up included)
HIST_KEEP = 2000
SERIES_NAMES = {
    "bb_upper": "BB upper",
    "bb_middle": "BB middle",
    "bb_lower": "BB lower",
    "macd": "MACD",
    "macd_signal": "Signal",
}
POPULAR = ("RELIANCE", "HDFCBANK", "TCS", "INFY", "ICICIBANK", "NIFTY 50")
OPTION_ROOTS = {"NIFTY 50": "NIFTY", "NIFTY BANK": "BANKNIFTY", "NIFTY FIN SERVICE": "FINNIFTY"}


def find_instrument(raw: str) -> Instrument | None:
    text = unquote(raw).strip().upper()
    if text.endswith("@BSE"):
        return instrument(text[:-4], "india_bse")
    return instrument(text) or instrument(resolve_underlying(text)) or instrument(text, "india_bse")


def suggestions(text: str, limit: int = 6) -> list[Instrument]:
    """Close matches for a symbol that was not found, else the most-followed names."""
    found = search(text[:24], None, limit) if text.strip() else []
    if not found and len(text) > 2:
        found = search(text[:3], None, limit)
    return found or [i for s in POPULAR if (i := instrument(s)) is not None]


def option_href(inst: Instrument) -> str:
    if inst.is_index:
        root = OPTION_ROOTS.get(inst.symbol)
        return f"/options/{root}" if root else ""
    return f"/options/{inst.symbol}" if inst.fno and inst.market == "india_nse" else ""


def header_facts(inst: Instrument, snap: MarketSnapshot) -> dict[str, str]:
    q = snap.get(inst.key)
    if q is None:
        return {}
    cap, pe = snap.fundamentals(inst)
    return {
        "hi52": fmt.number(q.week52_high),
        "lo52": fmt.number(q.week52_low),
        "cap": fmt.compact_inr(cap) if cap else "—",
        "pe": fmt.number(pe) if pe else "—",
        "open": fmt.number(q.open),
        "pc": fmt.number(q.prev_close),
    }


class AnalysisState(LiveMixin, rx.State):
    key: str = ""
    found: bool = True
    requested: str = ""
    name: str = ""
    badges: list[str] = []
    lot_size: str = ""
    is_index: bool = False
    peers_href: str = ""
    options_href: str = ""
    facts: dict[str, str] = {}
    suggestions: list[dict[str, str]] = []
    timeframe: str = "1D"
    overlay_on: list[str] = ["sma20", "sma50"]
    pane_on: list[str] = ["rsi"]
    bars: list[dict[str, Any]] = []
    volume: list[dict[str, Any]] = []
    overlays: list[dict[str, Any]] = []
    panes: list[dict[str, Any]] = []
    last_bar: dict[str, Any] = {}
    chart_error: str = ""
    time_note: str = ""  # set when chart times are simulated (the always-open market)
    _series: dict[str, list[dict[str, Any]]] = {}
    _forming: FormingBar | None = None
    _hist: list[Bar] = []  # warm-up + visible bars, the last one forming
    _interval: str = "1m"

    def _instrument(self) -> Instrument | None:
        return instrument(*parse_key_str(self.key)) if self.key else None

    @rx.event
    async def load(self):
        raw = str(self.router.page.params.get("symbol", ""))
        inst = find_instrument(raw)
        self.requested = unquote(raw)
        self.found = inst is not None
        if inst is None:
            live.untrack(self)
            self.key, self.bars, self.last_bar = "", [], {}
            self.suggestions = [
                {"symbol": i.symbol, "name": i.name} for i in suggestions(self.requested)
            ]
            return
        self.key = key_str(inst.key)
        self.name = inst.name
        self.is_index = inst.is_index
        self.badges = (
            [b for b in (inst.sector, inst.industry) if b]
            + (["F&O"] if inst.fno else [])
            + (["BSE"] if inst.market == "india_bse" else ["NSE"])
        )
        self.lot_size = (
            str(current_lot_size(inst, app_now())) if inst.fno and not inst.is_index else ""
        )
        self.peers_href = "" if inst.is_index else f"/peers/{inst.symbol}"
        self.options_href = option_href(inst)
        self.quotes = live.track(self, [inst.key])
        self.facts = header_facts(inst, live.snapshot(self))
        await self._load_chart(inst)

    async def _load_chart(self, inst: Instrument) -> None:
        tf = TIMEFRAME_BY_LABEL[self.timeframe]
        available = quotes.available()
        simulated = quotes.simulated() if available else False
        self.time_note = time_note(simulated, quotes.market_hours()) or ""
        if not available:
            self.chart_error = "Market data is not available right now."
            return
        try:
            lead, visible = await quotes.chart_history(
                inst.key, tf.interval, tf.range_, SPECS, live.provider(self)
            )
        except Exception:
            log.warning("history for %s %s failed", inst.key, tf.label, exc_info=True)
            self.chart_error = "Price history could not be loaded; try again shortly."
            return
        self.chart_error = "" if visible else "No price history for this timeframe."
        self._interval = tf.interval
        points = [bar_point(b, tf.interval) for b in visible]
        self.bars = [{k: p[k] for k in ("time", "open", "high", "low", "close")} for p in points]
        self.volume = [_volume_point(b, p["time"]) for b, p in zip(visible, points, strict=True)]
        self._hist = [*lead, *visible][-HIST_KEEP:]
        values = compute_indicators([*lead, *visible], SPECS, warmup=len(lead))
        self._series = {
            key: line_points(visible, values[key], tf.interval)
            for keys in output_keys(SPECS)
            for key in keys
        }
        self._series["macd_hist"] = [
            {**p, "color": UP_VOLUME if p["value"] >= 0 else DOWN_VOLUME}
            for p in self._series["macd_hist"]
        ]
        self._select_indicators()
        q = await quotes.quote(inst.key)
        self._forming = FormingBar(tf.interval, visible[-1], q) if visible else None
        self.last_bar = points[-1] if points else {}

    def _select_indicators(self) -> None:
        series = self._series
        self.overlays = [
            {
                "key": key,
                "name": SERIES_NAMES.get(key, OVERLAYS[t][0]),
                "color": color,
                "data": series.get(key, []),
            }
            for t in OVERLAYS
            if t in self.overlay_on
            for key, color in OVERLAYS[t][1]
        ]
        self.panes = []
        for toggle, (label, lines) in PANES.items():
            if toggle not in self.pane_on:
                continue
            pane = [
                {
                    "key": k,
                    "name": SERIES_NAMES.get(k, label),
                    "kind": "line",
                    "color": c,
                    "data": series.get(k, []),
                }
                for k, c in lines
            ]
            if toggle == "macd":
                hist = series.get("macd_hist", [])
                pane.append(
                    {
                        "key": "macd_hist",
                        "name": "Histogram",
                        "kind": "histogram",
                        "color": "",
                        "data": hist,
                    }
                )
            self.panes.append({"name": label, "series": pane})

    @rx.event
    async def set_timeframe(self, label: str):
        inst = self._instrument()
        if label in TIMEFRAME_BY_LABEL and inst is not None:
            self.timeframe = label
            await self._load_chart(inst)

    @rx.event
    def toggle_overlay(self, name: str):
        on = set(self.overlay_on) ^ {name}
        self.overlay_on = [t for t in OVERLAYS if t in on]
        self._select_indicators()

    @rx.event
    def toggle_pane(self, name: str):
        on = set(self.pane_on) ^ {name}
        self.pane_on = [t for t in PANES if t in on]
        self._select_indicators()

    def _apply_live(self, snapshot, changed):
        self.quotes = {**self.quotes, **views_for(snapshot, changed)}
        inst = self._instrument()
        q = snapshot.get(inst.key) if inst is not None else None
        if q is None or inst is None:
            return
        facts = header_facts(inst, snapshot)
        if facts != self.facts:
            self.facts = facts
        if self._forming is not None:
            bar = self._forming.fold(q)
            if bar is not None:
                self.last_bar = {**bar_point(bar, self._interval), "ind": self._live_values(bar)}

    def _live_values(self, bar: Bar) -> dict[str, float]:
        """The indicators' values at the forming bar, so overlays and panes move with it."""
        hist = self._hist
        if hist and hist[-1].t == bar.t:
            hist = [*hist[:-1], bar]
        else:
            hist = [*hist[-(HIST_KEEP - 1) :], bar]
        self._hist = hist
        values = compute_indicators(hist[-INDICATOR_TAIL:], SPECS)
        return {k: v[-1] for k, v in values.items() if v and v[-1] is not None}


def _volume_point(bar: Bar, time: Any) -> dict[str, Any]:
    return {"time": time, "value": bar.v, "color": UP_VOLUME if bar.c >= bar.o else DOWN_VOLUME}


# -- components ------------------------------------------------------------------------------
