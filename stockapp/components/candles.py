"""A candlestick chart on TradingView's open-source `lightweight-charts`.

The library is imperative (create a chart, add series, push data), so a small React wrapper
is emitted as page-level code: one chart per mount, `setData` when the bar list changes (a
new timeframe), `series.update` when only `last_bar` changes (a live tick moves the forming
candle, and the indicator values it carries move the overlays and panes, without redrawing
anything else). Indicator series are rebuilt only when their lists change.

The wrapper's container exposes what it drew as data attributes (`data-bars`,
`data-last-close`, `data-last-time`), which keeps the canvas testable from a browser.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.core.cond import color_mode_cond

LIGHTWEIGHT_CHARTS = "lightweight-charts@5.2.1"
UP_COLOR = "#16a34a"
DOWN_COLOR = "#dc2626"
UP_VOLUME = "rgba(22, 163, 74, 0.35)"
DOWN_VOLUME = "rgba(220, 38, 38, 0.35)"

_WRAPPER_JS = """
// Indian grouping (lakh, crore): 240000 -> 2,40,000
const stockCandlesInr = new Intl.NumberFormat("en-IN", {
  minimumFractionDigits: 2, maximumFractionDigits: 2,
});
const stockCandlesWhole = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });
const stockCandlesPlain = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 2 });

function stockCandlesSpan(text, color, bold) {
  const span = document.createElement("span");
  span.textContent = text;
  if (color) span.style.color = color;
  if (bold) span.style.fontWeight = "600";
  return span;
}

// TradingView-style legend: OHLC, volume and every indicator's value at the hovered bar
// (the latest bar when the pointer is off the chart)
function stockCandlesLegend(api, legend, param) {
  if (!api || !legend) return;
  const hovered = param && param.time !== undefined && param.seriesData;
  const at = (series) => {
    if (hovered) return param.seriesData.get(series) || null;
    const data = series.data();
    return data.length ? data[data.length - 1] : null;
  };
  const bar = at(api.candles);
  if (!bar || bar.open === undefined) { legend.replaceChildren(); return; }
  // text colours from the theme (AA contrast in light and dark); the candle's own are too pale
  const colour = bar.close >= bar.open ? "var(--green-11)" : "var(--red-11)";
  const parts = [];
  const ohlc = [["O", bar.open], ["H", bar.high], ["L", bar.low], ["C", bar.close]];
  for (const [label, value] of ohlc) {
    parts.push(stockCandlesSpan(label + " ", null, false));
    parts.push(stockCandlesSpan(stockCandlesInr.format(value) + "  ", colour, true));
  }
  const vol = at(api.vol);
  if (vol && vol.value !== undefined) {
    parts.push(stockCandlesSpan("Vol ", null, false));
    parts.push(stockCandlesSpan(stockCandlesWhole.format(vol.value) + "  ", null, true));
  }
  const line = document.createElement("div");
  line.className = "chart-legend-ohlc";
  line.replaceChildren(...parts);
  const rows = [line];
  const values = [];
  for (const item of api.legendItems || []) {
    const point = at(item.series);
    if (!point || point.value === undefined) continue;
    const swatch = stockCandlesSpan("", null, false);
    swatch.className = "chart-legend-swatch";
    swatch.style.background = item.color;
    values.push(swatch);
    values.push(stockCandlesSpan(item.name + " ", null, false));
    values.push(stockCandlesSpan(stockCandlesPlain.format(point.value) + "  ", null, true));
  }
  if (values.length) {
    const ind = document.createElement("div");
    ind.className = "chart-legend-ind";
    ind.replaceChildren(...values);
    rows.push(ind);
  }
  legend.replaceChildren(...rows);
  legend.dataset.hovered = hovered ? String(param.time) : "";
}

function stockCandlesMark(box, api, close) {
  if (!box || !api) return;
  box.dataset.bars = String(api.count);
  box.dataset.lastTime = api.lastTime === null ? "" : String(api.lastTime);
  box.dataset.lastClose = close === null || close === undefined ? "" : String(close);
}

