"""The replay service pages use: a user's active replay (and its hub) is theirs only, every
change acts on the caller's own replay, and stopping it puts their pages back on the live
market. Real database, real runtime and replay hubs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest

from stockapp.market.calendar import IST
from stockapp.runtime import runtime
from stockapp.services import accounts
from stockapp.services import replay as replays

RELIANCE = ("RELIANCE", "india_nse")


@pytest.fixture
async def rt(migrated_db):
    await runtime.start()
    yield runtime
    await runtime.stop()


def _user() -> int:
    return accounts.register(f"rs_{uuid.uuid4().hex[:8]}", "replay-password-1").id


async def _first_quote(hub):
    with hub.subscribe(RELIANCE, label="test") as sub:
        for _ in range(100):  # bounded wait for the hub's first fetch
            got = sub.get_nowait().get(RELIANCE) or hub.latest(RELIANCE)
            if got is not None:
                return got
            await asyncio.sleep(0.1)
    raise AssertionError("no quote from the hub")


async def test_a_users_replay_is_theirs_and_stops_back_to_live(rt):
    alice, bob = _user(), _user()
    days = await replays.replay_days()
    today_in_india = datetime.now(IST).date()
    assert days and all(d < today_in_india for d in days) and days == sorted(days, reverse=True)
    assert await replays.hub_for(None) is rt.hub and await replays.active_replay_id(None) is None

    data = await replays.start(alice, days[0], 60)
    assert await replays.active_replay_id(alice) == data.id
    assert await replays.active_replay_id(bob) is None
    alice_hub, bob_hub = await replays.hub_for(alice), await replays.hub_for(bob)
    assert bob_hub is rt.hub and alice_hub is not rt.hub
    assert (await _first_quote(alice_hub)).timestamp.astimezone(IST).date() == days[0]
    assert alice_hub.snapshot().universe is rt.universe, "market-wide views need the universe"
    assert (await _first_quote(bob_hub)).timestamp.astimezone(IST).date() != days[0]

    first, last = replays.session_hours(data)
    assert first < last, "the seek box's range is a real one (a midnight end is 23:59)"
    paused = await replays.toggle_pause(alice)
    assert paused is not None and paused.clock.paused and replays.shown(paused).status == "paused"
    moved = await replays.seek(alice, "14:00")
    assert moved is not None and f"{replays.shown(moved).local:%H:%M}" == "14:00"
    faster = await replays.set_speed(alice, 5)
    assert (
        faster is not None
        and faster.clock.speed == 5
        and "×5, 14:00 IST" in (replays.shown(faster).label)
    )
    with pytest.raises(replays.ReplayFailed):
        await replays.seek(alice, "25:61")
    with pytest.raises(replays.ReplayFailed):
        await replays.set_speed(alice, 7)
    # bob has no replay: his changes touch nothing, and alice's clock is as she left it
    assert await replays.toggle_pause(bob) is None and await replays.seek(bob, "10:00") is None
    await replays.stop(bob)
    assert await replays.active_replay_id(alice) == data.id

    await replays.stop(alice)
    assert await replays.active_replay_id(alice) is None
    assert await replays.hub_for(alice) is rt.hub
