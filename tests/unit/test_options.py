from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from stockapp.market.calendar import IST, is_trading_day, previous_trading_day
from stockapp.market.instruments import load_universe
from stockapp.market.models import Instrument
from stockapp.market.options.expiry import (
    contracts,
    has_weekly_expiries,
    last_tuesday,
    monthly_expiry,
)
from stockapp.market.options.lots import LOT_SIZE_REVISIONS, lot_size_for
from stockapp.market.options.pricing import (
    bs_price,
    build_chain,
    chain_strikes,
    expiries,
    greeks,
    implied_vol,
    max_pain,
    put_call_ratio,
    resolve_underlying,
    strike_step,
    surface_vol,
    time_to_expiry,
)

R = 0.065
NOW = datetime(2026, 11, 10, 11, 0, tzinfo=IST)


def _index(symbol: str, price: float, lot: int, vol: float) -> Instrument:
    return Instrument(
        symbol=symbol,
        market="india_nse",
        name=symbol,
        kind="index",
        fno=True,
        lot_size=lot,
        ref_price=price,
        volatility=vol,
    )


# -- pricing ------------------------------------------------------------------------------------


def test_textbook_call_and_put() -> None:
    assert float(bs_price(42, 40, 0.5, 0.10, 0.20, True)) == pytest.approx(4.76, abs=0.005)
    assert float(bs_price(42, 40, 0.5, 0.10, 0.20, False)) == pytest.approx(0.81, abs=0.005)


def test_prices_broadcast_and_obey_parity() -> None:
    k = np.linspace(20_000, 28_000, 33)[:, None]
    t = np.array([2 / 365, 0.1, 0.5, 1.0])[None, :]
    call = bs_price(24_000, k, t, R, 0.15, True)
    put = bs_price(24_000, k, t, R, 0.15, False)
    assert call.shape == (33, 4)
    np.testing.assert_allclose(call - put, 24_000 - k * np.exp(-R * t), atol=1e-7)


def _fd_grid():
    s = 100.0
    k = np.array([70.0, 90.0, 100.0, 110.0, 140.0])[:, None, None]
    t = np.array([0.05, 0.5, 2.0])[None, :, None]
    call = np.array([True, False])[None, None, :]
    return s, k, t, 0.25, call


def test_greeks_match_finite_differences() -> None:
    s, k, t, vol, call = _fd_grid()
    g = greeks(s, k, t, R, vol, call)

    def price(**over: float | np.ndarray) -> np.ndarray:
        args = {"S": s, "K": k, "T": t, "r": R, "sigma": vol, "is_call": call} | over
        return bs_price(**args)

    h = 1e-3
    delta = (price(S=s + h) - price(S=s - h)) / (2 * h)
    hg = 0.05
    gamma = (price(S=s + hg) - 2 * price() + price(S=s - hg)) / hg**2
    dt = 1e-5
    theta_day = -(price(T=t + dt) - price(T=t - dt)) / (2 * dt) / 365
    vega_pt = (price(sigma=vol + 1e-5) - price(sigma=vol - 1e-5)) / 2e-5 / 100
    rho_pt = (price(r=R + 1e-5) - price(r=R - 1e-5)) / 2e-5 / 100
    np.testing.assert_allclose(g.delta, delta, atol=1e-7)
    np.testing.assert_allclose(g.gamma, gamma, atol=1e-6)
    np.testing.assert_allclose(g.theta, theta_day, atol=1e-7)
    np.testing.assert_allclose(g.vega, vega_pt, atol=1e-7)
    np.testing.assert_allclose(g.rho, rho_pt, atol=1e-7)
    # sign conventions the chain relies on
    assert np.all(g.gamma > 0) and np.all(g.vega > 0)
    assert np.all((g.delta > 0) == call)


