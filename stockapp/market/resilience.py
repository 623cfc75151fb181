"""Building blocks that keep an upstream feed from hurting the app when it misbehaves.

* `CircuitBreaker`: stop calling an upstream that keeps failing, so a dead feed costs one
  fast `CircuitOpenError` per tick instead of a pile of timeouts.
* `EqualJitterBackoff`: retry waits that double per attempt with jitter but keep a floor.
* `parse_retry_after`: read a 429's Retry-After (seconds or HTTP date), capped.
* `make_rate_limiter`: an `aiolimiter.AsyncLimiter` for "N requests per second", also for N < 1.

The breaker is a small local class rather than a library (e.g. `purgatory`): it needs an
injectable clock for tests, a single-probe half-open state, and an explicit "this call
does not count" outcome (a 404 proves the upstream is alive); that is ~60 lines here, and
no extra dependency.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from aiolimiter import AsyncLimiter

from stockapp.market.models import utcnow
from stockapp.market.providers.base import ProviderError

BreakerState = Literal["closed", "open", "half_open"]


class CircuitOpenError(ProviderError):
    """Raised without contacting the upstream while the circuit is open."""


class CircuitBreaker:
    """Counts consecutive failed calls; opens at `threshold`, half-opens after `reset_seconds`.

    A "call" is one logical upstream operation including its retries. While open, `acquire`
    raises `CircuitOpenError`. Once `reset_seconds` have passed, exactly one caller is let
    through as a probe (`acquire` returns True); its success closes the circuit, its failure
    re-opens it for another `reset_seconds`. Other callers keep failing fast meanwhile.
    """

    def __init__(
        self,
        threshold: int = 5,
        reset_seconds: float = 30.0,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self._now = now
        self._failures = 0
        self._opened_at: datetime | None = None
        self._probe_in_flight = False

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probe_in_flight or self._reset_elapsed():
            return "half_open"
        return "open"

    def _reset_elapsed(self) -> bool:
        assert self._opened_at is not None
        return (self._now() - self._opened_at).total_seconds() >= self.reset_seconds

    def acquire(self) -> bool:
        """Permission to call upstream; True means this call is the half-open probe."""
        if self._opened_at is None:
            return False
        if not self._probe_in_flight and self._reset_elapsed():
            self._probe_in_flight = True
            return True
        raise CircuitOpenError(
            f"circuit open after {self._failures} consecutive failures; "
            f"retrying upstream {self.reset_seconds:g}s after opening"
        )

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._opened_at is not None or self._failures >= self.threshold:
            self._opened_at = self._now()

    def abandon_probe(self) -> None:
        """A probe was cancelled before it learned anything: let the next caller probe."""
        self._probe_in_flight = False


class EqualJitterBackoff:
    """Wait `step/2 + uniform(0, step/2)` where `step = min(cap, base * 2**(attempt-1))`.

    Full jitter can draw near-zero waits that hit a struggling upstream again at once; equal
    jitter still spreads clients apart but keeps half the exponential step as a floor, so
    successive waits never shrink.
    """

    def __init__(self, base: float = 0.5, cap: float = 8.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def __call__(self, attempt: int) -> float:
        step = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return step / 2 + self._rng.uniform(0, step / 2)


def parse_retry_after(value: str | None, *, now: datetime, cap: float) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP date), within [0, cap]."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), cap)


def make_rate_limiter(rate_per_sec: float) -> AsyncLimiter:
    """A limiter for `rate_per_sec` requests; below 1/s it allows one request per period."""
    if rate_per_sec <= 0:
        raise ValueError("rate_per_sec must be positive")
    if rate_per_sec >= 1:
        return AsyncLimiter(rate_per_sec, time_period=1.0)
    return AsyncLimiter(1, time_period=1.0 / rate_per_sec)
