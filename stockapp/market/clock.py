"""The app's "now": real time, or a simulated clock started at a chosen instant.

Everything that asks "what time is it on the exchange?" (market status, listed expiries,
option time value, the simulator's ticks) reads `app_now()`, so one setting moves the whole
app to another date: `STOCKAPP_SIM_START=2027-01-20T10:00:00+05:30` starts the simulated
market at that instant and lets it run at real speed from there. Tests and demos use it to
see how the app behaves on dates that have not happened yet (a new year's holiday list,
an expiry week) without touching the machine's clock.

The offset is taken when the process configures the clock (at start-up), so several workers
started together agree to within their start-up spread.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def _real_now() -> datetime:
    return datetime.now(UTC)


def set_sim_start(start: datetime | None) -> None:
    """Make `app_now()` read `start` now and run on from it; None restores real time."""
    global _offset
    if start is None:
        _offset = timedelta(0)
        return
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    _offset = start - _real_now()


def is_shifted() -> bool:
    """True when the app's clock is not the machine's (a simulated start is set)."""
    return _offset != timedelta(0)


def app_now() -> datetime:
    """The current time as the app sees it (aware, UTC)."""
    return _real_now() + _offset