def test_implied_vol_round_trip_on_a_grid() -> None:
    s = 24_000.0
    k = np.linspace(18_000, 30_000, 25)[:, None, None]
    t = np.array([1 / 365 / 24, 3 / 365, 30 / 365, 1.0])[None, :, None]
    call = np.array([True, False])[None, None, :]
    vol = 0.1 + 0.5 * np.abs(np.log(k / s))  # a smile, varied per strike
    price = bs_price(s, k, t, R, vol, call)
    iv = implied_vol(price, s, k, t, R, call)
    identifiable = price > 1e-6 * s  # time value left to solve from
    intrinsic = np.maximum(np.where(call, s - k * np.exp(-R * t), k * np.exp(-R * t) - s), 0)
    identifiable &= price - intrinsic > 1e-6 * s
    assert identifiable.sum() > 100
    np.testing.assert_allclose(
        iv[identifiable], np.broadcast_to(vol, iv.shape)[identifiable], rtol=1e-6
    )
    back = bs_price(s, k, t, R, iv, call)
    np.testing.assert_allclose(back[identifiable], price[identifiable], rtol=1e-9, atol=1e-9)


def test_implied_vol_rejects_impossible_prices() -> None:
    s, k, t = 100.0, np.array([80.0, 100.0, 120.0]), 0.25
    disc_k = k * np.exp(-R * t)
    below_intrinsic_call = np.maximum(s - disc_k, 0) - 0.01
    assert np.isnan(implied_vol(below_intrinsic_call, s, k, t, R, True)).all()
    assert np.isnan(implied_vol(np.full(3, s + 1), s, k, t, R, True)).all()
    assert np.isnan(implied_vol(disc_k + 1, s, k, t, R, False)).all()
    assert np.isnan(implied_vol(np.array([-1.0, 0.0, np.nan]), s, k, t, R, False)).all()
    # deep in/out of the money, tiny life: still solved
    assert float(implied_vol(bs_price(100, 85, 0.02, R, 0.4, True), 100, 85, 0.02, R, True)) == (
        pytest.approx(0.4, rel=1e-5)
    )
    five_minutes = 5 / (365 * 24 * 60)
    put = bs_price(100, 100.05, five_minutes, R, 0.3, False)
    assert float(implied_vol(put, 100, 100.05, five_minutes, R, False)) == pytest.approx(
        0.3, rel=1e-5
    )


def test_surface_has_index_skew_stock_smile_and_contango() -> None:
    s, month = 100.0, 30 / 365
    low, atm, high = surface_vol(s, np.array([95.0, 100.0, 105.0]), month, 0.15, "index")
    assert atm == pytest.approx(0.15, rel=1e-9)
    assert low > atm * 1.15 and high < atm
    lo_s, atm_s, hi_s = surface_vol(s, np.array([90.0, 100.0, 110.0]), month, 0.25, "equity")
    assert lo_s > atm_s and hi_s > atm_s
    terms = surface_vol(s, 100.0, np.array([7 / 365, month, 90 / 365]), 0.15, "index")
    assert terms[0] < terms[1] < terms[2]
    far = surface_vol(s, np.array([1.0, 10_000.0]), 1 / 365, 0.15, "index")
    assert np.all(np.isfinite(far)) and np.all(far < 0.15 * 3.5)


# -- contract specs -----------------------------------------------------------------------------


def test_aliases_resolve_to_universe_symbols() -> None:
    assert resolve_underlying("NIFTY") == "NIFTY 50"
    assert resolve_underlying(" banknifty ") == "NIFTY BANK"
    assert resolve_underlying("FINNIFTY") == "NIFTY FIN SERVICE"
    assert resolve_underlying("nifty  50") == "NIFTY 50"
    assert resolve_underlying("reliance") == "RELIANCE"
    assert has_weekly_expiries("NIFTY") and not has_weekly_expiries("NIFTY BANK")


def test_november_2026_monthly_expiry_moves_before_guru_nanak_jayanti() -> None:
    assert last_tuesday(2026, 11) == date(2026, 11, 24)
    assert not is_trading_day(date(2026, 11, 24))
    assert monthly_expiry(2026, 11) == date(2026, 11, 23)
    for symbol in ("BANKNIFTY", "FINNIFTY", "RELIANCE"):
        listed = contracts(symbol, date(2026, 11, 2))
        assert [c.expiry for c in listed if c.kind == "monthly"] == [
            date(2026, 11, 23),
            date(2026, 12, 29),
            date(2027, 1, 25),  # 26 Jan 2027 is Republic Day
        ]


