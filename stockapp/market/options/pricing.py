"""Option pricing for the simulated NSE option chain.

Model: Black-Scholes for European options on the spot with no dividends and a continuously
compounded risk-free rate (default 6.5 %, near the Indian 91-day T-bill). NSE index and stock
options are European and cash/physically settled at expiry, so early exercise never matters;
ignoring dividends keeps index and stock chains on one formula, at the cost of a small bias
for stocks that go ex-dividend before expiry.

Units: theta is per calendar day (annual theta / 365), vega and rho per one percentage point
(/ 100), volatility a fraction (0.18 = 18 %), time in years of 365 days.

Every function broadcasts over NumPy arrays; scalar inputs give NumPy scalars back.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from stockapp.market.calendar import CLOSE, IST, OPEN, is_trading_day
from stockapp.market.models import Instrument
from stockapp.market.options.expiry import (
    BANKNIFTY,
    FINNIFTY,
    NIFTY,
    as_ist,
    expiries,
    resolve_underlying,
    strike_step,
)
from stockapp.market.options.lots import lot_size_for

DEFAULT_RATE = 0.065
MIN_T = 1.0 / (365.0 * 24 * 60)  # one minute: the shortest life a price is computed for
IV_LOW, IV_HIGH = 1e-6, 8.0  # the volatilities implied_vol searches between
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

FloatArray = NDArray[np.float64]

__all__ = [
    "DEFAULT_RATE",
    "Greeks",
    "OptionChain",
    "OptionLeg",
    "OptionRow",
    "bs_price",
    "build_chain",
    "chain_strikes",
    "expiries",
    "greeks",
    "implied_vol",
    "max_pain",
    "put_call_ratio",
    "resolve_underlying",
    "strike_step",
    "surface_vol",
    "time_to_expiry",
]


class Greeks(NamedTuple):
    delta: FloatArray
    gamma: FloatArray
    theta: FloatArray  # per calendar day
    vega: FloatArray  # per 1 vol point
    rho: FloatArray  # per 1 rate point


def _out(a: np.ndarray) -> FloatArray:
    return a[()]


def _prep(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call):
    s, k, t, rr, v, c = np.broadcast_arrays(
        np.asarray(S, float),
        np.asarray(K, float),
        np.maximum(np.asarray(T, float), MIN_T),
        np.asarray(r, float),
        np.asarray(sigma, float),
        np.asarray(is_call, bool),
    )
    return s, k, t, rr, v, c


def _d1_d2(s, k, t, r, v):
    vol_sqrt_t = np.maximum(v * np.sqrt(t), 1e-12)
    d1 = (np.log(s / k) + (r + 0.5 * v * v) * t) / vol_sqrt_t
    return d1, d1 - vol_sqrt_t


def _pdf(x: np.ndarray) -> np.ndarray:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _price(s, k, t, r, v, c) -> np.ndarray:
    d1, d2 = _d1_d2(s, k, t, r, v)
    k_disc = k * np.exp(-r * t)
    call = s * ndtr(d1) - k_disc * ndtr(d2)
    put = k_disc * ndtr(-d2) - s * ndtr(-d1)
    return np.where(c, call, put)


def bs_price(
    S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call: ArrayLike
) -> FloatArray:
    """Black-Scholes premium of European calls (is_call True) or puts."""
    return _out(_price(*_prep(S, K, T, r, sigma, is_call)))


def greeks(
    S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call: ArrayLike
) -> Greeks:
    s, k, t, rr, v, c = _prep(S, K, T, r, sigma, is_call)
    d1, d2 = _d1_d2(s, k, t, rr, v)
    sqrt_t = np.sqrt(t)
    k_disc = k * np.exp(-rr * t)
    density = _pdf(d1)
    n_d2 = np.where(c, ndtr(d2), -ndtr(-d2))  # signed N(±d2) shared by theta and rho
    delta = np.where(c, ndtr(d1), ndtr(d1) - 1.0)
    gamma = density / (s * np.maximum(v * sqrt_t, 1e-12))
    theta_year = -s * density * v / (2.0 * sqrt_t) - rr * k_disc * n_d2
    return Greeks(
        delta=_out(delta),
        gamma=_out(gamma),
        theta=_out(theta_year / 365.0),
        vega=_out(s * density * sqrt_t / 100.0),
        rho=_out(k_disc * t * n_d2 / 100.0),
    )


def implied_vol(
    price: ArrayLike,
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    is_call: ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> FloatArray:
    """Volatility that reprices `price`; nan where no volatility in [IV_LOW, IV_HIGH] can.

    Each option is first turned into its out-of-the-money twin through put-call parity (an ITM
    call's time value is the matching put's price), where the premium is all time value and
    well conditioned. Newton steps from the inflection-point guess converge in a few
    iterations; a bracket kept around the root falls back to bisection whenever a step would
    leave it (flat vega far from the money).
    """
    p, s, k, t, rr, _, c = np.broadcast_arrays(
        np.asarray(price, float), *_prep(S, K, T, r, 0.0, is_call)
    )
    k_disc = k * np.exp(-rr * t)
    otm_call = k_disc >= s
    parity = s - k_disc  # call minus put
    target = np.where(otm_call == c, p, np.where(c, p - parity, p + parity))
    upper = np.where(otm_call, s, k_disc)
    valid = np.isfinite(target) & (target > 0.0) & (target < upper)
    valid &= target < _price(s, k, t, rr, IV_HIGH, otm_call)
    target = np.where(valid, target, 0.0)

    lo = np.full(target.shape, IV_LOW)
    hi = np.full(target.shape, IV_HIGH)
    guess = np.sqrt(2.0 * np.abs(np.log(s / k_disc)) / t)
    sigma = np.clip(np.where(guess > 0.05, guess, 0.2), 0.05, 2.0)
    sqrt_t = np.sqrt(t)
    done = ~valid
    for _ in range(max_iter):
        diff = _price(s, k, t, rr, sigma, otm_call) - target
        done |= (np.abs(diff) <= tol * np.maximum(1.0, target)) | (hi - lo < 1e-13)
        if done.all():
            break
        hi = np.where(diff > 0.0, sigma, hi)
        lo = np.where(diff <= 0.0, sigma, lo)
        d1, _ = _d1_d2(s, k, t, rr, sigma)
        vega = s * _pdf(d1) * sqrt_t
        with np.errstate(divide="ignore", invalid="ignore"):
            step = sigma - diff / vega
        inside = np.isfinite(step) & (step > lo) & (step < hi)
        sigma = np.where(done, sigma, np.where(inside, step, 0.5 * (lo + hi)))
    return _out(np.where(valid, sigma, np.nan))


def surface_vol(
    S: ArrayLike, K: ArrayLike, T: ArrayLike, atm_vol: ArrayLike, kind: str = "equity"
) -> FloatArray:
    """Simulated implied volatility at strike K and expiry T.

    `atm_vol` is the 30-day at-the-money level (the instrument's `volatility`). Term
    structure: mild contango, the ATM level scales with (T / 30 days) ** 0.05 (a weekly about
    7 % below the monthly, a quarterly about 6 % above), as in calm Indian markets.

    Smile: in standardised moneyness m = ln(K/S) / sqrt(T) (floored at two days and clipped
    to ±0.8 so wings flatten), the vol is ATM x (1 + a m + b m²). Indices carry a downside
    skew (a = -1.2, b = 2.0: puts 5 % out of the money a month out trade ~30 % above ATM,
    calls slightly below); stocks a more symmetric smile (a = -0.25, b = 1.0).
    """
    s, k, t, atm = np.broadcast_arrays(
        np.asarray(S, float), np.asarray(K, float), np.asarray(T, float), np.asarray(atm_vol, float)
    )
    t_eff = np.maximum(t, 2.0 / 365.0)
    term = np.clip((t_eff / (30.0 / 365.0)) ** 0.05, 0.85, 1.15)
    m = np.clip(np.log(k / s) / np.sqrt(t_eff), -0.8, 0.8)
    skew, curve = (-1.2, 2.0) if kind == "index" else (-0.25, 1.0)
    return _out(atm * term * (1.0 + skew * m + curve * m * m))


# ---------------------------------------------------------------------------------------------
# Option chain


TICK = 0.05
# Bid/ask half-spread as a fraction of the premium at the money; it widens by 30 % per strike
# step away from ATM. Index options trade far tighter than stock options.
HALF_SPREAD = {"index": 0.0004, "equity": 0.003}
# Peak open interest (contracts) of the nearest expiry; farther expiries hold less.
PEAK_OI = {NIFTY: 150_000, BANKNIFTY: 60_000, FINNIFTY: 15_000, "index": 10_000, "equity": 4_000}


@dataclass(frozen=True, slots=True)
class OptionLeg:
    ltp: float
    bid: float
    ask: float
    volume: int
    oi: int
    oi_change: int
    iv: float
    delta: float
    gamma: float
    theta: float
    vega: float


@dataclass(frozen=True, slots=True)
class OptionRow:
    strike: float
    call: OptionLeg
    put: OptionLeg


@dataclass(frozen=True, slots=True)
class OptionChain:
    symbol: str
    expiry: date
    underlying_price: float
    risk_free_rate: float
    lot_size: int
    time_to_expiry_years: float
    pcr: float | None  # None when there is no call OI
    max_pain: float
    atm_strike: float
    rows: tuple[OptionRow, ...]

    def to_dict(self) -> dict:
        out = {f: getattr(self, f) for f in self.__slots__ if f != "rows"}
        out["expiry"] = self.expiry.isoformat()
        out["rows"] = [
            {"strike": row.strike, "call": asdict(row.call), "put": asdict(row.put)}
            for row in self.rows
        ]
        return out


def time_to_expiry(expiry: date, now: datetime) -> float:
    """Years of 365 days from `now` to 15:30 IST on `expiry` (naive `now` = IST), at least MIN_T."""
    seconds = (datetime.combine(expiry, CLOSE, tzinfo=IST) - as_ist(now)).total_seconds()
    return max(seconds / (365.0 * 86_400.0), MIN_T)


def put_call_ratio(call_oi: ArrayLike, put_oi: ArrayLike) -> float | None:
    """Put OI over call OI; None without call OI (a ratio to nothing is undefined, not 0)."""
    calls = float(np.sum(call_oi))
    return round(float(np.sum(put_oi)) / calls, 2) if calls > 0 else None


def max_pain(strikes: ArrayLike, call_oi: ArrayLike, put_oi: ArrayLike) -> float:
    """The settlement strike at which option holders collect the least (lowest on a tie)."""
    k = np.asarray(strikes, float)
    settle = k[:, None]  # rows: candidate settlement prices, columns: strikes
    payout = np.maximum(settle - k, 0.0) @ np.asarray(call_oi, float)
    payout += np.maximum(k - settle, 0.0) @ np.asarray(put_oi, float)
    return float(k[int(np.argmin(payout))])


def _unit_hash(keys: np.ndarray, salt: int) -> FloatArray:
    """A deterministic uniform [0, 1) number per integer key (splitmix64 finaliser)."""
    x = keys.astype(np.uint64) + np.uint64(salt & 0xFFFF_FFFF_FFFF_FFFF)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _session_fraction(now: datetime) -> float:
    """How much of today's normal session has passed; 1 outside it (the last session's totals)."""
    local = as_ist(now)
    if not is_trading_day(local.date()):
        return 1.0
    opened = datetime.combine(local.date(), OPEN, tzinfo=IST)
    closed = datetime.combine(local.date(), CLOSE, tzinfo=IST)
    if not opened <= local < closed:
        return 1.0
    return max((local - opened) / (closed - opened), 0.02)


def _activity(
    peak: float, strikes: FloatArray, step: float, atm: float, salt: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Calls-then-puts open interest at the session's start, OI drift and volume per OI.

    OI is a bump around ATM shifted outwards (call writers sit above spot, put writers below),
    with extra interest at round strikes and a per-strike jitter that stays put within a day.
    """
    steps_away = np.round((strikes - atm) / step)
    bump_call = np.exp(-0.5 * ((steps_away - 2.0) / 6.0) ** 2) + 0.08
    bump_put = np.exp(-0.5 * ((steps_away + 2.0) / 6.0) ** 2) + 0.08
    above = 1.0 / (1.0 + np.exp(-steps_away / 1.5))
    cents = np.round(strikes * 100).astype(np.int64)
    round_mult = 1.0 + 0.8 * (cents % round(1000 * step) == 0)
    round_mult += 0.3 * (cents % round(200 * step) == 0)
    keys = np.concatenate([cents * 8, cents * 8 + 4])  # calls, then puts; +0..3 per family
    size, turn, drift = (0.7 + 0.6 * _unit_hash(keys + i, salt) for i in range(3))
    shape = np.concatenate([bump_call * (0.3 + 0.7 * above), bump_put * (1.0 - 0.7 * above)])
    oi_start = peak * shape * np.tile(round_mult, 2) * size
    near_atm = np.tile(np.exp(-0.5 * (steps_away / 3.0) ** 2), 2)
    return oi_start, drift - 0.85, (0.4 + 3.0 * near_atm) * turn


