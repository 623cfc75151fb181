"""Argon2id password hashing via pwdlib, and the policy a new password must meet.

The common-password list is zxcvbn's (MIT licence): the 30,000 passwords seen most often
in public breach corpora; a password on it falls to the first guesses of any attacker, so
the per-IP and per-username throttles would be the only defence.
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class WeakPassword(ValueError):
    """Why a new password is refused; the message is shown to the user."""


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """On the common list, ignoring case and surrounding spaces."""
    return password.strip().casefold() in _common_passwords()


def check_new_password(password: str) -> None:
    """WeakPassword unless `password` may be used for a new account (or a new password)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"Password must be at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise WeakPassword("Password must not be only spaces")
    if is_common_password(password):
        raise WeakPassword("This password is too common; choose one that is harder to guess")


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
