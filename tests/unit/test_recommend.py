"""RecommendationService: one history read per market, throttled shared rating passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stockapp.market.instruments import load_universe
from stockapp.market.models import Bar, Quote
from stockapp.market.recommend import RecommendationService

NOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


class Provider:
    def __init__(self):
        self.calls = 0

    async def history(self, key, interval, range_, *, end=None):
        self.calls += 1
        n = 300
        step = 0.5 if len(key[0]) % 2 else -0.5
        return [
            Bar(NOW - timedelta(days=n - 1 - i), p, p + 1, p - 1, p, 1000)
            for i in range(n)
            for p in [200 + step * i]
        ]


def _quote(key, price: float) -> Quote:
    return Quote(key[0], key[1], price, price, price, price, price, 1000, NOW)


async def test_history_is_read_once_and_ratings_are_cached_and_sorted():
    universe = load_universe()
    clock = [0.0]
    service = RecommendationService(universe, min_interval=2.0, clock=lambda: clock[0])
    provider = Provider()
    assert service.current("india_nse", lambda k: None) is None
    await service.ensure_ready("india_nse", provider)
    await service.ensure_ready("india_nse", provider)
    equities = universe.equities("india_nse")
    assert provider.calls == len(equities)

    first = service.current("india_nse", lambda k: _quote(k, 250.0))
    assert first is not None and len(first.items) == len(equities)
    scores = [r.recommendation.score for r in first.items]
    assert scores == sorted(scores, reverse=True)
    assert service.current("india_nse", lambda k: None) is first  # within min_interval
    clock[0] = 2.5
    second = service.current("india_nse", lambda k: _quote(k, 50.0))
    assert second is not first and second.generation > first.generation
    assert all(r.recommendation.price == 50.0 for r in second.items)
    assert {r.recommendation.verdict for r in second.items} <= {"Buy", "Hold", "Sell"}
