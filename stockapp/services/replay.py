"""The logged-in user's market replay, for the app shell and every page that shows prices.

A user's *active* replay is their newest one (a user may hold a few through the API; the
shell shows and drives the newest). While it exists, the user's pages watch its hub instead
of the live market's; everyone else keeps watching the live market. Every change acts on
the active replay of the user id given, looked up again each time: a page never names a
replay by an id the browser could alter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

from stockapp.db.errors import Conflict, NotFound
from stockapp.db.session import run_db
from stockapp.market.calendar import IST, trading_days
from stockapp.market.clock import app_now
from stockapp.market.hub import PriceHub
from stockapp.market.replay import SPEEDS, ReplayClock, ReplayError
from stockapp.market.sim.session import from_ms
from stockapp.replay import store
from stockapp.replay.control import ReplayShown, new_clock, seek_to, shown_at
from stockapp.replay.manager import replays, wall_ms
from stockapp.replay.store import ReplayData
from stockapp.services import market

__all__ = ["SPEEDS", "ReplayData", "ReplayError", "ReplayFailed", "ReplayShown"]

# what a refused start or change raises: a message to show as it is
ReplayFailed = (ReplayError, Conflict, NotFound)
CHOICE_DAYS = 20  # how many recent sessions the shell offers
_days_cache: dict[date, list[date]] = {}


async def active(user_id: int | None) -> ReplayData | None:
    """The user's newest replay, or None (also for nobody logged in)."""
    if user_id is None:
        return None
    mine = await run_db(store.list_for, user_id)
    return mine[-1] if mine else None


async def active_replay_id(user_id: int | None) -> str | None:
    """The id of the replay the user's pages show (paper orders placed from a page go into
    its book), or None when they watch the live market."""
    data = await active(user_id)
    return data.id if data is not None else None


async def hub_of(data: ReplayData | None) -> PriceHub | None:
    """The hub pages watch for replay `data`: its own, or the live market's for None."""
    return market.hub() if data is None else await replays.hub(data)


async def hub_for(user_id: int | None) -> PriceHub | None:
    """The hub the user's pages watch: their active replay's, else the live market's."""
    return await hub_of(await active(user_id))


def current(data: ReplayData) -> ReplayData:
    """The newest clock this worker has for replay `data` (another tab may have changed it)."""
    return replays.current(data.id) or data


def shown(data: ReplayData) -> ReplayShown:
    """What the replay shows now, by the newest clock this worker has for it."""
    return shown_at(current(data), wall_ms())


def session_hours(data: ReplayData) -> tuple[str, str]:
    """The replayed session's first and last minute, HH:MM IST (the range a seek takes); a
    session running to midnight (the simulator's, outside exchange hours) ends at 23:59."""
    start, end = (from_ms(ms).astimezone(IST) for ms in (data.clock.start_ms, data.clock.end_ms))
    return f"{start:%H:%M}", "23:59" if end.date() > data.day else f"{end:%H:%M}"


async def replay_days() -> list[date]:
    """The recent finished sessions the market's data can replay, newest first."""
    today = app_now().astimezone(IST).date()
    cached = _days_cache.get(today)
    if cached is None:
        candidates = trading_days(today - timedelta(days=CHOICE_DAYS * 2), today)
        candidates = [d for d in reversed(candidates) if d < today][:CHOICE_DAYS]
        windows = await asyncio.gather(*(replays.window(d) for d in candidates))
        cached = [d for d, w in zip(candidates, windows, strict=True) if w is not None]
        _days_cache.clear()
        _days_cache[today] = cached
    return cached


async def start(user_id: int, day: date, speed: int) -> ReplayData:
    """A new replay of `day` from the open; ReplayFailed when it cannot be."""
    _, clock = await new_clock(day, speed)
    opening = market.settings().paper_opening_balance
    return await run_db(store.create, user_id, day, clock, opening)


async def _change(
    user_id: int, change: Callable[[ReplayClock, int], ReplayClock]
) -> ReplayData | None:
    data = await active(user_id)
    if data is None:
        return None
    wall = wall_ms()
    data = await run_db(store.change_clock, user_id, data.id, lambda c: change(c, wall))
    replays.update(data)
    return data


async def toggle_pause(user_id: int) -> ReplayData | None:
    return await _change(user_id, lambda c, w: c.resume(w) if c.paused else c.pause(w))


async def set_speed(user_id: int, speed: int) -> ReplayData | None:
    return await _change(user_id, lambda c, w: c.with_speed(w, speed))


async def seek(user_id: int, hhmm: str) -> ReplayData | None:
    return await _change(user_id, seek_to(hhmm))


async def stop(user_id: int) -> None:
    """Delete the user's active replay; their pages go back to the next one or live."""
    data = await active(user_id)
    if data is not None:
        await run_db(store.delete, user_id, data.id)
        await replays.drop(data.id)