function stockCandlesTheme(dark) {
  const grid = dark ? "rgba(255, 255, 255, 0.06)" : "rgba(0, 0, 0, 0.06)";
  return {
    layout: {
      background: { type: ColorType.Solid, color: "transparent" },
      textColor: dark ? "#d4d4d8" : "#3f3f46",
      panes: { separatorColor: dark ? "#3f3f46" : "#e4e4e7" },
    },
    grid: { vertLines: { color: grid }, horzLines: { color: grid } },
  };
}

function StockCandles(props) {
  const { bars, volume, overlays, panes, lastBar, dark, upColor, downColor } = props;
  const boxRef = useRef(null);
  const legendRef = useRef(null);
  const apiRef = useRef(null);
  const paneCount = (panes || []).length;

  useEffect(() => {
    const chart = createChart(boxRef.current, {
      autoSize: true,
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false, timeVisible: true, secondsVisible: false },
      ...stockCandlesTheme(dark),
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: upColor, downColor: downColor, wickUpColor: upColor, wickDownColor: downColor,
      borderVisible: false,
      priceFormat: { type: "custom", minMove: 0.01, formatter: (p) => stockCandlesInr.format(p) },
    });
    const vol = chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "custom", minMove: 1, formatter: (v) => stockCandlesWhole.format(v) },
      lastValueVisible: false, priceLineVisible: false,
    });
    vol.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    apiRef.current = { chart, candles, vol, extra: [], count: 0, lastTime: null, legendItems: [] };
    const legendOf = (param) => stockCandlesLegend(apiRef.current, legendRef.current, param);
    chart.subscribeCrosshairMove(legendOf);
    apiRef.current.legendOf = legendOf;
    // the chart's own formatters, reachable from a browser test
    boxRef.current.stockChart = apiRef.current;
    boxRef.current.dataset.ready = "1";
    return () => {
      chart.unsubscribeCrosshairMove(legendOf);
      apiRef.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    const api = apiRef.current;
    if (api) api.chart.applyOptions(stockCandlesTheme(dark));
  }, [dark]);

  useEffect(() => {
    const api = apiRef.current;
    if (!api) return;
    const data = bars || [];
    api.candles.setData(data);
    api.vol.setData(volume || []);
    api.count = data.length;
    api.lastTime = data.length ? data[data.length - 1].time : null;
    stockCandlesMark(boxRef.current, api, data.length ? data[data.length - 1].close : null);
    api.chart.timeScale().fitContent();
    api.legendOf(null);
  }, [bars, volume]);

  useEffect(() => {
    const api = apiRef.current;
    if (!api) return;
    for (const series of api.extra) api.chart.removeSeries(series);
    api.extra = [];
    api.named = {};
    api.legendItems = [];
    for (let i = api.chart.panes().length - 1; i > 0; i--) api.chart.removePane(i);
    for (const line of overlays || []) {
      const series = api.chart.addSeries(LineSeries, {
        color: line.color, lineWidth: 1, title: line.name, priceLineVisible: false,
        lastValueVisible: false, crosshairMarkerVisible: false,
      });
      series.setData(line.data);
      api.extra.push(series);
      api.named[line.key] = series;
      api.legendItems.push({ name: line.name, color: line.color, series });
    }
    (panes || []).forEach((pane, index) => {
      for (const line of pane.series) {
        const kind = line.kind === "histogram" ? HistogramSeries : LineSeries;
        const series = api.chart.addSeries(kind, {
          color: line.color, lineWidth: 1, title: line.name, priceLineVisible: false,
          lastValueVisible: true, crosshairMarkerVisible: false,
        }, index + 1);
        series.setData(line.data);
        api.extra.push(series);
        api.named[line.key] = series;
        api.legendItems.push({ name: line.name, color: line.color, series });
      }
    });
    const all = api.chart.panes();
    all.forEach((pane, index) => pane.setStretchFactor(index === 0 ? 3 : 1));
    api.legendOf(null);
  }, [overlays, panes]);

  useEffect(() => {
    const api = apiRef.current;
    if (!api || !lastBar || lastBar.time === undefined || lastBar.time === null) return;
    if (api.lastTime !== null && lastBar.time < api.lastTime) return;
    const { time, open, high, low, close } = lastBar;
    api.candles.update({ time, open, high, low, close });
    if (lastBar.volume !== undefined && lastBar.volume !== null) {
      const color = close >= open ? props.upVolume : props.downVolume;
      api.vol.update({ time, value: lastBar.volume, color });
    }
    if (api.lastTime === null || time > api.lastTime) {
      api.count += 1;
      api.lastTime = time;
    }
    // indicator values at the forming bar: overlays and panes move with the candle
    let moved = 0;
    for (const [key, value] of Object.entries(lastBar.ind || {})) {
      const series = (api.named || {})[key];
      if (!series || value === null || value === undefined) continue;
      const point = key === "macd_hist"
        ? { time, value, color: value >= 0 ? props.upVolume : props.downVolume }
        : { time, value };
      series.update(point);
      moved += 1;
    }
    boxRef.current.dataset.liveIndicators = String(moved);
    if (lastBar.ind && lastBar.ind.rsi_14 !== undefined) {
      boxRef.current.dataset.lastRsi = String(lastBar.ind.rsi_14);
    }
    stockCandlesMark(boxRef.current, api, close);
    if (!legendRef.current || !legendRef.current.dataset.hovered) api.legendOf(null);
  }, [lastBar]);

  return createElement(
    "div",
    { style: { position: "relative", width: "100%" } },
    createElement("div", {
      id: props.id,
      ref: boxRef,
      className: props.className,
      style: { width: "100%", height: `${props.height + paneCount * props.paneHeight}px` },
    }),
    createElement("div", {
      ref: legendRef,
      className: "chart-legend num",
      id: props.id ? props.id + "-legend" : undefined,
    }),
  );
}
"""


class CandleChart(rx.Component):
    """`bars`: [{time, open, high, low, close}] ascending by unique time; `volume`:
    [{time, value, color}]; `overlays`: [{name, color, data: [{time, value}]}] drawn over the
    candles; `panes`: [{name, series: [{name, kind: line|histogram, color, data}]}], one
    lower pane each; `last_bar`: {time, open, high, low, close, volume, ind: {series key: value}},
    the forming bar and the indicator values at it."""

    tag = "StockCandles"

    bars: rx.Var[list[dict[str, Any]]]
    volume: rx.Var[list[dict[str, Any]]]
    overlays: rx.Var[list[dict[str, Any]]]
    panes: rx.Var[list[dict[str, Any]]]
    last_bar: rx.Var[dict[str, Any]]
    dark: rx.Var[bool]
    height: rx.Var[int]
    pane_height: rx.Var[int]
    up_color: rx.Var[str]
    down_color: rx.Var[str]
    up_volume: rx.Var[str]
    down_volume: rx.Var[str]

    def add_imports(self) -> dict[str, Any]:
        return {
            LIGHTWEIGHT_CHARTS: [
                "createChart",
                "CandlestickSeries",
                "HistogramSeries",
                "LineSeries",
                "ColorType",
                "CrosshairMode",
            ],
            "react": ["createElement", "useEffect", "useRef"],
        }

    def add_custom_code(self) -> list[str]:
        return [_WRAPPER_JS]

    @classmethod
    def create(cls, *children: rx.Component, **props: Any) -> rx.Component:
        props.setdefault("dark", color_mode_cond(light=False, dark=True))
        props.setdefault("height", 420)
        props.setdefault("pane_height", 140)
        props.setdefault("up_color", UP_COLOR)
        props.setdefault("down_color", DOWN_COLOR)
        props.setdefault("up_volume", UP_VOLUME)
        props.setdefault("down_volume", DOWN_VOLUME)
        return super().create(*children, **props)


candle_chart = CandleChart.create

DATA_VARS = ("bars", "volume", "overlays", "panes", "last_bar")


def state_candle_chart(state: type[rx.State], **props: Any) -> rx.Component:
    """The chart bound to a state that keeps its data in vars named as the props
    (`bars`, `volume`, `overlays`, `panes`, `last_bar`)."""
    return candle_chart(**{name: getattr(state, name) for name in DATA_VARS}, **props)