def test_normal_month_uses_last_tuesday() -> None:
    assert is_trading_day(date(2026, 6, 30))
    assert expiries("TCS", date(2026, 6, 1), "equity") == [
        date(2026, 6, 30),
        date(2026, 7, 28),
        date(2026, 8, 25),
    ]
    # March 2026: last Tuesday is a holiday, so the Monday before
    assert monthly_expiry(2026, 3) == previous_trading_day(date(2026, 3, 31))


def test_nifty_lists_tuesday_weeklies_monthlies_and_quarterlies() -> None:
    listed = expiries("NIFTY", date(2026, 11, 10))
    assert listed == sorted(set(listed))
    monthly = [monthly_expiry(2026, 11), monthly_expiry(2026, 12), monthly_expiry(2027, 1)]
    assert set(monthly) <= set(listed)
    weekly = [d for d in listed if d not in monthly and d <= monthly[-1]]
    assert len(weekly) == 4
    assert weekly[0] == date(2026, 11, 17)
    for day in listed:
        tuesday = day + timedelta(days=(1 - day.weekday()) % 7)
        assert day.weekday() == 1 or (
            not is_trading_day(tuesday) and previous_trading_day(tuesday) == day
        )
    # three quarterlies after the monthlies, then eight half-yearlies (June/December)
    far = [c for c in contracts("NIFTY", date(2026, 11, 10)) if c.expiry > monthly[-1]]
    assert [(c.expiry, c.kind) for c in far[:4]] == [
        (date(2027, 3, 30), "quarterly"),
        (date(2027, 6, 29), "quarterly"),
        (date(2027, 9, 28), "quarterly"),
        (date(2027, 12, 28), "half-yearly"),
    ]
    assert [c.kind for c in far[3:]] == ["half-yearly"] * 8
    assert {c.expiry.month for c in far[3:]} == {6, 12}
    # the index alias for an equity-kind underlying gets monthly contracts only
    assert expiries("NIFTY", date(2026, 11, 10), "equity") == monthly
    with pytest.raises(ValueError):
        expiries("NIFTY", date(2026, 11, 10), "future")  # type: ignore[arg-type]


def test_expired_contract_drops_off_at_1530_ist() -> None:
    before = datetime(2026, 11, 23, 15, 29, tzinfo=IST)
    after = datetime(2026, 11, 23, 15, 31, tzinfo=IST)
    assert expiries("BANKNIFTY", before)[0] == date(2026, 11, 23)
    assert expiries("BANKNIFTY", after)[0] == date(2026, 12, 29)
    banknifty = contracts("BANKNIFTY", after)
    assert [c.kind for c in banknifty] == ["monthly"] * 3 + ["quarterly"] * 3
    assert expiries("BANKNIFTY", before.astimezone(UTC))[0] == date(2026, 11, 23)
    nifty_after = expiries("NIFTY", after)
    assert date(2026, 11, 23) not in nifty_after and nifty_after[0] == date(2026, 12, 1)


def test_strike_steps() -> None:
    assert strike_step("NIFTY", 24_300) == 50
    assert strike_step("NIFTY BANK", 52_000) == 100
    assert strike_step("FINNIFTY", 23_000) == 50
    cases = {80: 1, 180: 2.5, 400: 5, 900: 10, 1290: 20, 3450: 50, 7000: 100, 15000: 250}
    for price, step in cases.items():
        assert strike_step("SOMESTOCK", price) == step
    strikes, atm, step = chain_strikes("NIFTY", 24_312.4, 15)
    assert atm == 24_300 and step == 50 and strikes.size == 31
    assert strikes[0] == 23_550 and strikes[-1] == 25_050
    cheap, _, _ = chain_strikes("PENNY", 9.2, 15)
    assert cheap.min() > 0 and cheap.size < 31
    # a stock drifting across the 100 band edge keeps the grid of its reference price
    _, atm, step = chain_strikes("SOMESTOCK", 100.4, 15, reference_price=98.0)
    assert (atm, step) == (100.0, 1.0)
    assert chain_strikes("SOMESTOCK", 100.4, 15)[2] == 2.5


