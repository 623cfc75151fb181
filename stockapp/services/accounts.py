"""User accounts for the log-in state: look-ups, log-in, registration and log-out, each in a
database session of its own."""

from __future__ import annotations

from sqlmodel import Session

from stockapp.auth.accounts import AccountError, authenticate, register_user
from stockapp.auth.revocation import forget_cached_version, revoke_tokens, user_for_claims
from stockapp.auth.tokens import TokenClaims
from stockapp.db.models import User
from stockapp.db.session import get_engine, session_scope

__all__ = ["AccountError", "User", "log_in", "log_out_everywhere", "register", "user_of"]


def user_of(claims: TokenClaims) -> User | None:
    """The user a decoded token names, unless it was revoked since it was issued."""
    with Session(get_engine()) as session:
        return user_for_claims(session, claims)


def log_in(username: str, password: str) -> User:
    """Raises AccountError with a message fit for the form."""
    with session_scope() as session:
        return authenticate(session, username, password)


def register(username: str, password: str) -> User:
    """Raises AccountError with a message fit for the form."""
    with session_scope() as session:
        return register_user(session, username, password)


def log_out_everywhere(user_id: int) -> None:
    """Revoke every token of the user (all tabs, devices and scripts)."""
    with session_scope() as session:
        revoke_tokens(session, user_id)
    forget_cached_version(user_id)
