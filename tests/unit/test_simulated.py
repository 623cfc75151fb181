from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from stockapp.market.calendar import IST, is_trading_day
from stockapp.market.instruments import Universe, load_universe
from stockapp.market.models import Bar, Instrument, Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.providers.simulated import SimulatedExchange
from stockapp.market.sim.history import generate_daily, seeded_rng
from stockapp.market.ticksize import price_band, tick_size

NSE, BSE = "india_nse", "india_bse"

# (symbol, ref price, volatility, band %, sector): prices next to tick-band edges, and two
# wild stocks with tight bands that hit their circuit limits all the time.
EQUITIES = [
    ("EDGE250", 249.9, 0.6, 20.0, "A"),
    ("EDGE1K", 999.0, 0.5, 10.0, "A"),
    ("EDGE5K", 4990.0, 0.4, None, "B"),
    ("EDGE10K", 9980.0, 0.4, 5.0, "B"),
    ("EDGE20K", 19950.0, 0.5, None, "A"),
    ("BIGCAP", 25000.0, 0.3, 20.0, "B"),
    ("PENNY", 12.35, 3.0, 2.0, "C"),
    ("WILD", 480.0, 2.5, 5.0, "C"),
]
MEMBERS = ("EDGE250", "EDGE1K", "EDGE5K", "EDGE10K", "EDGE20K", "BIGCAP")
WEIGHTS = (0.1, 0.15, 0.2, 0.25, 0.2, 0.1)


def make_universe() -> Universe:
    out: list[Instrument] = []
    for symbol, ref, vol, band, sector in EQUITIES:
        for market in (NSE, BSE):
            out.append(
                Instrument(
                    symbol=symbol,
                    market=market,
                    name=symbol.title(),
                    sector=sector,
                    fno=band is None,
                    ref_price=ref,
                    shares_outstanding=2_000_000_000,
                    band_pct=band,
                    volatility=vol,
                )
            )
    for symbol, market in (("TESTIDX", NSE), ("TESTBSEIDX", BSE)):
        out.append(
            Instrument(
                symbol=symbol,
                market=market,
                name=symbol,
                kind="index",
                ref_price=20000.0,
                band_pct=None,
                volatility=0.15,
                constituents=MEMBERS,
                weights=WEIGHTS,
            )
        )
    out.append(
        Instrument(symbol="LONEIDX", market=NSE, name="Lone", kind="index", ref_price=15000.0)
    )
    return Universe(out)


UNIVERSE = make_universe()
EQUITY_KEYS: list[Key] = [i.key for i in UNIVERSE.all() if not i.is_index]
ALL_KEYS: list[Key] = UNIVERSE.keys()


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> datetime:
        self.t += timedelta(seconds=seconds)
        return self.t


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=IST)


def make(
    start: datetime, *, seed: int = 42, tick: float = 60.0, hours: str = "always"
) -> tuple[SimulatedExchange, FakeClock]:
    clock = FakeClock(start)
    ex = SimulatedExchange(UNIVERSE, seed=seed, now=clock, tick_interval=tick, hours=hours)
    return ex, clock


def walk(ex: SimulatedExchange, clock: FakeClock, steps: int, seconds: float) -> Iterator[dict]:
    """Step the fake clock and yield a snapshot of every key after each step."""
    for _ in range(steps):
        clock.advance(seconds)
        ex.step()
        yield ex.snapshot(ALL_KEYS)


def multiple_of(price: float, tick: float) -> bool:
    ratio = price / tick
    return abs(ratio - round(ratio)) < 1e-9


def consistent(bars: list[Bar]) -> bool:
    return all(b.l <= min(b.o, b.c) <= max(b.o, b.c) <= b.h for b in bars)


@pytest.fixture(scope="module")
def walked() -> tuple[SimulatedExchange, list[dict]]:
    """2,000 one-minute steps from 10:00 IST: crosses IST midnight, so two days are seen."""
    ex, clock = make(ist(2026, 3, 10, 10, 0))
    ex.step()
    return ex, [ex.snapshot(ALL_KEYS), *walk(ex, clock, 2000, 60)]