def test_pcr_and_max_pain_hand_computed() -> None:
    strikes = [100.0, 110.0, 120.0]
    call_oi, put_oi = [10, 20, 5], [5, 15, 25]
    # payouts: settle 100 -> 15*10 + 25*20 = 650; 110 -> 10*10 + 25*10 = 350;
    #          120 -> 10*20 + 20*10 = 400
    assert max_pain(strikes, call_oi, put_oi) == 110.0
    assert put_call_ratio(call_oi, put_oi) == pytest.approx(1.29)
    assert put_call_ratio([0, 0], [1, 2]) is None  # no call OI: undefined, not 0


# -- chain --------------------------------------------------------------------------------------


def _chains():
    universe = load_universe()
    nifty = universe.get("NIFTY 50")
    assert nifty is not None
    underlyings = [
        (nifty, 24_312.4),
        (_index("NIFTY BANK", 52_000, 35, 0.16), 52_037.0),
        (_index("NIFTY FIN SERVICE", 23_400, 65, 0.15), 23_388.8),
        *[(inst, inst.ref_price * 1.013) for inst in universe.equities() if inst.fno][:3],
    ]
    for inst, spot in underlyings:
        for expiry in expiries(inst.symbol, NOW, inst.kind)[:3]:
            yield inst, spot, expiry, build_chain(inst, spot, expiry, NOW)
    # three days to expiry: deep ITM legs carry almost no time value over the tick grid
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=IST)
    for inst, spot in underlyings[3:]:
        yield inst, spot, date(2026, 11, 23), build_chain(inst, spot, date(2026, 11, 23), friday)


def test_chain_json_contract_and_quotes() -> None:
    leg_keys = {"ltp", "bid", "ask", "volume", "oi", "oi_change", "iv"}
    leg_keys |= {"delta", "gamma", "theta", "vega"}
    count = 0
    for inst, spot, expiry, chain in _chains():
        count += 1
        d = json.loads(json.dumps(chain.to_dict()))
        top = {"symbol", "expiry", "underlying_price", "risk_free_rate", "lot_size"}
        top |= {"time_to_expiry_years", "pcr", "max_pain", "rows"}
        assert top <= set(d)
        assert d["symbol"] == inst.symbol and d["expiry"] == expiry.isoformat()
        assert d["lot_size"] == lot_size_for(inst, expiry) and d["risk_free_rate"] == R
        assert d["time_to_expiry_years"] > 0
        assert len(d["rows"]) == 31
        assert abs(d["atm_strike"] - spot) <= strike_step(inst.symbol, spot) / 2
        for row in d["rows"]:
            for side in ("call", "put"):
                leg = row[side]
                assert set(leg) == leg_keys
                assert 0 < leg["bid"] <= leg["ltp"] <= leg["ask"] or (
                    leg["bid"] == 0 and leg["ltp"] <= leg["ask"]
                )
                for f in ("ltp", "bid", "ask"):
                    assert abs(leg[f] * 20 - round(leg[f] * 20)) < 1e-6
                assert leg["ltp"] >= 0.05 and (leg["bid"] == 0 or leg["bid"] >= 0.05)
                assert 0.01 < leg["iv"] < 3
                assert leg["oi"] >= 0 and leg["volume"] >= 0
    assert count >= 12


def test_put_call_parity_on_every_row() -> None:
    for _, spot, _, chain in _chains():
        t = chain.time_to_expiry_years
        strikes = np.array([row.strike for row in chain.rows])
        calls = np.array([row.call.ltp for row in chain.rows])
        puts = np.array([row.put.ltp for row in chain.rows])
        forward_intrinsic = spot - strikes * np.exp(-R * t)
        gap = calls - puts - forward_intrinsic
        assert np.abs(gap).max() <= 0.1 + 1e-6, (chain.symbol, chain.expiry)
        # never below the no-arbitrage floor, so an iv always exists
        assert np.all(calls > np.maximum(forward_intrinsic, 0.0))
        assert np.all(puts > np.maximum(-forward_intrinsic, 0.0))


