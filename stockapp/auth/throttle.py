"""Per-client-IP throttling of log-in and registration attempts.

The per-username lockout (see `accounts`) stops guessing one account's password; it does
nothing against one client trying one common password on many accounts (password
spraying) or registering accounts in bulk. These limits count every attempt per client IP
in a moving window (the `limits` library), before any password is hashed, so a throttled
client costs the server almost nothing. With STOCKAPP_REDIS_URL set the counters live in
Redis and hold across workers; otherwise each process counts on its own.

Limits are strings such as "20/minute;200/hour" (STOCKAPP_LOGIN_IP_LIMIT,
STOCKAPP_REGISTER_IP_LIMIT). The client IP is what the server sees (behind a reverse
proxy, run the server so that it trusts the proxy's forwarded-for header, and only it).
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from functools import cache

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from stockapp.settings import Settings, get_settings

log = logging.getLogger("stockapp.auth.throttle")


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


class IpThrottle:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.limits: dict[str, list[RateLimitItem]] = {
            "login": parse_many(settings.login_ip_limit),
            "register": parse_many(settings.register_ip_limit),
        }
        if storage is None:
            if settings.redis_url:
                prefix = (os.environ.get("STOCKAPP_REDIS_PREFIX") or "stockapp") + ":throttle"
                storage = storage_from_string(settings.redis_url, key_prefix=prefix)
            else:
                storage = storage_from_string("memory://")
        self.limiter = MovingWindowRateLimiter(storage)

    def hit(self, action: str, client_ip: str | None) -> Verdict:
        """Count one attempt of `action` from `client_ip`; refused once over any limit.

        A storage failure (Redis down) lets the attempt through: the per-username lockout
        in the database still applies, and log-in must not depend on Redis."""
        ip = client_ip or "unknown"
        try:
            for item in self.limits[action]:
                if not self.limiter.hit(item, action, ip):
                    reset = self.limiter.get_window_stats(item, action, ip).reset_time
                    return Verdict(False, max(1, math.ceil(reset - time.time())))
        except Exception:
            log.warning("%s throttle storage unavailable; attempt allowed", action, exc_info=True)
        return Verdict(True)


@cache
def ip_throttle() -> IpThrottle:
    return IpThrottle(get_settings())