def test_it_is_a_quote_provider() -> None:
    ex, _ = make(ist(2026, 3, 10, 10, 0))
    assert isinstance(ex, QuoteProvider)
    assert (ex.name, ex.simulated, ex.batch_size) == ("simulated", True, 500)


def test_every_equity_price_is_on_its_tick_and_inside_its_band(walked) -> None:
    _, snaps = walked
    hit_band = 0
    sides_of_250: set[bool] = set()
    for snap in snaps:
        for key in EQUITY_KEYS:
            q: Quote = snap[key]
            band = UNIVERSE.get(*key).band_pct
            lower, upper = price_band(q.prev_close, band)
            for p in (q.current_price, q.open, q.high, q.low, q.prev_close):
                assert multiple_of(p, tick_size(p)), (key, p)
                assert lower <= p <= upper or p == q.prev_close, (key, p, lower, upper)
            assert q.low <= q.current_price <= q.high
            hit_band += q.current_price in (lower, upper)
            if key[0] == "EDGE250":
                sides_of_250.add(q.current_price >= 250)
    assert hit_band > 100  # the circuit limits really were tested
    assert sides_of_250 == {True, False}  # and the 0.01/0.05 tick edge was crossed


async def test_day_rolls_over_at_ist_midnight(walked) -> None:
    ex, snaps = walked
    days = {snap[("EDGE1K", NSE)].timestamp.astimezone(IST).date() for snap in snaps}
    assert days == {date(2026, 3, 10), date(2026, 3, 11)}
    for key in ALL_KEYS:
        seen = [s[key] for s in snaps if s[key].timestamp.astimezone(IST).day == 10]
        bars = await ex.history(key, "1d", "5d")
        yesterday, today = bars[-2], bars[-1]
        assert yesterday.t == ist(2026, 3, 10, 9, 15)
        assert ex.quote(key).prev_close == yesterday.c
        assert yesterday.h >= max(q.current_price for q in seen)
        assert yesterday.l <= min(q.current_price for q in seen)
        assert yesterday.v >= seen[-1].volume
        assert today.v == ex.quote(key).volume
        first_of_day = next(s[key] for s in snaps if s[key].timestamp.astimezone(IST).day == 11)
        assert first_of_day.volume == 0
        assert first_of_day.open == first_of_day.current_price


def test_bse_listing_tracks_nse_within_two_ticks_and_its_own_band(walked) -> None:
    _, snaps = walked
    for snap in snaps:
        for symbol, *_ in EQUITIES:
            nse, bse = snap[(symbol, NSE)], snap[(symbol, BSE)]
            lower, upper = price_band(bse.prev_close, UNIVERSE.get(symbol, BSE).band_pct)
            assert lower <= bse.current_price <= upper
            assert multiple_of(bse.current_price, tick_size(bse.current_price))
            assert abs(bse.current_price - nse.current_price) <= 2 * tick_size(nse.current_price)
            assert bse.volume < nse.volume or nse.volume == 0


def test_index_change_equals_weighted_member_change_every_step(walked) -> None:
    _, snaps = walked
    for snap in snaps:
        for index_key in (("TESTIDX", NSE), ("TESTBSEIDX", BSE)):
            idx = snap[index_key]
            members = [snap[(s, index_key[1])] for s in MEMBERS]
            expected = sum(
                w * (m.current_price - m.prev_close) / m.prev_close
                for w, m in zip(WEIGHTS, members, strict=True)
            )
            actual = (idx.current_price - idx.prev_close) / idx.prev_close
            assert abs(actual - expected) < 1e-6
            assert idx.volume == 0
            assert idx.low <= idx.current_price <= idx.high


def test_lone_index_walks_on_its_own(walked) -> None:
    _, snaps = walked
    levels = {snap[("LONEIDX", NSE)].current_price for snap in snaps}
    assert len(levels) > 100
    assert all(round(x, 2) == x for x in levels)