def test_iv_and_greeks_agree_with_ltp() -> None:
    for _, spot, _, chain in _chains():
        t = chain.time_to_expiry_years
        for side, is_call in (("call", True), ("put", False)):
            legs = [getattr(row, side) for row in chain.rows]
            k = np.array([row.strike for row in chain.rows])
            iv = np.array([leg.iv for leg in legs])
            ltp = np.array([leg.ltp for leg in legs])
            vega = np.array([leg.vega for leg in legs])
            repriced = bs_price(spot, k, t, R, iv, is_call)
            # iv carries 4 dp: at most half a hundredth of a vol point of error
            assert np.all(np.abs(repriced - ltp) <= vega * 0.005 + 1e-3)
            g = greeks(spot, k, t, R, iv, is_call)
            np.testing.assert_allclose([leg.delta for leg in legs], g.delta, atol=2e-4)


def test_chain_pcr_max_pain_and_oi_shape() -> None:
    for _, spot, _, chain in _chains():
        strikes = np.array([row.strike for row in chain.rows])
        call_oi = np.array([row.call.oi for row in chain.rows], float)
        put_oi = np.array([row.put.oi for row in chain.rows], float)
        assert chain.pcr == round(put_oi.sum() / call_oi.sum(), 2)
        pain = [
            sum(
                c * max(s - k, 0) + p * max(k - s, 0)
                for k, c, p in zip(strikes, call_oi, put_oi, strict=True)
            )
            for s in strikes
        ]
        assert chain.max_pain == strikes[int(np.argmin(pain))]
        above, below = strikes > spot, strikes < spot
        assert call_oi[above].sum() > call_oi[below].sum()
        assert put_oi[below].sum() > put_oi[above].sum()
        near = np.abs(strikes - chain.atm_strike) <= 4 * (strikes[1] - strikes[0])
        assert (call_oi + put_oi)[near].mean() > (call_oi + put_oi)[~near].mean()


def test_chain_is_deterministic_and_oi_drifts_with_the_day() -> None:
    nifty = load_universe().get("NIFTY 50")
    assert nifty is not None
    expiry = date(2026, 11, 23)
    first = build_chain(nifty, 24_310.0, expiry, NOW).to_dict()
    assert build_chain(nifty, 24_310.0, expiry, NOW).to_dict() == first
    later = build_chain(nifty, 24_310.0, expiry, NOW + timedelta(hours=2)).to_dict()
    assert sum(r["call"]["volume"] for r in later["rows"]) > sum(
        r["call"]["volume"] for r in first["rows"]
    )
    next_day = build_chain(nifty, 24_310.0, expiry, NOW + timedelta(days=1)).to_dict()
    assert [r["call"]["oi"] for r in next_day["rows"]] != [r["call"]["oi"] for r in first["rows"]]
    reseeded = build_chain(nifty, 24_310.0, expiry, NOW, seed=7).to_dict()
    assert [r["put"]["oi"] for r in reseeded["rows"]] != [r["put"]["oi"] for r in first["rows"]]


def test_chain_on_expiry_afternoon_and_after_close() -> None:
    inst = replace(load_universe().get("NIFTY 50"), volatility=0.13)  # type: ignore[arg-type]
    expiry = date(2026, 11, 23)
    late = datetime(2026, 11, 23, 15, 25, tzinfo=IST)
    chain = build_chain(inst, 24_312.4, expiry, late)
    assert chain.time_to_expiry_years == pytest.approx(5 / (365 * 24 * 60), rel=1e-3)
    settled = build_chain(inst, 24_312.4, expiry, late + timedelta(hours=1))
    assert settled.time_to_expiry_years > 0
    for row in settled.rows:
        intrinsic_call = max(24_312.4 - row.strike, 0.0)
        assert row.call.ltp == pytest.approx(max(intrinsic_call, 0.05), abs=0.06)


def test_time_to_expiry_counts_to_1530_ist_in_365_day_years() -> None:
    expiry = date(2026, 11, 23)
    assert time_to_expiry(expiry, datetime(2026, 11, 22, 15, 30, tzinfo=IST)) == pytest.approx(
        1 / 365
    )
    naive_ist = datetime(2026, 11, 16, 15, 30)
    assert time_to_expiry(expiry, naive_ist) == pytest.approx(7 / 365)
    utc = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 15:30 IST
    assert 0 < time_to_expiry(expiry, utc) < 1e-5
    assert time_to_expiry(expiry, datetime(2026, 12, 1, tzinfo=IST)) > 0


