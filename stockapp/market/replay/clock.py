"""The replay clock: which moment of a past session a replay shows at a given wall time.

A replay is pure data: the session it replays, its speed, and one anchor (a wall time and the
session time shown then). Every worker that knows those numbers computes the same session
time, so a replay needs no process of its own and survives restarts and worker changes.
Pausing, resuming, seeking and changing speed each return a new clock re-anchored at the
wall time of the change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SPEEDS = (1, 5, 10, 30, 60)


class ReplayError(ValueError):
    """A replay request that cannot be honoured (bad speed, time outside the session...)."""


@dataclass(frozen=True, slots=True)
class ReplayClock:
    """Session time (epoch ms) as a function of wall time (epoch ms).

    `start_ms`/`end_ms` bound the replayed session; the clock stops at `end_ms` (finished).
    """

    start_ms: int
    end_ms: int
    speed: int
    anchor_wall_ms: int
    anchor_at_ms: int
    paused: bool = False

    def __post_init__(self) -> None:
        if self.speed not in SPEEDS:
            raise ReplayError(f"speed must be one of {', '.join(map(str, SPEEDS))}")
        if not self.start_ms <= self.anchor_at_ms <= self.end_ms:
            raise ReplayError("the replay time is outside the session")

    @classmethod
    def begin(cls, start_ms: int, end_ms: int, speed: int, wall_ms: int, at_ms: int | None = None):
        """A running clock showing `at_ms` (default: the session's start) at `wall_ms`."""
        if end_ms <= start_ms:
            raise ReplayError("the session is empty")
        return cls(start_ms, end_ms, speed, wall_ms, start_ms if at_ms is None else at_ms)

    def at(self, wall_ms: int) -> int:
        """The session time shown at `wall_ms` (never before the anchor, never past the end)."""
        if self.paused:
            return self.anchor_at_ms
        moved = max(0, wall_ms - self.anchor_wall_ms) * self.speed
        return min(self.end_ms, self.anchor_at_ms + moved)

    def finished(self, wall_ms: int) -> bool:
        return self.at(wall_ms) >= self.end_ms

    def pause(self, wall_ms: int) -> ReplayClock:
        if self.paused:
            return self
        return replace(self, anchor_wall_ms=wall_ms, anchor_at_ms=self.at(wall_ms), paused=True)

    def resume(self, wall_ms: int) -> ReplayClock:
        if not self.paused:
            return self
        return replace(self, anchor_wall_ms=wall_ms, paused=False)

    def seek(self, wall_ms: int, at_ms: int) -> ReplayClock:
        if not self.start_ms <= at_ms <= self.end_ms:
            raise ReplayError("that time is outside the replayed session")
        return replace(self, anchor_wall_ms=wall_ms, anchor_at_ms=at_ms)

    def with_speed(self, wall_ms: int, speed: int) -> ReplayClock:
        return replace(self, anchor_wall_ms=wall_ms, anchor_at_ms=self.at(wall_ms), speed=speed)