def test_volume_grows_within_a_day_with_more_trading_at_the_edges() -> None:
    ex, clock = make(ist(2026, 3, 10, 0, 0, 30))
    key = ("BIGCAP", NSE)
    volumes = [q[key].volume for q in walk(ex, clock, 1438, 60)]
    assert all(b >= a for a, b in itertools.pairwise(volumes))
    assert volumes[-1] > 1_000_000  # a large cap trades millions of shares a day
    first_hours = volumes[143] - volumes[0]
    middle_hours = volumes[790] - volumes[647]
    last_hours = volumes[-1] - volumes[-144]
    assert first_hours > 2 * middle_hours and last_hours > 2 * middle_hours


def test_same_seed_same_market_and_other_seed_different() -> None:
    def run(seed: int) -> list[tuple]:
        ex, clock = make(ist(2026, 3, 10, 11, 0), seed=seed, tick=1.0)
        snaps = list(walk(ex, clock, 50, 7.5))
        return [
            (k, q.current_price, q.high, q.low, q.volume, q.timestamp) for k, q in snaps[-1].items()
        ]

    assert run(7) == run(7)
    assert run(7) != run(8)


async def test_same_seed_same_history() -> None:
    a, _ = make(ist(2026, 3, 10, 11, 0), seed=3)
    b, _ = make(ist(2026, 3, 10, 11, 0), seed=3)
    c, _ = make(ist(2026, 3, 10, 11, 0), seed=4)
    key = ("EDGE5K", NSE)
    assert await a.history(key, "1d", "1y") == await b.history(key, "1d", "1y")
    assert await a.history(key, "5m", "5d") == await b.history(key, "5m", "5d")
    assert await a.history(key, "1d", "1y") != await c.history(key, "1d", "1y")


async def test_fetch_quotes_reports_unknown_keys_missing() -> None:
    ex, _ = make(ist(2026, 3, 10, 11, 0))
    unknown = [("NOPE", NSE), ("EDGE1K", "nasdaq")]
    result = await ex.fetch_quotes([("EDGE1K", NSE), *unknown, ("TESTIDX", NSE)])
    assert set(result.quotes) == {("EDGE1K", NSE), ("TESTIDX", NSE)}
    assert result.missing == unknown
    q = result.quotes[("EDGE1K", NSE)]
    assert q.timestamp.tzinfo is not None and q.timestamp.microsecond % 1000 == 0
    assert q.timestamp <= ist(2026, 3, 10, 11, 0)


async def test_last_minute_bar_is_the_live_price_and_bars_contain_every_tick() -> None:
    ex, clock = make(ist(2026, 3, 10, 10, 0, 0), tick=1.0)
    ex.step()
    key = ("WILD", NSE)
    ticks: list[tuple[datetime, float]] = []
    for _ in range(400):
        clock.advance(0.9)
        ex.step()
        q = ex.quote(key)
        ticks.append((q.timestamp, q.current_price))
    bars = await ex.history(key, "1m", "1d")
    q = ex.quote(key)
    assert bars[-1].c == q.current_price
    assert consistent(bars)
    assert max(b.h for b in bars) == q.high and min(b.l for b in bars) == q.low
    assert bars[0].o == q.open and bars[0].t == ist(2026, 3, 10, 0, 0)
    by_minute = {b.t: b for b in bars}
    for ts, price in ticks:
        bar = by_minute[ts.replace(second=0, microsecond=0)]
        assert bar.l <= price <= bar.h
    five = await ex.history(key, "5m", "1d")
    assert consistent(five) and five[-1].c == q.current_price
    assert max(b.h for b in five) == q.high and sum(b.v for b in five) == q.volume
    assert all((b.t - five[0].t).total_seconds() % 300 == 0 for b in five)


