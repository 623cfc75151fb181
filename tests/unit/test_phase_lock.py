"""Fresh prices: the hub polls just after the provider's next observation, and the chart's
last bar is built from the observation the hub published (one observation, one truth)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from stockapp.market.chart_series import ending_at
from stockapp.market.hub import PriceHub
from stockapp.market.hub.core import PHASE_MARGIN
from stockapp.market.models import Bar, FetchResult, Key
from tests.unit.test_hub import RecordingProvider, wait_until
from tests.unit.test_simulated import EQUITY_KEYS, make

T0 = datetime(2026, 3, 4, 5, 0, 0, tzinfo=UTC)


def test_simulator_tells_when_its_next_step_is_due():
    ex, clock = make(T0 + timedelta(milliseconds=300), tick=1.0)
    assert ex.seconds_until_next_observation() == pytest.approx(0.7)
    clock.advance(0.7)  # exactly on the grid: the next step is a whole tick away
    assert ex.seconds_until_next_observation() == pytest.approx(1.0)


async def test_simulated_history_does_not_run_ahead_of_the_observation():
    ex, clock = make(T0, tick=1.0)
    key = EQUITY_KEYS[0]
    moved = False
    for _ in range(5):
        observed = (await ex.fetch_quotes([key])).quotes[key]  # what the hub published
        clock.advance(1.2)  # the next step is due, but nobody observed it yet
        bars = await ex.history(key, "1m", "1d")
        assert bars[-1].c == observed.current_price
        moved |= (await ex.fetch_quotes([key])).quotes[key].current_price != observed.current_price
    assert moved  # the market did move between observations: the check meant something


async def test_simulated_history_catches_up_when_nobody_observes():
    ex, clock = make(T0, tick=1.0)
    key = EQUITY_KEYS[0]
    await ex.fetch_quotes([key])
    clock.advance(30)
    await ex.history(key, "1m", "1d")
    assert ex.market.last_ms == int((T0 + timedelta(seconds=30)).timestamp() * 1000)


def _bar(minute: int, c: float) -> Bar:
    return Bar(t=T0 + timedelta(minutes=minute), o=100.0, h=101.0, l=99.0, c=c, v=10)


def test_chart_ends_with_the_published_price():
    ex, _ = make(T0 + timedelta(minutes=1, seconds=20))
    q = ex.quote(EQUITY_KEYS[0])
    assert q is not None
    bars = [_bar(0, 100.0), _bar(1, 100.5), _bar(2, 100.7)]  # the provider moved on a minute
    out = ending_at(bars, q)
    assert [b.t for b in out] == [bars[0].t, bars[1].t]
    assert out[-1].c == q.current_price
    assert out[-1].l <= out[-1].c <= out[-1].h
    assert ending_at(bars, None) == bars


class DueProvider(RecordingProvider):
    """Announces its next observation `due` seconds ahead of every poll."""

    def __init__(self, due: float) -> None:
        super().__init__()
        self.due = due
        self.asked = 0

    def seconds_until_next_observation(self) -> float:
        self.asked += 1
        return self.due

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        return await super().fetch_quotes(keys)


def test_hub_schedules_its_next_poll_just_after_the_announced_observation():
    hub = PriceHub(DueProvider(due=0.6), tick_interval=1.0)  # type: ignore[arg-type]
    # polled at 10.0, done at 10.01: the provider's next step is 0.6 s away
    assert hub._phase_locked(started=10.0, now=10.01) == pytest.approx(10.61 + PHASE_MARGIN)
    # a step already due (the poll overran it) is fetched at once, not a tick later
    late = PriceHub(DueProvider(due=-0.2), tick_interval=1.0)  # type: ignore[arg-type]
    assert late._phase_locked(started=10.0, now=10.7) == pytest.approx(10.7 + PHASE_MARGIN)


def test_hub_never_polls_faster_than_half_its_interval():
    hub = PriceHub(DueProvider(due=0.05), tick_interval=1.0)  # type: ignore[arg-type]
    assert hub._phase_locked(started=10.0, now=10.01) is None  # the fixed schedule instead
    assert PriceHub(RecordingProvider(), tick_interval=1.0)._phase_locked(10.0, 10.01) is None


async def test_hub_polls_on_the_simulators_announcement():
    ex, _ = make(T0, tick=1.0)
    hub = PriceHub(ex, tick_interval=1.0)
    # the fake clock sits 0.0 s past a grid step: the next one is a whole tick away
    assert hub._phase_locked(started=5.0, now=5.02) == pytest.approx(6.02 + PHASE_MARGIN)


async def test_hub_keeps_its_interval_without_an_announcement():
    provider = RecordingProvider()
    hub = PriceHub(provider, tick_interval=30.0)
    sub = hub.subscribe([("AAA", "india_nse")])
    await hub.start()
    try:
        await wait_until(lambda: len(provider.calls) >= 1)
        await asyncio.sleep(0.3)
        assert len(provider.calls) == 1  # the next poll is 30 s away
    finally:
        sub.close()
        await hub.stop()
