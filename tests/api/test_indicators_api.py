"""/stocks/{symbol}/indicators serves exactly what TA-Lib computes on the served bars.

The reference is computed here, independently of the app's indicator code: the bars come
from the public history route (the visible range, plus the longest range the interval is
served for as the warm-up source), and TA-Lib is called directly.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest
import talib

from stockapp.market.chart_series import WARMUP_SOURCES
from stockapp.market.indicators import parse_indicator_spec, warmup_bars

NAMES = "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2"
COMBOS = [("1d", "6mo"), ("5m", "5d"), ("1m", "1d"), ("1wk", "5y")]


def _history(client, symbol: str, interval: str, range_: str) -> list[dict]:
    r = client.get(
        f"/api/v1/stocks/{symbol}/history", params={"interval": interval, "range": range_}
    )
    assert r.status_code == 200, r.text
    return r.json()["bars"]


def _reference(lead: list[dict], visible: list[dict]) -> dict[str, np.ndarray]:
    close = np.array([b["c"] for b in [*lead, *visible]], dtype=np.float64)
    macd, signal, hist = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    upper, middle, lower = talib.BBANDS(close, timeperiod=20, nbdevup=2.0, nbdevdn=2.0, matype=0)
    series = {
        "sma_20": talib.SMA(close, timeperiod=20),
        "ema_20": talib.EMA(close, timeperiod=20),
        "rsi_14": talib.RSI(close, timeperiod=14),
        "macd": macd,
        "macd_signal": signal,
        "macd_hist": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
    }
    return {k: v[len(lead) :] for k, v in series.items()}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(("interval", "range_"), COMBOS)
def test_indicator_values_equal_talib_on_the_same_bars(client, interval: str, range_: str):
    r = client.get(
        "/api/v1/stocks/RELIANCE/indicators",
        params={"interval": interval, "range": range_, "names": NAMES},
    )
    assert r.status_code == 200, r.text
    served = r.json()
    visible = _history(client, "RELIANCE", interval, range_)
    longest = WARMUP_SOURCES[interval][-1]
    need = warmup_bars(parse_indicator_spec(NAMES))
    start = _ts(visible[0]["t"])
    lead = []
    if longest != range_:
        full = _history(client, "RELIANCE", interval, longest)
        lead = [b for b in full if _ts(b["t"]) < start][-need:]
    expected = _reference(lead, visible)

    assert set(served) == {"t", *expected}
    for key in expected:
        assert len(served[key]) == len(served["t"])
    # the last bar is still forming and moves between requests: compare the settled ones
    mine = {b["t"]: i for i, b in enumerate(visible[:-1])}
    common = [(i, mine[t]) for i, t in enumerate(served["t"][:-1]) if t in mine]
    assert len(common) >= min(20, len(visible) - 1)
    for key, want in expected.items():
        for i, j in common:
            got, ref = served[key][i], float(want[j])
            if math.isnan(ref):
                assert got is None, f"{key}[{i}] should be undefined, got {got}"
            else:
                assert got is not None, f"{key}[{i}] missing, TA-Lib gives {ref}"
                assert math.isclose(got, ref, rel_tol=1e-9, abs_tol=1e-12), (key, i, got, ref)
    if lead and len(lead) >= need:  # warm-up available: values exist from the first bar
        assert all(served[key][0] is not None for key in expected)


def test_warmup_makes_the_first_values_settled(client):
    r = client.get(
        "/api/v1/stocks/TCS/indicators",
        params={"interval": "1d", "range": "1mo", "names": "sma:20,rsi:14"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["sma_20"][0] is not None and body["rsi_14"][0] is not None
    assert 0 <= body["rsi_14"][0] <= 100


@pytest.mark.parametrize(
    "params",
    [
        {"names": "nope:3"},
        {"names": "sma:1"},
        {"names": "macd:26:12:9"},
        {"names": "bbands:20:9"},
        {"names": "sma:abc"},
        {"interval": "2m"},
        {"interval": "1m", "range": "5y"},
    ],
)
def test_bad_requests_answer_422(client, params):
    r = client.get("/api/v1/stocks/RELIANCE/indicators", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_unknown_symbol_is_404(client):
    assert client.get("/api/v1/stocks/NOSUCHCO/indicators").status_code == 404