# -- the expiry table across the 2026/2027 turn ----------------------------------------------


def test_nifty_january_2027_monthly_moves_before_republic_day() -> None:
    listed = contracts("NIFTY", date(2027, 1, 4))
    january = [c for c in listed if c.kind == "monthly" and c.expiry.month == 1]
    assert [c.expiry for c in january] == [date(2027, 1, 25)]
    assert not january[0].calendar_verified  # 2027's holiday list is still an estimate
    assert date(2027, 1, 26) not in [c.expiry for c in listed]


def test_weekly_expiry_on_a_holiday_moves_to_the_previous_trading_day() -> None:
    # Tuesday 3 March 2026 is Holi, and not the month's last Tuesday
    listed = contracts("NIFTY", date(2026, 2, 25))
    assert not is_trading_day(date(2026, 3, 3))
    weekly = [c.expiry for c in listed if c.kind == "weekly"]
    assert date(2026, 3, 2) in weekly and date(2026, 3, 3) not in weekly
    assert all(c.calendar_verified for c in listed if c.expiry.year == 2026)


def test_every_2026_expiry_is_a_tuesday_or_the_exchange_day_before_it() -> None:
    import exchange_calendars as xcals
    import pandas as pd

    xbom = xcals.get_calendar("XBOM")

    def xbom_shift(day: date) -> date:
        while not xbom.is_session(pd.Timestamp(day)):
            day -= timedelta(days=1)
        return day

    tuesdays = [date(2026, 1, 6) + timedelta(weeks=i) for i in range(52)]
    expected = {xbom_shift(t) for t in tuesdays}
    seen: set[date] = set()
    day = date(2025, 12, 1)
    while day < date(2027, 1, 1):
        for symbol in ("NIFTY", "BANKNIFTY", "TCS"):
            seen |= {d for d in expiries(symbol, day) if d.year == 2026}
        day += timedelta(days=6)
    assert seen == expected  # every 2026 Tuesday is some NIFTY contract's expiry
    assert monthly_expiry(2026, 12) == date(2026, 12, 29)


def test_lot_sizes_follow_the_contract_expiry() -> None:
    universe = load_universe()
    nifty = universe.get("NIFTY 50", "india_nse")
    bank = universe.get("NIFTY BANK", "india_nse")
    tcs = universe.get("TCS", "india_nse")
    assert nifty is not None and bank is not None and tcs is not None
    # NSE/FAOP/70616: the old lot up to the 30 Dec 2025 expiry, the new one after it
    assert lot_size_for(nifty, date(2025, 12, 30)) == 75
    assert lot_size_for(nifty, date(2026, 1, 6)) == 65
    assert lot_size_for(bank, date(2025, 6, 26)) == 30
    assert lot_size_for(bank, date(2025, 7, 31)) == 35
    assert lot_size_for(bank, date(2027, 1, 25)) == 30
    assert lot_size_for(tcs, date(2027, 1, 25)) == tcs.lot_size  # stocks: reference data
    assert all(r.source for r in LOT_SIZE_REVISIONS)
    chain = build_chain(nifty, 24_000.0, date(2025, 12, 30), datetime(2025, 12, 1, 11, tzinfo=IST))
    assert chain.lot_size == 75


def test_chain_without_call_oi_has_no_pcr_and_the_page_shows_a_dash() -> None:
    from stockapp.pages.options_format import chain_summary

    inst = _index("NIFTY 50", 24_000, 65, 0.14)
    chain = build_chain(inst, 24_000.0, date(2026, 12, 29), datetime(2026, 12, 2, 11, tzinfo=IST))
    calls_gone = replace(chain, pcr=put_call_ratio([0] * len(chain.rows), [1] * len(chain.rows)))
    assert calls_gone.pcr is None
    assert json.loads(json.dumps(calls_gone.to_dict()))["pcr"] is None
    assert chain_summary(calls_gone)["pcr"] == "–"
    assert chain_summary(chain)["pcr"] == f"{chain.pcr:.2f}"
