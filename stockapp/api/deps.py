"""FastAPI dependencies as `Annotated` aliases: DB session, current user, hub, universe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Path, Query, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from stockapp.auth.tokens import InvalidToken, decode_access_token
from stockapp.db.errors import Conflict, NotFound
from stockapp.db.models import User
from stockapp.db.session import get_engine, session_scope
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, MARKETS, Instrument
from stockapp.runtime import runtime

T = TypeVar("T")
MAX_OBJECT_ID = 2**31 - 1  # ids are 32-bit integer keys
ObjectId = Annotated[
    int, Path(ge=1, le=MAX_OBJECT_ID, description=f"an object id, 1 to {MAX_OBJECT_ID}")
]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def db_call(fn: Callable[[Session], T]) -> T:
    """Run `fn(session)` in the threadpool inside one transaction, mapping the persistence
    errors to HTTP: NotFound (also another user's object) 404, Conflict 409, ValueError 422."""

    def run() -> T:
        with session_scope() as session:
            return fn(session)

    try:
        return await run_in_threadpool(run)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_current_user(session: SessionDep, token: TokenDep) -> User:
    if not token:
        raise _unauthorized("Not authenticated")
    try:
        user_id = decode_access_token(token)
    except InvalidToken as exc:
        raise _unauthorized("Invalid or expired token") from exc
    user = session.get(User, user_id)
    if user is None:
        raise _unauthorized("Invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_hub() -> PriceHub:
    if runtime.hub is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Price hub not running")
    return runtime.hub


def get_universe() -> Universe:
    return runtime.universe


HubDep = Annotated[PriceHub, Depends(get_hub)]
UniverseDep = Annotated[Universe, Depends(get_universe)]


def market_param(
    market: Annotated[str, Query(description="india_nse (default) or india_bse")] = DEFAULT_MARKET,
) -> str:
    market = market or DEFAULT_MARKET
    if market not in MARKETS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"Unknown market {market!r}; use one of {', '.join(MARKETS)}",
        )
    return market


MarketDep = Annotated[str, Depends(market_param)]


def lookup_instrument(universe: Universe, symbol: str, market: str) -> Instrument:
    inst = universe.get(symbol, market)
    if inst is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"Unknown symbol {symbol!r} on {market}"
        )
    return inst