async def test_intraday_five_days_covers_previous_sessions_consistently() -> None:
    ex, _ = make(ist(2026, 3, 12, 13, 0), hours="exchange", tick=5.0)
    for key in (("EDGE20K", NSE), ("TESTIDX", NSE), ("EDGE250", BSE)):
        bars = await ex.history(key, "1m", "5d")
        daily = await ex.history(key, "1d", "5d")
        days = sorted({b.t.astimezone(IST).date() for b in bars})
        assert days == [b.t.astimezone(IST).date() for b in daily]
        assert consistent(bars)
        for day_bar in daily:
            same = [
                b for b in bars if b.t.astimezone(IST).date() == day_bar.t.astimezone(IST).date()
            ]
            assert same[0].o == day_bar.o and same[-1].c == day_bar.c
            assert max(b.h for b in same) == day_bar.h and min(b.l for b in same) == day_bar.l
            open_, close = ist(2026, 1, 1, 9, 15).time(), ist(2026, 1, 1, 15, 30).time()
            assert all(open_ <= b.t.astimezone(IST).time() < close for b in same)
        if not key[0].endswith("IDX"):
            assert all(multiple_of(b.c, tick_size(b.c)) for b in bars)
        hourly = await ex.history(key, "1h", "1mo")
        assert consistent(hourly) and hourly[-1].c == ex.quote(key).current_price


async def test_daily_history_five_years_ends_at_today() -> None:
    ex, _ = make(ist(2026, 3, 10, 11, 0))
    for key in (("EDGE1K", NSE), ("EDGE1K", BSE), ("PENNY", NSE), ("TESTIDX", NSE)):
        bars = await ex.history(key, "1d", "5y")
        q = ex.quote(key)
        assert len(bars) > 1200
        assert consistent(bars)
        assert all(a.t < b.t for a, b in itertools.pairwise(bars))
        assert (bars[-1].o, bars[-1].h, bars[-1].l, bars[-1].c) == (
            q.open,
            q.high,
            q.low,
            q.current_price,
        )
        assert bars[-2].c == q.prev_close
        assert all(is_trading_day(b.t.astimezone(IST).date()) for b in bars[:-1])
        if key[0] != "TESTIDX":
            assert all(multiple_of(p, tick_size(p)) for b in bars for p in (b.o, b.h, b.l, b.c))
            assert all(b.v > 0 for b in bars[:-1])
        weeks = await ex.history(key, "1wk", "1y")
        assert consistent(weeks)
        year = await ex.history(key, "1d", "1y")
        assert max(b.h for b in weeks) == max(b.h for b in year)
        assert weeks[-1].c == q.current_price


async def test_index_history_is_its_members_weighted_history() -> None:
    ex, _ = make(ist(2026, 3, 10, 11, 0))
    index = await ex.history(("TESTIDX", NSE), "1d", "1y")
    members = [await ex.history((s, NSE), "1d", "1y") for s in MEMBERS]
    base = index[-2].c  # the close the live index starts from
    assert len({len(index), *map(len, members)}) == 1
    for i, bar in enumerate(index):
        # today's high and low are the index path's own extremes, not the members' sum
        for field in ("o", "h", "l", "c") if i < len(index) - 1 else ("o", "c"):
            weighted = sum(
                w * getattr(m[i], field) / m[-2].c for w, m in zip(WEIGHTS, members, strict=True)
            )
            assert abs(getattr(bar, field) - base * weighted) <= 0.0051


async def test_week52_high_low_match_the_one_year_history(walked) -> None:
    ex, _ = walked
    for key in (("EDGE10K", NSE), ("EDGE10K", BSE), ("TESTIDX", NSE), ("LONEIDX", NSE)):
        q = ex.quote(key)
        year = await ex.history(key, "1d", "1y")
        assert q.week52_high == max(b.h for b in year)
        assert q.week52_low == min(b.l for b in year)
        assert q.week52_low <= q.low <= q.high <= q.week52_high


