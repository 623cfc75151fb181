"""Replay sessions in the database: each user sees and changes only their own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, func, select

from stockapp.db.crud import NO_SUCH_REPLAY, owned
from stockapp.db.errors import Conflict
from stockapp.db.replay_models import ReplaySession
from stockapp.market.replay import ReplayClock
from stockapp.records import carry

MAX_PER_USER = 3


@dataclass(frozen=True, slots=True)
class ReplayData:
    id: str
    user_id: int
    day: date
    clock: ReplayClock


def _data(row: ReplaySession) -> ReplayData:
    return ReplayData(row.id, row.user_id, row.day, carry(ReplayClock, row))


def _write(row: ReplaySession, clock: ReplayClock) -> None:
    row.speed = clock.speed
    row.anchor_wall_ms = clock.anchor_wall_ms
    row.anchor_at_ms = clock.anchor_at_ms
    row.paused = clock.paused


def _own(s: Session, user_id: int, rid: str, *, lock: bool = False) -> ReplaySession:
    return owned(s, ReplaySession, user_id, rid, message=NO_SUCH_REPLAY, lock=lock)


def create(s: Session, user_id: int, day: date, clock: ReplayClock, opening: Decimal) -> ReplayData:
    """A new replay with its own paper account holding `opening` in virtual cash."""
    count = s.exec(
        select(func.count()).select_from(ReplaySession).where(ReplaySession.user_id == user_id)
    ).one()
    if count >= MAX_PER_USER:
        raise Conflict(f"at most {MAX_PER_USER} replays at a time: stop one first")
    row = carry(
        ReplaySession,
        clock,
        id=uuid.uuid4().hex,
        user_id=user_id,
        day=day,
        opening_balance=opening,
        cash=opening,
    )
    s.add(row)
    s.flush()
    return _data(row)


def get(s: Session, user_id: int, rid: str) -> ReplayData:
    return _data(_own(s, user_id, rid))


def list_for(s: Session, user_id: int) -> list[ReplayData]:
    rows = s.exec(
        select(ReplaySession)
        .where(ReplaySession.user_id == user_id)
        .order_by(ReplaySession.created_at)
    )
    return [_data(r) for r in rows]


def change_clock(
    s: Session, user_id: int, rid: str, change: Callable[[ReplayClock], ReplayClock]
) -> ReplayData:
    """Apply `change` to the stored clock under a row lock (two tabs cannot interleave)."""
    row = _own(s, user_id, rid, lock=True)
    _write(row, change(_data(row).clock))
    s.add(row)
    s.flush()
    return _data(row)


def delete(s: Session, user_id: int, rid: str) -> None:
    s.delete(_own(s, user_id, rid))


def by_ids(s: Session, ids: Iterable[str]) -> dict[str, ReplayData]:
    """The stored replays among `ids` (any user's: for the workers serving them)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = s.exec(select(ReplaySession).where(ReplaySession.id.in_(wanted)))
    return {r.id: _data(r) for r in rows}
