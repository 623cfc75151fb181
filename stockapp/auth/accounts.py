"""Registering users and checking credentials, with per-username log-in throttling.

Throttling state lives in the database so it holds across workers: after
`login_max_failures` failures the username is locked for `login_lockout_seconds`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from stockapp.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters", 422)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Password must be at most {MAX_PASSWORD_LENGTH} characters", 422)
    return username


def register_user(session: Session, username: str, password: str) -> User:
    username = validate_credentials(username, password)
    existing = session.exec(select(User).where(User.username == username)).first()
    if existing is not None:
        raise AccountError("Username is already taken", 409)
    user = User(username=username, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    session.add(Watchlist(user_id=user.id, name="My Watchlist"))
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The user for good credentials; AccountError 401 (or 429 while locked) otherwise."""
    settings = get_settings()
    username = username.strip()[:64]
    now = datetime.now(UTC)
    failure = session.get(LoginFailure, username)
    if failure and failure.locked_until and failure.locked_until > now:
        wait = int((failure.locked_until - now).total_seconds()) + 1
        raise AccountError(f"Too many failed log-ins; try again in {wait} s", 429)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(password, user.password_hash if user else dummy_hash())
    if user is not None and ok and len(password) <= MAX_PASSWORD_LENGTH:
        if failure is not None:
            session.delete(failure)
        return user
    failure = failure or LoginFailure(username=username, failures=0)
    failure.failures += 1
    if failure.failures >= settings.login_max_failures:
        failure.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        failure.failures = 0
    session.add(failure)
    session.commit()
    raise AccountError("Incorrect username or password", 401)
