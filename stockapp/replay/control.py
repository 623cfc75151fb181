"""Starting and reading a replay's clock: the rules the REST API and the app shell share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stockapp.market.calendar import IST
from stockapp.market.clock import app_now
from stockapp.market.replay import ReplayClock, ReplayError
from stockapp.market.sim.session import from_ms, to_ms
from stockapp.replay.manager import replays, wall_ms
from stockapp.replay.store import ReplayData

MARKET_OPEN = "09:15"


@dataclass(frozen=True, slots=True)
class ReplayShown:
    """What a replay shows at one wall time."""

    status: str  # running | paused | finished
    shown: dt.datetime  # the replayed moment (UTC)
    label: str  # "Replay 2026-11-27 ×10, 11:42 IST", with " (paused)" when it is

    @property
    def local(self) -> dt.datetime:
        return self.shown.astimezone(IST)


def shown_at(data: ReplayData, wall: int) -> ReplayShown:
    clock = data.clock
    shown = from_ms(clock.at(wall))
    status = "finished" if clock.finished(wall) else "paused" if clock.paused else "running"
    label = f"Replay {data.day.isoformat()} ×{clock.speed}, {shown.astimezone(IST):%H:%M} IST"
    if status != "running":
        label += f" ({status})"
    return ReplayShown(status, shown, label)


def at_time(day: dt.date, hhmm: str, clock_start: int, clock_end: int) -> int:
    """`hhmm` (HH:MM[:SS] IST) on `day` in epoch ms; ReplayError outside the session."""
    try:
        local = dt.time(*[int(p) for p in hhmm.split(":")])
    except (TypeError, ValueError) as exc:
        raise ReplayError(f"{hhmm} is not a time of day") from exc
    ms = to_ms(dt.datetime.combine(day, local, tzinfo=IST).astimezone(dt.UTC))
    if not clock_start <= ms <= clock_end:
        start = from_ms(clock_start).astimezone(IST)
        end = from_ms(clock_end).astimezone(IST)
        raise ReplayError(f"{hhmm} IST is outside the session ({start:%H:%M}-{end:%H:%M} IST)")
    return ms


def seek_to(hhmm: str):
    """A clock change moving the replay to `hhmm` IST of its session."""

    def seek(clock: ReplayClock, wall: int) -> ReplayClock:
        day = from_ms(clock.start_ms).astimezone(IST).date()
        return clock.seek(wall, at_time(day, hhmm, clock.start_ms, clock.end_ms))

    return seek


async def new_clock(day: dt.date, speed: int, hhmm: str | None = None) -> tuple[int, ReplayClock]:
    """(wall ms, clock) for a replay of `day` starting at `hhmm` (default the open)."""
    today = app_now().astimezone(IST).date()
    if day >= today:
        raise ReplayError("only a finished session can be replayed: pick a day before today")
    window = await replays.window(day)
    if window is None:
        raise ReplayError(
            f"{day.isoformat()} has no session to replay (a holiday, a weekend, or a "
            "day before the market's history)"
        )
    start, end = window
    wall = wall_ms()
    if hhmm:
        at = at_time(day, hhmm, start, end)
    else:  # the exchange's open, or the session's start where the simulator runs all day
        at = min(max(start, at_time(day, MARKET_OPEN, 0, end)), end)
    return wall, ReplayClock.begin(start, end, speed, wall, at)
