"""Saved screener screens, shared by the REST API and the Screener page.

Criteria are stored as the JSON of `criteria_to_dict` and validated on the way in and out,
so a saved screen always loads with the meaning it was saved with. Every function takes
the owner's id; another user's screen answers NotFound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from stockapp.db.crud import flush_unique, owned
from stockapp.db.errors import Conflict, NotFound
from stockapp.db.models import Screen
from stockapp.db.names import clean_display_name
from stockapp.market.screening import ScreenCriteria, criteria_from_dict, criteria_to_dict

__all__ = ["Conflict", "NotFound"]  # what callers catch

MAX_SCREENS = 50
NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class SavedScreen:
    id: int
    name: str
    criteria: dict[str, Any]
    created_at: datetime

    def to_criteria(self) -> ScreenCriteria:
        return criteria_from_dict(self.criteria)


def _data(row: Screen) -> SavedScreen:
    return SavedScreen(row.id, row.name, json.loads(row.criteria or "{}"), row.created_at)


def _clean_name(name: str) -> str:
    return clean_display_name(name, "Screen name", NAME_MAX)


def _owned(session: Session, user_id: int, screen_id: int) -> Screen:
    return owned(session, Screen, user_id, screen_id, what="Screen")


def list_screens(session: Session, user_id: int) -> list[SavedScreen]:
    rows = session.exec(select(Screen).where(Screen.user_id == user_id).order_by(Screen.id)).all()
    return [_data(r) for r in rows]


def get_screen(session: Session, user_id: int, screen_id: int) -> SavedScreen:
    return _data(_owned(session, user_id, screen_id))


def create_screen(
    session: Session,
    user_id: int,
    name: str,
    criteria: ScreenCriteria,
    *,
    replace: bool = False,
) -> SavedScreen:
    """Save a screen; a name already used is a Conflict unless `replace` overwrites it."""
    name = _clean_name(name)
    text = json.dumps(criteria_to_dict(criteria), sort_keys=True)
    existing = session.exec(
        select(Screen).where(Screen.user_id == user_id, Screen.name == name)
    ).first()
    if existing is not None:
        if not replace:
            raise Conflict(f"A screen named {name!r} already exists")
        existing.criteria = text
        session.add(existing)
        session.flush()
        return _data(existing)
    count = session.exec(
        select(sa.func.count()).select_from(Screen).where(Screen.user_id == user_id)
    ).one()
    if count >= MAX_SCREENS:
        raise Conflict(f"At most {MAX_SCREENS} saved screens per user")
    row = Screen(user_id=user_id, name=name, criteria=text)
    flush_unique(session, row, lambda: Conflict(f"A screen named {name!r} already exists"))
    return _data(row)


def delete_screen(session: Session, user_id: int, screen_id: int) -> None:
    session.delete(_owned(session, user_id, screen_id))
    session.flush()
