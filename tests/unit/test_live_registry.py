"""The live-state registry: subscriptions follow the page and are released with the tab;
one coalesced push per session per tick carries only that session's changed rows."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest

from stockapp.market.hub import PriceHub
from stockapp.market.instruments import load_universe
from stockapp.market.providers.simulated import SimulatedExchange
from stockapp.runtime import runtime
from stockapp.state.live import LiveRegistry
from stockapp.state.views import field, views_for


class FakeState:
    """Just enough of a Reflex state: router data, a quotes var and `_apply_live`."""

    def __init__(self, token: str, path: str):
        self.router = SimpleNamespace(
            session=SimpleNamespace(client_token=token), page=SimpleNamespace(path=path)
        )
        self.quotes: dict = {}
        self.applied: list[dict] = []

    def _apply_live(self, snapshot, changed):
        assert snapshot.version >= 0 and all(snapshot.get(k) is q for k, q in changed.items())
        views = views_for(snapshot, changed)
        self.applied.append(views)
        self.quotes = {**self.quotes, **views}


class PageA(FakeState):
    pass


class PageB(FakeState):
    pass


class Shell(FakeState):
    pass


class FakeApp:
    """modify_state hands out the session's states by class, like Reflex's root state."""

    def __init__(self):
        self.states: dict[str, dict[type, FakeState]] = {}
        self.modifications = 0

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        self.modifications += 1
        by_cls = self.states[token.ident]

        async def get_state(cls):
            return by_cls[cls]

        yield SimpleNamespace(get_state=get_state)


@pytest.fixture
async def hub():
    universe = load_universe()
    h = PriceHub(SimulatedExchange(universe, tick_interval=0.05), tick_interval=0.05)
    await h.start()
    old = runtime.hub
    runtime.hub = h
    yield h
    runtime.hub = old
    await h.stop()


RELIANCE, TCS, INFY = ("RELIANCE", "india_nse"), ("TCS", "india_nse"), ("INFY", "india_nse")


async def test_navigation_replaces_page_keys_but_keeps_shell(hub, monkeypatch):
    reg, app = LiveRegistry(), FakeApp()
    monkeypatch.setattr(
        "stockapp.state.live.BaseStateToken", lambda ident, cls: SimpleNamespace(ident=ident)
    )
    reg.attach(app, hub)
    a, shell = PageA("t1", "/a"), Shell("t1", "/a")
    app.states["t1"] = {PageA: a, Shell: shell}
    reg.track(shell, [INFY], shell=True)
    reg.track(a, [RELIANCE, TCS])
    assert reg.sessions["t1"].sub.keys == {RELIANCE, TCS, INFY}
    b = PageB("t1", "/b")
    app.states["t1"][PageB] = b
    reg.track(b, [TCS])
    assert reg.sessions["t1"].sub.keys == {TCS, INFY}, "page A's RELIANCE released on navigation"
    assert hub.refcount(RELIANCE) == 0
    reg.release("t1")
    assert hub.subscriber_count == 0 and hub.refcount(TCS) == 0
    reg.detach()


async def test_one_push_per_session_per_tick_with_only_its_rows(hub, monkeypatch):
    reg, app = LiveRegistry(), FakeApp()
    monkeypatch.setattr(
        "stockapp.state.live.BaseStateToken", lambda ident, cls: SimpleNamespace(ident=ident)
    )
    reg.attach(app, hub)
    states = []
    for i in range(20):
        s = PageA(f"tok{i}", "/a")
        app.states[s.router.session.client_token] = {PageA: s}
        reg.track(s, [RELIANCE] if i % 2 else [TCS])
        states.append(s)
    ticks_before = hub.stats()["ticks"]
    await asyncio.sleep(0.6)
    for _ in range(100):  # a loaded machine may tick slowly: wait (bounded) for every session
        if all(s.applied for s in states):
            break
        await asyncio.sleep(0.1)
    ticks = hub.stats()["ticks"] - ticks_before
    assert all(s.applied for s in states), "every session received live rows"
    for i, s in enumerate(states):
        want = {"RELIANCE"} if i % 2 else {"TCS"}
        assert all(set(v) == want for v in s.applied), "a session only gets its own symbols"
        assert len(s.applied) <= ticks + 1, "at most one coalesced push per tick"
    for s in states:
        reg.release(s.router.session.client_token)
    assert hub.subscriber_count == 0
    reg.detach()


async def test_reconnect_retracks_and_gets_current_prices_at_once(hub, monkeypatch):
    reg, app = LiveRegistry(), FakeApp()
    monkeypatch.setattr(
        "stockapp.state.live.BaseStateToken", lambda ident, cls: SimpleNamespace(ident=ident)
    )
    reg.attach(app, hub)
    s = PageA("t9", "/a")
    app.states["t9"] = {PageA: s}
    reg.track(s, [RELIANCE])
    await asyncio.sleep(0.2)
    reg.release("t9")  # the socket went away
    again = reg.track(s, [RELIANCE])  # on_load runs again after the reconnect
    assert "RELIANCE" in again and field(again["RELIANCE"], "p")
    reg.detach()
    assert hub.subscriber_count == 0


def test_rows_are_compact_and_round_trip():
    from datetime import UTC, datetime

    from stockapp.market.models import Quote
    from stockapp.market.snapshot import MarketSnapshot

    t = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    key = ("RELIANCE", "india_nse")
    q1 = Quote("RELIANCE", "india_nse", 1234.5, 1230, 1240, 1220.1, 1222.2, 1_234_567, t)
    q2 = Quote("RELIANCE", "india_nse", 1235.0, 1230, 1240, 1220.1, 1222.2, 1_240_000, t)
    first = MarketSnapshot(1, {key: q1})
    assert field(views_for(first, [key])["RELIANCE"], "d") == ""
    row = views_for(MarketSnapshot(2, {key: q2}, ticks={key: 1}, previous=first), [key])["RELIANCE"]
    assert field(row, "p") == "1,235.00" and field(row, "d") == "up"
    assert field(row, "c") == "+12.80" and field(row, "cp") == "+1.05%"
    assert field(row, "v") == "12.40 L" and field(row, "x") == ""
    assert len(row.encode()) <= 60, "a row must stay small: 20 rows + ticker under 2 KB"


class Recorder(FakeState):
    """Records the quotes pushed into it (to tell a replayed day's prices from today's)."""

    def __init__(self, token: str, path: str):
        super().__init__(token, path)
        self.seen: list = []

    def _apply_live(self, snapshot, changed):
        super()._apply_live(snapshot, changed)
        self.seen.extend(changed.values())


async def _replay_hub(live_hub: PriceHub) -> tuple[PriceHub, object]:
    """A hub replaying the simulator's previous session at 60x (the shell's replay)."""
    import time

    from stockapp.market.replay import ArchiveSource, ReplayClock, ReplayProvider

    exchange = live_hub.provider
    if exchange.market.day is None:
        exchange.step()
    days, _ = exchange.archive.daily(0, include_today=False)
    day = days[-2]
    source = ArchiveSource(exchange)
    start, end = await source.window(day)
    clock = ReplayClock.begin(start, end, 60, time.time_ns() // 1_000_000)
    provider = ReplayProvider(exchange, source, day, lambda: clock.at(time.time_ns() // 1_000_000))
    replay = PriceHub(provider, tick_interval=0.05)
    await replay.start()
    return replay, day


async def test_a_replaying_tab_sees_its_replay_and_a_live_tab_the_live_market(hub, monkeypatch):
    """Two users: one watches a replay, one the live market; each gets only its own hub's
    prices, the registry listens to the replay hub only while a tab watches it, and a tab
    that stops its replay is back on live prices at once."""
    from datetime import date

    from stockapp.market.calendar import IST

    reg, app = LiveRegistry(), FakeApp()
    monkeypatch.setattr(
        "stockapp.state.live.BaseStateToken", lambda ident, cls: SimpleNamespace(ident=ident)
    )
    reg.attach(app, hub)
    replay, day = await _replay_hub(hub)
    listeners_before = replay._listeners.count
    try:
        alice, bob = Recorder("alice", "/a"), Recorder("bob", "/a")
        app.states = {"alice": {Recorder: alice}, "bob": {Recorder: bob}}
        await reg.watch(alice, replay)
        await reg.watch(bob, None)
        assert not await reg.watch(bob, None), "watching the same hub again changes nothing"
        assert replay._listeners.count == listeners_before + 1, "listening while watched"
        alice.quotes = reg.track(alice, [RELIANCE, TCS])
        bob.quotes = reg.track(bob, [RELIANCE, TCS])
        assert reg.sessions["alice"].sub.keys == {RELIANCE, TCS} and replay.refcount(TCS) == 1
        assert hub.refcount(TCS) == 1, "alice's instruments are not subscribed on the live hub"
        for _ in range(100):  # bounded wait for a few pushes on each hub
            if len(alice.seen) >= 4 and len(bob.seen) >= 4:
                break
            await asyncio.sleep(0.1)
        assert {q.timestamp.astimezone(IST).date() for q in alice.seen} == {day}
        today = {q.timestamp.astimezone(IST).date() for q in bob.seen}
        assert day not in today and today, "bob sees the live market only"
        assert reg.snapshot(alice).get(RELIANCE) is replay.latest(RELIANCE)
        assert reg.snapshot(bob).get(RELIANCE) is hub.latest(RELIANCE)
        # charts read history from the hub the tab watches: the replay's bars end at its clock
        assert reg.provider(alice) is replay.provider and reg.provider(bob) is hub.provider
        bars = await reg.provider(alice).history(RELIANCE, "1m", "1d")
        assert bars and bars[-1].t.astimezone(IST).date() == day

        # alice stops her replay: same instruments, now live, rows replaced in the same event
        assert await reg.watch(alice, None)
        assert replay._listeners.count == listeners_before, "replay hub no longer listened to"
        assert replay.refcount(TCS) == 0 and hub.refcount(TCS) == 2
        assert alice.seen[-1].timestamp.astimezone(IST).date() != day
        alice.seen.clear()
        for _ in range(100):
            if len(alice.seen) >= 2:
                break
            await asyncio.sleep(0.1)
        assert alice.seen and all(q.timestamp.astimezone(IST).date() != day for q in alice.seen)
        assert isinstance(day, date)
    finally:
        reg.detach()
        await replay.stop()
    assert hub.subscriber_count == 0 and replay.subscriber_count == 0
