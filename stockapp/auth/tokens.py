"""JWT access tokens: HS256 only, with `sub`, `exp`, `iat` and `aud` always required."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from jose import jwt
from jose.exceptions import JOSEError

from stockapp.settings import Settings, get_settings

ALGORITHM = "HS256"
AUDIENCE = "stockapp"
MAX_TOKEN_LENGTH = 2048
IAT_SKEW_SECONDS = 30  # a token "issued" later than now + this was not minted by us


class InvalidToken(Exception):
    """Any reason a token is not acceptable; the message is safe to show."""


def create_access_token(user_id: int, settings: Settings | None = None) -> tuple[str, int]:
    settings = settings or get_settings()
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.token_lifetime_minutes)
    claims = {
        "sub": str(user_id),
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, settings.secret(), algorithm=ALGORITHM), int(lifetime.total_seconds())


def _is_timestamp(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def decode_access_token(token: str, settings: Settings | None = None) -> int:
    """The user id in a valid token; InvalidToken otherwise."""
    settings = settings or get_settings()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("invalid token")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("invalid token algorithm")
        claims = jwt.decode(
            token,
            settings.secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_aud": True,
                "require_sub": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_aud": True,
                "leeway": 0,
            },
        )
    except InvalidToken:
        raise
    except JOSEError as exc:
        raise InvalidToken("invalid or expired token") from exc
    except Exception as exc:  # malformed input of any kind
        raise InvalidToken("invalid token") from exc
    for name in ("exp", "iat", "nbf"):
        # the library reads "exp": "9999999999" as a number; only JSON numbers are accepted
        if name in claims and not _is_timestamp(claims[name]):
            raise InvalidToken(f"invalid token: {name} is not a number")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > datetime.now(UTC).timestamp() + IAT_SKEW_SECONDS:
        raise InvalidToken("token issued in the future")
    sub = claims.get("sub")
    try:
        user_id = int(sub)
    except (TypeError, ValueError) as exc:
        raise InvalidToken("invalid token subject") from exc
    if user_id <= 0:
        raise InvalidToken("invalid token subject")
    return user_id
