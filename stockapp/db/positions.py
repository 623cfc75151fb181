"""A user's FIFO positions, cached between changes to their trades.

Replaying a big book (tens of thousands of trades) costs seconds of CPU, and every
portfolio view, holdings export and page load needs the same result until a trade
changes. Each user row carries `book_version`, bumped in the same transaction as any
change to their trades (`db.trades._lock_user`); a cached entry is used only while the
version it was built from is still current, which one primary-key read confirms. So the
cache is right across worker processes without any messaging: a change made by another
worker is seen on the next read.

The cache is bounded by the total number of trades it holds (`CACHE_MAX_TRADES`), least
recently used first out. Call these functions from a worker thread, never the event loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlmodel import Session, select

from stockapp.db.models import User
from stockapp.db.trades import list_trades
from stockapp.market.models import Key
from stockapp.portfolio import Position, holdings_from_trades

CACHE_MAX_TRADES = 200_000

_lock = threading.Lock()
_entries: OrderedDict[int, tuple[int, dict[Key, Position], int]] = OrderedDict()
_held_trades = 0


def book_version(session: Session, user_id: int) -> int:
    version = session.exec(select(User.book_version).where(User.id == user_id)).first()
    return version or 0


def cached_positions(session: Session, user_id: int) -> dict[Key, Position]:
    """The user's positions (FIFO over every trade), rebuilt only after a trade change.
    The result is shared: treat it as read-only (Positions are frozen)."""
    version = book_version(session, user_id)
    with _lock:
        entry = _entries.get(user_id)
        if entry is not None and entry[0] == version:
            _entries.move_to_end(user_id)
            return entry[1]
    trades = list_trades(session, user_id)
    positions = holdings_from_trades(trades)
    _store(user_id, version, positions, len(trades))
    return positions


def _store(user_id: int, version: int, positions: dict[Key, Position], size: int) -> None:
    global _held_trades
    with _lock:
        old = _entries.pop(user_id, None)
        if old is not None:
            _held_trades -= old[2]
        if size > CACHE_MAX_TRADES:
            return
        _entries[user_id] = (version, positions, size)
        _held_trades += size
        while _held_trades > CACHE_MAX_TRADES and _entries:
            _, (_, _, dropped) = _entries.popitem(last=False)
            _held_trades -= dropped


def forget(user_id: int | None = None) -> None:
    """Drop one user's entry, or everything (tests)."""
    global _held_trades
    with _lock:
        if user_id is None:
            _entries.clear()
            _held_trades = 0
        elif (old := _entries.pop(user_id, None)) is not None:
            _held_trades -= old[2]