@pytest.mark.parametrize(
    ("interval", "range_"),
    [
        ("1m", "1mo"),
        ("1m", "1y"),
        ("5m", "6mo"),
        ("1h", "5y"),
        ("1wk", "1d"),
        ("1d", "1d"),
        ("2m", "1d"),
        ("1d", "10y"),
    ],
)
async def test_invalid_interval_range_combinations_raise(interval: str, range_: str) -> None:
    ex, _ = make(ist(2026, 3, 10, 11, 0))
    with pytest.raises(ValueError, match=interval if interval == "2m" else range_):
        await ex.history(("EDGE1K", NSE), interval, range_)


async def test_history_of_unknown_key_raises() -> None:
    ex, _ = make(ist(2026, 3, 10, 11, 0))
    with pytest.raises(ValueError, match="unknown instrument"):
        await ex.history(("NOPE", NSE), "1d", "1y")


@pytest.mark.parametrize(
    "start",
    [ist(2026, 1, 26, 10, 0), ist(2026, 1, 24, 11, 0), ist(2026, 1, 27, 15, 45)],
    ids=["republic-day-holiday", "saturday", "after-close"],
)
async def test_exchange_hours_no_ticks_while_closed(start: datetime) -> None:
    ex, clock = make(start, hours="exchange", tick=1.0)
    first = (await ex.fetch_quotes(ALL_KEYS)).quotes
    clock.advance(3 * 3600)
    second = (await ex.fetch_quotes(ALL_KEYS)).quotes
    assert first == second
    session_close = ist(2026, 1, 23, 15, 30) if start.day < 27 else ist(2026, 1, 27, 15, 30)
    assert all(q.timestamp == session_close for q in second.values())


async def test_exchange_hours_ticks_while_open_and_pre_open_sets_the_open() -> None:
    ex, clock = make(ist(2026, 1, 27, 9, 5), hours="exchange", tick=1.0)
    pre = (await ex.fetch_quotes(ALL_KEYS)).quotes
    for q in pre.values():
        assert q.current_price == q.open == q.high == q.low and q.volume == 0
    clock.t = ist(2026, 1, 27, 10, 0)
    live = (await ex.fetch_quotes(ALL_KEYS)).quotes
    clock.advance(300)
    later = (await ex.fetch_quotes(ALL_KEYS)).quotes
    assert all(later[k].timestamp == ist(2026, 1, 27, 10, 5) for k in ALL_KEYS)
    assert sum(later[k].current_price != live[k].current_price for k in ALL_KEYS) > 10
    assert all(later[k].volume > live[k].volume for k in EQUITY_KEYS)
    assert all(live[k].open == pre[k].open for k in ALL_KEYS)


async def test_exchange_mode_catches_up_over_skipped_days() -> None:
    ex, clock = make(ist(2026, 1, 27, 11, 0), hours="exchange", tick=1.0)
    before = (await ex.fetch_quotes(ALL_KEYS)).quotes
    clock.t = ist(2026, 2, 3, 11, 0)
    started = time.perf_counter()
    after = (await ex.fetch_quotes(ALL_KEYS)).quotes
    assert time.perf_counter() - started < 2.0
    bars = await ex.history(("EDGE1K", NSE), "1d", "1mo")
    days = [b.t.astimezone(IST).date() for b in bars]
    assert days[-6:] == [date(2026, 1, 27), date(2026, 1, 28), date(2026, 1, 29),
                         date(2026, 1, 30), date(2026, 2, 2), date(2026, 2, 3)]  # fmt: skip
    assert consistent(bars)
    for a, b in itertools.pairwise(bars):
        lower, upper = price_band(a.c, UNIVERSE.get("EDGE1K").band_pct)
        assert lower <= b.l <= b.h <= upper
    assert after[("EDGE1K", NSE)].prev_close == bars[-2].c
    assert before[("EDGE1K", NSE)].timestamp < after[("EDGE1K", NSE)].timestamp


