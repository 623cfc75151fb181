"""Watchlist persistence, shared by the REST API and the Watchlist page.

Every function takes the owner's id and answers `NotFound` for another user's objects, so
no caller can reach them by guessing ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db.crud import flush_unique, owned
from stockapp.db.errors import Conflict, NotFound
from stockapp.db.models import Watchlist, WatchlistItem
from stockapp.db.names import clean_display_name

__all__ = ["Conflict", "NotFound"]

MAX_WATCHLISTS = 50
MAX_ITEMS = 200


@dataclass(frozen=True, slots=True)
class WatchlistData:
    id: int
    name: str
    items: list[tuple[str, str]]  # (symbol, market) in display order


def _owned(session: Session, user_id: int, watchlist_id: int) -> Watchlist:
    return owned(session, Watchlist, user_id, watchlist_id, what="Watchlist")


def _items(session: Session, watchlist_id: int) -> list[tuple[str, str]]:
    rows = session.exec(
        select(WatchlistItem)
        .where(WatchlistItem.watchlist_id == watchlist_id)
        .order_by(WatchlistItem.position, WatchlistItem.id)
    ).all()
    return [(r.symbol, r.market) for r in rows]


def list_watchlists(session: Session, user_id: int) -> list[WatchlistData]:
    lists = session.exec(
        select(Watchlist).where(Watchlist.user_id == user_id).order_by(Watchlist.id)
    ).all()
    if not lists:
        return []
    ids = [wl.id for wl in lists]
    rows = session.exec(
        select(WatchlistItem)
        .where(WatchlistItem.watchlist_id.in_(ids))
        .order_by(WatchlistItem.position, WatchlistItem.id)
    ).all()
    by_list: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for r in rows:
        by_list[r.watchlist_id].append((r.symbol, r.market))
    return [WatchlistData(wl.id, wl.name, by_list[wl.id]) for wl in lists]


def get_watchlist(session: Session, user_id: int, watchlist_id: int) -> WatchlistData:
    wl = _owned(session, user_id, watchlist_id)
    return WatchlistData(wl.id, wl.name, _items(session, wl.id))


def _clean_name(name: str) -> str:
    return clean_display_name(name, "Watchlist name", 64)


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A watchlist named {name!r} already exists")


def create_watchlist(session: Session, user_id: int, name: str) -> WatchlistData:
    name = _clean_name(name)
    count = session.exec(
        select(sa.func.count()).select_from(Watchlist).where(Watchlist.user_id == user_id)
    ).one()
    if count >= MAX_WATCHLISTS:
        raise Conflict(f"At most {MAX_WATCHLISTS} watchlists per user")
    wl = Watchlist(user_id=user_id, name=name)
    flush_unique(session, wl, lambda: _name_taken(name))
    return WatchlistData(wl.id, wl.name, [])


def rename_watchlist(session: Session, user_id: int, watchlist_id: int, name: str) -> WatchlistData:
    wl = _owned(session, user_id, watchlist_id)
    wl.name = _clean_name(name)
    flush_unique(session, wl, lambda: _name_taken(wl.name))
    return WatchlistData(wl.id, wl.name, _items(session, wl.id))


def delete_watchlist(session: Session, user_id: int, watchlist_id: int) -> None:
    wl = _owned(session, user_id, watchlist_id)
    session.exec(sa.delete(WatchlistItem).where(WatchlistItem.watchlist_id == wl.id))
    session.delete(wl)
    session.flush()


def add_item(
    session: Session, user_id: int, watchlist_id: int, symbol: str, market: str
) -> WatchlistData:
    """Idempotent: adding a symbol already on the list changes nothing."""
    wl = _owned(session, user_id, watchlist_id)
    items = _items(session, wl.id)
    if (symbol, market) not in items:
        if len(items) >= MAX_ITEMS:
            raise Conflict(f"At most {MAX_ITEMS} symbols per watchlist")
        session.add(
            WatchlistItem(watchlist_id=wl.id, symbol=symbol, market=market, position=len(items))
        )
        try:
            session.flush()
        except IntegrityError:  # the same symbol added concurrently: already there
            session.rollback()
    return WatchlistData(wl.id, wl.name, _items(session, wl.id))


def remove_item(
    session: Session, user_id: int, watchlist_id: int, symbol: str, market: str | None = None
) -> WatchlistData:
    wl = _owned(session, user_id, watchlist_id)
    stmt = sa.delete(WatchlistItem).where(
        WatchlistItem.watchlist_id == wl.id, WatchlistItem.symbol == symbol
    )
    if market:
        stmt = stmt.where(WatchlistItem.market == market)
    result = session.exec(stmt)
    if not result.rowcount:
        raise NotFound(f"{symbol} is not on watchlist {watchlist_id}")
    session.flush()
    return WatchlistData(wl.id, wl.name, _items(session, wl.id))
