"""Which tokens still count: the user must exist and the token's version must be the
user's current one. Log-out and password change bump the version (`revoke_tokens`), so
every token issued before stops working on REST, `/ws` and the pages at once.

Reflex handlers check the logged-in user on every event, so their look-ups go through a
small per-process cache (`TOKEN_VERSION_CACHE_SECONDS`). A revocation clears this
process's entry at once; other worker processes notice within that many seconds.
REST and `/ws` read the database on every request and connection.
"""

from __future__ import annotations

import time

from sqlalchemy import update
from sqlmodel import Session

from stockapp.auth.tokens import InvalidToken, TokenClaims, decode_token_claims
from stockapp.db.models import User
from stockapp.db.session import session_scope

TOKEN_VERSION_CACHE_SECONDS = 2.0
_MAX_CACHED = 10_000

# user id -> (token version or None when the user does not exist, when it was read)
_versions: dict[int, tuple[int | None, float]] = {}


def user_for_claims(session: Session, claims: TokenClaims) -> User | None:
    """The token's user when it exists and the token has not been revoked."""
    user = session.get(User, claims.user_id)
    if user is None or user.token_version != claims.version:
        return None
    return user


def verified_user_id(token: str) -> int | None:
    """The user id of a valid, unrevoked token for an existing user (cached briefly)."""
    try:
        claims = decode_token_claims(token)
    except InvalidToken:
        return None
    now = time.monotonic()
    cached = _versions.get(claims.user_id)
    if cached is None or now - cached[1] > TOKEN_VERSION_CACHE_SECONDS:
        with session_scope() as session:
            user = session.get(User, claims.user_id)
            version = None if user is None else user.token_version
        if len(_versions) >= _MAX_CACHED:
            _versions.clear()
        cached = _versions[claims.user_id] = (version, now)
    return claims.user_id if cached[0] == claims.version else None


def check_token(token: str) -> TokenClaims:
    """The claims of a token that is valid, unrevoked and whose user exists (reads the
    database; call it off the event loop). InvalidToken otherwise."""
    claims = decode_token_claims(token)
    with session_scope() as session:
        if user_for_claims(session, claims) is None:
            raise InvalidToken("invalid or expired token")
    return claims


def forget_cached_version(user_id: int) -> None:
    """Drop this process's cached version of a user (after a revocation has committed)."""
    _versions.pop(user_id, None)


def revoke_tokens(session: Session, user_id: int) -> int:
    """Bump the user's token version (atomically, so concurrent log-outs both count) and
    return the new one: every token issued before is refused once the session commits.
    Call `forget_cached_version` after the commit."""
    session.execute(
        update(User)
        .where(User.id == user_id)  # type: ignore[arg-type]
        .values(token_version=User.token_version + 1)
    )
    session.flush()
    user = session.get(User, user_id, populate_existing=True)
    return 0 if user is None else user.token_version
