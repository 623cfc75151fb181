"""Registration, the OAuth2 password-flow token endpoint, log-out and password change.

Log-out and password change revoke every token the user holds (`auth.revocation`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from stockapp.api.deps import CurrentUser, SessionDep
from stockapp.auth.accounts import (
    AccountError,
    authenticate,
    register_user,
    validate_credentials,
)
from stockapp.auth.passwords import hash_password, verify_password
from stockapp.auth.revocation import forget_cached_version, revoke_tokens
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
    access, lifetime = create_access_token(user.id, version=user.token_version)
    return TokenOut(access_token=access, expires_in=lifetime)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: {"description": "Not authenticated"}},
)
def logout(user: CurrentUser, session: SessionDep) -> None:
    """Revoke every token of this user (all devices): they answer 401 from now on."""
    revoke_tokens(session, user.id)
    session.commit()
    forget_cached_version(user.id)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=256)


@router.post(
    "/password",
    response_model=TokenOut,
    responses={
        401: {"description": "Not authenticated, or the current password is wrong"},
        422: {"description": "The new password is not acceptable"},
    },
)
def change_password(body: PasswordChangeIn, user: CurrentUser, session: SessionDep) -> TokenOut:
    """Change the password; every earlier token is revoked and a fresh one returned."""
    if not verify_password(body.current_password, user.password_hash):
        raise HTTPException(401, detail="Current password is incorrect")
    try:
        validate_credentials(user.username, body.new_password)
    except AccountError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from exc
    user.password_hash = hash_password(body.new_password)
    session.add(user)
    version = revoke_tokens(session, user.id)
    session.commit()
    forget_cached_version(user.id)
    access, lifetime = create_access_token(user.id, version=version)
    return TokenOut(access_token=access, expires_in=lifetime)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(id=user.id, username=user.username)
