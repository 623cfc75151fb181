"""Argon2id password hashing via pwdlib."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except Exception:
        return False


@cache
def dummy_hash() -> str:
    """Verified against when the user does not exist, so timing does not reveal that."""
    return hash_password("not-a-real-password-0")
