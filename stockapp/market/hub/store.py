"""The hub's memory of prices: latest quote per key, when upstream was last asked, unknowns.

Pure bookkeeping with no I/O, so the merge rules (only changes are published, stale marking on
failure, no rolling back to an overtaken response) live in one place.
"""

from __future__ import annotations

import dataclasses

from stockapp.market.models import FetchResult, Key, Quote


class QuoteStore:
    """Latest quotes plus the freshness facts the REST cache and the poller need."""

    def __init__(self, unknown_ttl: float) -> None:
        self.unknown_ttl = unknown_ttl
        self.latest: dict[Key, Quote] = {}
        self._asked_at: dict[Key, float] = {}
        self._unknown_until: dict[Key, float] = {}

    def is_fresh(self, key: Key, now: float, ttl: float) -> bool:
        """Upstream was asked about `key` (successfully or not) less than `ttl` ago."""
        asked = self._asked_at.get(key)
        return asked is not None and now - asked < ttl and key in self.latest

    def is_unknown(self, key: Key, now: float) -> bool:
        """The provider recently said it has no such instrument."""
        until = self._unknown_until.get(key)
        if until is None:
            return False
        if now < until:
            return True
        del self._unknown_until[key]
        return False

    def ingest(self, batch: list[Key], result: FetchResult | None, now: float) -> dict[Key, Quote]:
        """Merge one upstream response (None = failed); returns the quotes that changed.

        A failure keeps the last prices but marks them stale, which is itself a change worth
        publishing so screens can say so. Asking time is recorded on failure too, so a burst of
        REST calls against a broken upstream is answered from memory instead of piling on.
        """
        latest = self.latest
        asked_at = self._asked_at
        changed: dict[Key, Quote] = {}
        if result is None:
            for key in batch:
                asked_at[key] = now
                old = latest.get(key)
                if old is not None and not old.stale:
                    changed[key] = latest[key] = dataclasses.replace(old, stale=True)
            return changed
        for key in result.missing:
            self._unknown_until[key] = now + self.unknown_ttl
        for key, quote in result.quotes.items():
            old = latest.get(key)
            if old is not None and quote.timestamp < old.timestamp:
                continue  # an overtaken response must not roll the price back
            asked_at[key] = now
            self._unknown_until.pop(key, None)
            latest[key] = quote
            if not quote.same_price(old):
                changed[key] = quote
        return changed

    def accept(self, quotes: dict[Key, Quote], now: float) -> None:
        """Adopt quotes published by the poller (possibly another process's)."""
        latest = self.latest
        asked_at = self._asked_at
        for key, quote in quotes.items():
            old = latest.get(key)
            if old is not quote and (old is None or quote.timestamp >= old.timestamp):
                latest[key] = quote
                asked_at[key] = now
