"""Registering users and checking credentials, with per-username log-in throttling.

Throttling state lives in the database so it holds across workers: after
`login_max_failures` failures the username is locked for `login_lockout_seconds`. Per-IP
limits on top of this live in `throttle`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from stockapp.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    WeakPassword,
    check_new_password,
    dummy_hash,
    hash_password,
    verify_password,
)
from stockapp.db.models import LoginFailure, User, Watchlist
from stockapp.settings import get_settings

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-@]{3,64}$")


class AccountError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def validate_credentials(username: str, password: str) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError("Username must be 3-64 characters: letters, digits and _ . - @", 422)
    try:
        check_new_password(password)
    except WeakPassword as exc:
        raise AccountError(str(exc), 422) from None
    return username


def username_key(username: str) -> str:
    """What makes two usernames the same account: `Ravi` and `ravi` are one."""
    return username.strip().lower()


def find_user(session: Session, username: str) -> User | None:
    """The account for `username`, compared without regard to case (the unique index on
    lower(username) guarantees at most one)."""
    key = username_key(username)
    return session.exec(select(User).where(sa.func.lower(User.username) == key)).first()


def register_user(session: Session, username: str, password: str) -> User:
    username = validate_credentials(username, password)
    if find_user(session, username) is not None:
        raise AccountError("Username is already taken", 409)
    user = User(username=username, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    session.add(Watchlist(user_id=user.id, name="My Watchlist"))
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The user for good credentials; AccountError 401 (or 429 while locked) otherwise.

    Each attempt is counted (atomically, committed) BEFORE the password is checked, so
    parallel guesses cannot all slip past the threshold: exactly `login_max_failures`
    attempts are checked per lockout window, the rest answer 429 at once. A good password
    clears the count."""
    settings = get_settings()
    username = username_key(username)[:64]  # also the lockout key: one count for any case
    now = datetime.now(UTC)
    _refuse_while_locked(session, username, now)
    attempt = _count_attempt(session, username)
    if attempt > settings.login_max_failures:
        _lock(session, username, now)
        raise _locked_error(settings.login_lockout_seconds)
    user = find_user(session, username)
    ok = verify_password(password, user.password_hash if user else dummy_hash())
    if user is not None and ok and len(password) <= MAX_PASSWORD_LENGTH:
        session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username))
        return user
    if attempt >= settings.login_max_failures:
        _lock(session, username, now)
    raise AccountError("Incorrect username or password", 401)


def _locked_error(wait: float) -> AccountError:
    return AccountError(f"Too many failed log-ins; try again in {int(wait) + 1} s", 429)


def _refuse_while_locked(session: Session, username: str, now: datetime) -> None:
    """429 while locked; an expired lock starts a fresh count."""
    row = session.execute(
        sa.select(LoginFailure.locked_until).where(LoginFailure.username == username)
    ).first()
    locked_until = row[0] if row else None
    if locked_until is None:
        return
    if locked_until > now:
        raise _locked_error((locked_until - now).total_seconds())
    session.execute(
        sa.update(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.locked_until <= now)
        .values(failures=0, locked_until=None)
    )
    session.commit()


def _count_attempt(session: Session, username: str) -> int:
    """One more attempt for `username`, as a single upsert (no read-modify-write race,
    no unique-key clash between parallel first attempts); returns the new count."""
    table = LoginFailure.__table__
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(username=username, failures=1)
        .on_conflict_do_update(
            index_elements=[table.c.username], set_={"failures": table.c.failures + 1}
        )
        .returning(table.c.failures)
    )
    count = int(session.execute(stmt).scalar_one())
    session.commit()
    return count


def _lock(session: Session, username: str, now: datetime) -> None:
    settings = get_settings()
    session.execute(
        sa.update(LoginFailure)
        .where(
            LoginFailure.username == username,
            sa.or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
        )
        .values(locked_until=now + timedelta(seconds=settings.login_lockout_seconds))
    )
    session.commit()
