"""The logged-in user's saved screens for the Screener page: thin async wrappers over
stockapp.db.screens; every call that names a screen checks the user owns it."""

from __future__ import annotations

from stockapp.db import screens as saved
from stockapp.db.session import run_db
from stockapp.market.screening import ScreenCriteria

SavedScreen = saved.SavedScreen
NotFound = saved.NotFound
SAVE_ERRORS = (saved.Conflict, ValueError)  # shown to the user as they are


async def screens(uid: int) -> list[SavedScreen]:
    return await run_db(saved.list_screens, uid)


async def save(uid: int, name: str, criteria: ScreenCriteria) -> SavedScreen:
    """Save under `name`, replacing the user's screen of that name."""
    return await run_db(saved.create_screen, uid, name, criteria, replace=True)


async def get(uid: int, screen_id: int) -> SavedScreen:
    return await run_db(saved.get_screen, uid, screen_id)


async def delete(uid: int, screen_id: int) -> None:
    await run_db(saved.delete_screen, uid, screen_id)