async def test_long_gap_is_caught_up_with_a_bar_every_minute() -> None:
    ex, clock = make(ist(2026, 3, 10, 9, 0), tick=1.0)
    ex.step()
    clock.advance(3 * 3600)
    started = time.perf_counter()
    ex.step()
    assert time.perf_counter() - started < 0.5
    bars = await ex.history(("EDGE5K", NSE), "1m", "1d")
    recent = [b for b in bars if b.t >= ist(2026, 3, 10, 9, 0)]
    assert len(recent) >= 180 and consistent(recent)


def test_stepping_is_fast_and_works_with_the_shipped_universe() -> None:
    universe = load_universe()
    clock = FakeClock(ist(2026, 3, 10, 11, 0))
    ex = SimulatedExchange(universe, now=clock, tick_interval=1.0)
    ex.step()
    started = time.perf_counter()
    for _ in range(200):
        clock.advance(1.0)
        ex.step()
    assert (time.perf_counter() - started) / 200 < 0.005
    quotes = ex.snapshot(universe.keys())
    assert set(quotes) == set(universe.keys())
    for inst in universe.all():
        q = quotes[inst.key]
        if not inst.is_index:
            assert multiple_of(q.current_price, tick_size(q.current_price))
            lower, upper = price_band(q.prev_close, inst.band_pct)
            assert lower <= q.current_price <= upper


def test_generating_five_years_of_daily_bars_is_quick() -> None:
    rng = seeded_rng(1, "X")
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        bars = generate_daily(rng, 1250, 1234.5, 0.3, None, 1e6)
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[2] < 0.02
    assert bars.c[-1] == 1234.5
    daily_moves = np.diff(np.log(bars.c))
    assert 0.008 < daily_moves.std() < 0.04


def test_naive_clock_is_read_as_utc() -> None:
    naive = datetime(2026, 3, 10, 6, 0)
    ex = SimulatedExchange(UNIVERSE, now=lambda: naive, tick_interval=1.0)
    ex.step()
    assert ex.quote(("EDGE1K", NSE)).timestamp == naive.replace(tzinfo=UTC)


def test_prices_are_exact_decimals() -> None:
    ex, clock = make(ist(2026, 3, 10, 11, 0), tick=1.0)
    for snap in walk(ex, clock, 20, 1.0):
        for q in snap.values():
            assert Decimal(repr(q.current_price)).as_tuple().exponent >= -2


async def test_history_can_end_in_the_past() -> None:
    ex, _ = make(ist(2026, 3, 10, 14, 0), hours="exchange", tick=5.0)
    key = ("EDGE5K", NSE)
    full = await ex.history(key, "1d", "6mo")
    end = ist(2026, 2, 27, 16, 0)
    past = await ex.history(key, "1d", "1mo", end=end)
    assert past[-1].t == ist(2026, 2, 27, 9, 15) and past[0].t > ist(2026, 1, 27, 16, 0)
    assert past == [b for b in full if ist(2026, 1, 27, 16, 0) < b.t <= end]
    midday = ist(2026, 3, 10, 11, 0)
    morning = await ex.history(key, "1m", "1d", end=midday)
    assert morning[0].t == ist(2026, 3, 10, 9, 15) and morning[-1].t == midday


async def test_prices_do_not_depend_on_which_keys_are_asked_for() -> None:
    a, clock_a = make(ist(2026, 3, 10, 11, 0, 0), tick=0.25)
    b, clock_b = make(ist(2026, 3, 10, 11, 0, 0), tick=0.25)
    for _ in range(40):
        clock_a.advance(0.4)
        clock_b.advance(0.4)
        every = await a.fetch_quotes(ALL_KEYS)
        one = await b.fetch_quotes([("EDGE1K", BSE)])
        assert one.quotes[("EDGE1K", BSE)] == every.quotes[("EDGE1K", BSE)]
    stamp = one.quotes[("EDGE1K", BSE)].timestamp
    assert stamp == ist(2026, 3, 10, 11, 0, 16) and stamp.microsecond % 250_000 == 0