def _quote_legs(
    theo: FloatArray, lower: FloatArray, steps_away: FloatArray, half_spread: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ltp, bid, ask on the 0.05 grid; ltp strictly above the no-arbitrage floor `lower`."""
    ltp_ticks = np.maximum.reduce(
        [np.round(theo / TICK), np.floor(lower / TICK + 1e-9) + 1.0, np.ones_like(theo)]
    )
    rel = half_spread * (1.0 + 0.3 * np.abs(steps_away))
    half = np.maximum(np.ceil(ltp_ticks * rel - 1e-9), 1.0)
    bid_ticks = np.where(ltp_ticks - half >= 1.0, ltp_ticks - half, 0.0)
    to_price = lambda ticks: np.round(ticks * TICK, 2)  # noqa: E731
    return to_price(ltp_ticks), to_price(bid_ticks), to_price(ltp_ticks + half)


def _legs(cols: dict[str, np.ndarray]) -> list[OptionLeg]:
    names = list(cols)
    columns = [col.tolist() for col in cols.values()]
    return [
        OptionLeg(**dict(zip(names, values, strict=True))) for values in zip(*columns, strict=True)
    ]


def chain_strikes(
    symbol: str, spot: float, strikes_each_side: int, reference_price: float = 0.0
) -> tuple[FloatArray, float, float]:
    """Listed strikes around spot (positive ones only), the ATM strike and the strike step.

    The step follows `reference_price` when given, so that a price wandering across a band
    edge during the session does not flip the strike grid; NSE revises intervals only
    periodically.
    """
    step = strike_step(symbol, reference_price if reference_price > 0 else spot)
    atm = round(round(spot / step) * step, 2)
    strikes = np.round(atm + step * np.arange(-strikes_each_side, strikes_each_side + 1), 2)
    return strikes[strikes > 0], atm, step


def build_chain(
    underlying: Instrument,
    spot: float,
    expiry: date,
    now: datetime,
    r: float = DEFAULT_RATE,
    strikes_each_side: int = 15,
    seed: int = 0,
) -> OptionChain:
    """A simulated option chain: theoretical premiums off the vol surface, quoted on the tick.

    The strike step comes from the instrument's `ref_price` (see `chain_strikes`). The iv
    shown is solved back from the rounded ltp and the Greeks use it, so the three agree
    the way a real terminal's do. OI and volume are functions of (strike, symbol, expiry,
    session day, seed): stable through a session apart from the day's progress.
    """
    kind = "index" if underlying.is_index else "equity"
    symbol = underlying.symbol
    strikes, atm, step = chain_strikes(symbol, spot, strikes_each_side, underlying.ref_price)
    n = strikes.size
    t = time_to_expiry(expiry, now)
    k = np.concatenate([strikes, strikes])
    is_call = np.arange(2 * n) < n
    surface = surface_vol(spot, k, t, underlying.volatility, kind)
    k_disc = k * np.exp(-r * t)
    lower = np.maximum(np.where(is_call, spot - k_disc, k_disc - spot), 0.0)
    ltp, bid, ask = _quote_legs(
        bs_price(spot, k, t, r, surface, is_call), lower, (k - spot) / step, HALF_SPREAD[kind]
    )
    iv = implied_vol(ltp, spot, k, t, r, is_call)
    iv = np.where(np.isfinite(iv), iv, surface)
    g = greeks(spot, k, t, r, iv, is_call)

    day = as_ist(now).date()
    salt = zlib.crc32(f"{symbol}|{expiry.isoformat()}|{day.isoformat()}".encode())
    peak = PEAK_OI.get(symbol, PEAK_OI[kind]) / (1.0 + 8.0 * t)
    oi_start, drift, turnover = _activity(peak, strikes, step, atm, salt ^ (seed * 0x9E3779B9))
    progress = _session_fraction(now)
    oi_change = np.round(oi_start * drift * progress)
    oi = np.round(oi_start) + oi_change
    cols = {
        "ltp": ltp,
        "bid": bid,
        "ask": ask,
        "volume": np.round(oi_start * turnover * (1.0 + 2.0 * np.exp(-52.0 * t)) * progress),
        "oi": oi,
        "oi_change": oi_change,
        "iv": np.round(iv, 4),
        "delta": np.round(g.delta, 4),
        "gamma": np.round(g.gamma, 6),
        "theta": np.round(g.theta, 4),
        "vega": np.round(g.vega, 4),
    }
    for name in ("volume", "oi", "oi_change"):
        cols[name] = cols[name].astype(np.int64)
    legs = _legs(cols)
    return OptionChain(
        symbol=symbol,
        expiry=expiry,
        underlying_price=round(float(spot), 2),
        risk_free_rate=r,
        lot_size=lot_size_for(underlying, expiry),
        time_to_expiry_years=round(t, 8),
        pcr=put_call_ratio(oi[:n], oi[n:]),
        max_pain=max_pain(strikes, oi[:n], oi[n:]),
        atm_strike=atm,
        rows=tuple(
            OptionRow(strike, call, put)
            for strike, call, put in zip(strikes.tolist(), legs[:n], legs[n:], strict=True)
        ),
    )


def quote_many(
    spot: ArrayLike,
    strikes: ArrayLike,
    t: ArrayLike,
    atm_vol: ArrayLike,
    is_call: ArrayLike,
    step: ArrayLike,
    kind: str,
    r: float = DEFAULT_RATE,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(ltp, bid, ask) of many contracts of one kind ("index" or "equity") at once, each with
    its own spot, time to expiry (years), ATM volatility and strike step, priced exactly as
    `build_chain` prices its rows (same surface, spread and tick)."""
    s = np.atleast_1d(np.asarray(spot, float))
    k = np.atleast_1d(np.asarray(strikes, float))
    tt = np.atleast_1d(np.asarray(t, float))
    calls = np.atleast_1d(np.asarray(is_call, bool))
    surface = surface_vol(s, k, tt, atm_vol, kind)
    k_disc = k * np.exp(-r * tt)
    lower = np.maximum(np.where(calls, s - k_disc, k_disc - s), 0.0)
    theo = np.atleast_1d(bs_price(s, k, tt, r, surface, calls))
    steps_away = (k - s) / np.asarray(step, float)
    return _quote_legs(theo, lower, steps_away, HALF_SPREAD[kind])


def quote_contracts(
    underlying: Instrument,
    spot: float,
    expiry: date,
    strikes: ArrayLike,
    is_call: ArrayLike,
    now: datetime,
    r: float = DEFAULT_RATE,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(ltp, bid, ask) of any listed contracts of one underlying and expiry (see quote_many)."""
    kind = "index" if underlying.is_index else "equity"
    step = strike_step(underlying.symbol, underlying.ref_price or spot)
    t = time_to_expiry(expiry, now)
    return quote_many(spot, strikes, t, underlying.volatility, is_call, step, kind, r)
