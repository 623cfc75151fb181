"""Concurrent `/ws` connections per user and per client IP, counted per worker process.

One user (or one address) opening thousands of sockets would hold memory and a share of
every tick's fan-out; past the caps a new socket is accepted only to be closed at once
with 1008 and a reason saying which cap it hit. The counts live in each worker process,
so with N workers the effective caps are up to N times the settings. The IP is the
peer address the ASGI server reports (behind a reverse proxy, the proxy's address unless
the server is told to trust forwarded headers).
"""

from __future__ import annotations

from collections import Counter

from stockapp.settings import Settings


class ConnectionCaps:
    def __init__(self) -> None:
        self.by_user: Counter[int] = Counter()
        self.by_ip: Counter[str] = Counter()

    def acquire(self, user_id: int, ip: str, settings: Settings) -> str | None:
        """Count a new socket in; the refusal reason instead when a cap is reached."""
        per_user, per_ip = settings.ws_max_connections_per_user, settings.ws_max_connections_per_ip
        if self.by_user[user_id] >= per_user:
            return f"too many connections for this user (max {per_user})"
        if self.by_ip[ip] >= per_ip:
            return f"too many connections from this address (max {per_ip})"
        self.by_user[user_id] += 1
        self.by_ip[ip] += 1
        return None

    def release(self, user_id: int, ip: str) -> None:
        for counter, key in ((self.by_user, user_id), (self.by_ip, ip)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


ws_caps = ConnectionCaps()
