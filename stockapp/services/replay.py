"""The logged-in user's market replay, for the app shell and every page that shows prices.

A user's *active* replay is their newest one (a user may hold a few through the API; the
shell shows and drives the newest). While it exists, the user's pages watch its hub instead
of the live market's; everyone else keeps watching the live market.
"""

from __future__ import annotations

from stockapp.db.session import run_db
from stockapp.market.hub import PriceHub
from stockapp.replay import store
from stockapp.replay.manager import replays
from stockapp.replay.store import ReplayData
from stockapp.services import market


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


async def hub_for(user_id: int | None) -> PriceHub | None:
    """The hub the user's pages watch: their active replay's, else the live market's."""
    data = await active(user_id)
    if data is None:
        return market.hub()
    return await replays.hub(data)
