"""Row helpers every per-user store shares: ownership checks and unique inserts.

Another user's object answers `NotFound`, exactly as a missing one does, so ids cannot be
probed; a unique-constraint clash becomes the store's own `Conflict` (409) instead of a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db.errors import NotFound

Row = TypeVar("Row")
NO_SUCH_REPLAY = "no such replay"


def owned(
    session: Session,
    model: type[Row],
    user_id: int,
    object_id: Any,
    *,
    what: str | None = None,
    message: str | None = None,
    lock: bool = False,
    missing: type[NotFound] = NotFound,
) -> Row:
    """The row `object_id` of `model` if it belongs to `user_id`; otherwise `missing` (a
    NotFound) saying "<what> <id> not found" (or `message`). `lock` takes a row lock
    (SELECT ... FOR UPDATE) for the caller's transaction."""
    if lock:
        pk = model.id  # type: ignore[attr-defined]
        row = session.exec(select(model).where(pk == object_id).with_for_update()).first()
    else:
        row = session.get(model, object_id)
    if row is None or row.user_id != user_id:  # type: ignore[attr-defined]
        raise missing(message or f"{what or model.__name__} {object_id} not found")
    return row


def flush_unique(session: Session, row: object, clash: Callable[[], Exception]) -> None:
    """Add and flush `row`; a unique-constraint violation rolls back and raises `clash()`."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise clash() from exc
