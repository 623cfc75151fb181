"""Errors every persistence module raises, so adapters map them in one place:
NotFound -> 404 (also for another user's object), Conflict -> 409, ValueError -> 422."""

from __future__ import annotations


class NotFound(LookupError):
    pass


class Conflict(Exception):
    pass
