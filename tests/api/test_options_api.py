"""Options REST contract against the running API with the simulated market."""

from __future__ import annotations

import itertools
import math
from datetime import date

import pytest

from stockapp.market.options import bs_price

LEG_KEYS = {
    "ltp",
    "bid",
    "ask",
    "volume",
    "oi",
    "oi_change",
    "iv",
    "delta",
    "gamma",
    "theta",
    "vega",
}
CHAIN_KEYS = {
    "symbol",
    "expiry",
    "underlying_price",
    "risk_free_rate",
    "lot_size",
    "time_to_expiry_years",
    "pcr",
    "max_pain",
    "rows",
}


def _expiries(client, symbol: str) -> list[str]:
    r = client.get(f"/api/v1/options/{symbol}/expiries")
    assert r.status_code == 200, r.text
    return r.json()["expiries"]


def test_expiries_are_sorted_future_dates(client):
    body = client.get("/api/v1/options/NIFTY/expiries").json()
    assert body["symbol"] == "NIFTY 50"
    days = [date.fromisoformat(d) for d in body["expiries"]]
    assert len(days) >= 5 and days == sorted(days) and len(set(days)) == len(days)
    assert all(d.weekday() in (0, 1) for d in days)  # Tuesdays (Monday if a holiday)
    assert len(_expiries(client, "RELIANCE")) == 3  # stocks: monthly only


@pytest.mark.parametrize("symbol", ["NIFTY", "BANKNIFTY", "NIFTY%20BANK", "RELIANCE"])
def test_chain_contract_parity_and_iv(client, symbol):
    expiry = _expiries(client, symbol)[1]
    r = client.get(f"/api/v1/options/{symbol}/chain", params={"expiry": expiry})
    assert r.status_code == 200, r.text
    chain = r.json()
    assert set(chain) >= CHAIN_KEYS
    assert chain["expiry"] == expiry and chain["risk_free_rate"] == 0.065
    assert isinstance(chain["lot_size"], int) and chain["lot_size"] > 1
    assert chain["underlying_price"] > 0 and chain["time_to_expiry_years"] > 0
    assert chain["pcr"] > 0 and isinstance(chain["max_pain"], float)
    rows = chain["rows"]
    assert len(rows) == 31
    strikes = [row["strike"] for row in rows]
    assert strikes == sorted(strikes) and chain["max_pain"] in strikes
    s, rate, t = chain["underlying_price"], chain["risk_free_rate"], chain["time_to_expiry_years"]
    for row in rows:
        k, call, put = row["strike"], row["call"], row["put"]
        assert set(call) == LEG_KEYS and set(put) == LEG_KEYS
        for leg in (call, put):
            assert isinstance(leg["oi"], int) and isinstance(leg["volume"], int)
            assert 0 <= leg["bid"] <= leg["ltp"] <= leg["ask"]
            assert 0 < leg["iv"] < 5 and leg["gamma"] >= 0 and leg["vega"] >= 0
        assert 0 <= call["delta"] <= 1 and -1 <= put["delta"] <= 0
        spreads = (call["ask"] - call["bid"]) + (put["ask"] - put["bid"])
        parity_gap = call["ltp"] - put["ltp"] - (s - k * math.exp(-rate * t))
        assert abs(parity_gap) <= spreads + 1e-6, (k, parity_gap, spreads)
        for leg, is_call in ((call, True), (put, False)):
            repriced = float(bs_price(s, k, t, rate, leg["iv"], is_call))
            assert repriced == pytest.approx(leg["ltp"], abs=0.05), (k, is_call)


def test_strikes_param_and_aliases(client):
    expiry = _expiries(client, "BANKNIFTY")[0]
    a = client.get("/api/v1/options/BANKNIFTY/chain", params={"expiry": expiry, "strikes": 5})
    b = client.get("/api/v1/options/NIFTY%20BANK/chain", params={"expiry": expiry, "strikes": 5})
    assert a.status_code == b.status_code == 200
    assert a.json()["symbol"] == b.json()["symbol"] == "NIFTY BANK"
    assert len(a.json()["rows"]) == 11
    strikes = [row["strike"] for row in a.json()["rows"]]
    assert {round(y - x, 2) for x, y in itertools.pairwise(strikes)} == {100.0}
    assert client.get("/api/v1/options/NIFTY/chain", params={"strikes": 60}).status_code == 422


def test_errors(client):
    for path in ("/api/v1/options/BAJAJHLDNG/expiries", "/api/v1/options/NOSUCHTHING/chain"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["detail"]
    assert "F&O" in client.get("/api/v1/options/BAJAJHLDNG/chain").json()["detail"]
    for bad in ("2020-01-28", "tomorrow", "20261124", "2026-13-45"):
        r = client.get("/api/v1/options/NIFTY/chain", params={"expiry": bad})
        assert r.status_code == 422, bad


def test_expiries_carry_kind_and_calendar_status(client):
    body = client.get("/api/v1/options/NIFTY/expiries").json()
    contracts = body["contracts"]
    assert [c["expiry"] for c in contracts] == body["expiries"]  # the old field is kept
    assert {c["kind"] for c in contracts} == {"weekly", "monthly", "quarterly", "half-yearly"}
    assert all(isinstance(c["calendar_verified"], bool) for c in contracts)
    # half-yearlies reach years no published holiday list covers yet
    assert body["calendar_verified"] is False
    assert body["calendar_note"].startswith("holiday calendar estimated for ")
    stock = client.get("/api/v1/options/RELIANCE/expiries").json()["contracts"]
    assert {c["kind"] for c in stock} == {"monthly"}


def test_bad_underlying_and_expiry_list_the_valid_values(client):
    r = client.get("/api/v1/options/NOSUCHTHING/expiries")
    assert r.status_code == 404
    assert "NIFTY 50" in r.json()["detail"] and "RELIANCE" in r.json()["detail"]
    listed = _expiries(client, "BANKNIFTY")
    r = client.get("/api/v1/options/BANKNIFTY/chain", params={"expiry": "2020-01-28"})
    assert r.status_code == 422
    assert all(d in r.json()["detail"] for d in listed)


def test_chain_lot_size_comes_from_the_dated_table(client):
    # NSE/FAOP/70616: NIFTY 65 and BANKNIFTY 30 for contracts expiring after 30 Dec 2025
    for symbol, lot in (("NIFTY", 65), ("BANKNIFTY", 30), ("FINNIFTY", 60)):
        expiry = _expiries(client, symbol)[0]
        chain = client.get(f"/api/v1/options/{symbol}/chain", params={"expiry": expiry}).json()
        assert chain["lot_size"] == lot, symbol
