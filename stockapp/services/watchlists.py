"""The logged-in user's watchlists for the Watchlist page: thin async wrappers over
stockapp.db.watchlists; every call that names a list checks the user owns it."""

from __future__ import annotations

from stockapp.db import watchlists as wl
from stockapp.db.session import run_db

WatchlistData = wl.WatchlistData
# errors the page shows as they are
EDIT_ERRORS = (wl.NotFound, wl.Conflict, ValueError)


async def lists(uid: int) -> list[WatchlistData]:
    return await run_db(wl.list_watchlists, uid)


async def create(uid: int, name: str) -> WatchlistData:
    return await run_db(wl.create_watchlist, uid, name)


async def rename(uid: int, watchlist_id: int, name: str) -> None:
    await run_db(wl.rename_watchlist, uid, watchlist_id, name)


async def delete(uid: int, watchlist_id: int) -> None:
    await run_db(wl.delete_watchlist, uid, watchlist_id)


async def add_item(uid: int, watchlist_id: int, symbol: str, market: str) -> None:
    await run_db(wl.add_item, uid, watchlist_id, symbol, market)


async def remove_item(uid: int, watchlist_id: int, symbol: str, market: str) -> None:
    await run_db(wl.remove_item, uid, watchlist_id, symbol, market)
