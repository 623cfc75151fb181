"""The Origin allow-list shared by /ws and Reflex's own event socket.

A browser always sends Origin; a request without one (scripts, bots) is judged by its
token alone. Same-origin requests (Origin matching the Host the request was sent to) are
always allowed.
"""

from __future__ import annotations

from collections.abc import Mapping

from stockapp.settings import Settings


def origin_allowed(headers: Mapping[str, str], settings: Settings) -> bool:
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in settings.allowed_origins:
        return True
    host = headers.get("host")
    if host:
        scheme_host = origin.split("://", 1)[-1]
        if scheme_host == host:
            return True
    return False
