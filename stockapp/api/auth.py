"""Registration and the OAuth2 password-flow token endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from stockapp.api.deps import CurrentUser, SessionDep
from stockapp.auth.accounts import AccountError, authenticate, register_user
from stockapp.auth.throttle import ip_throttle
from stockapp.auth.tokens import create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])


class RegisterIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=256)


class UserPublic(BaseModel):
    id: int
    username: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


THROTTLED = {429: {"description": "Too many attempts from this client; see Retry-After"}}


def _throttle(action: str, request: Request) -> None:
    verdict = ip_throttle().hit(action, request.client.host if request.client else None)
    if not verdict.allowed:
        raise HTTPException(
            429,
            detail=f"Too many {action} attempts from this address; "
            f"try again in {verdict.retry_after} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses={409: {"description": "Username taken"}, **THROTTLED},
)
def register(body: RegisterIn, session: SessionDep, request: Request) -> UserPublic:
    _throttle("register", request)
    try:
        user = register_user(session, body.username, body.password)
        session.commit()
    except AccountError as exc:
        session.rollback()
        raise HTTPException(exc.status, detail=str(exc)) from exc
    except IntegrityError as exc:  # two registrations racing for one name
        session.rollback()
        raise HTTPException(409, detail="Username is already taken") from exc
    return UserPublic(id=user.id, username=user.username)


@router.post(
    "/token",
    response_model=TokenOut,
    responses={
        401: {"description": "Bad credentials"},
        429: {"description": "Locked out, or too many attempts from this client"},
    },
)
def token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
) -> TokenOut:
    _throttle("login", request)
    try:
        user = authenticate(session, username, password)
        session.commit()
    except AccountError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        raise HTTPException(exc.status, detail=str(exc), headers=headers) from exc
    access, lifetime = create_access_token(user.id)
    return TokenOut(access_token=access, expires_in=lifetime)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(id=user.id, username=user.username)
