"""Prometheus metrics of the price hub.

Registered once at import in the default registry: a process may build many hubs (tests do),
and registering per hub would raise on the second one. Gauges are moved with inc/dec so that
several hubs in one process add up instead of overwriting each other.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from prometheus_client import Counter, Gauge, Histogram

TICKS = Counter("stockapp_hub_ticks_total", "Poll ticks completed by the price hub.")
UPSTREAM_REQUESTS = Counter(
    "stockapp_hub_upstream_requests_total", "Quote requests sent to the upstream provider."
)
UPSTREAM_ERRORS = Counter(
    "stockapp_hub_upstream_errors_total", "Upstream quote requests that failed or timed out."
)
QUEUE_DROPS = Counter(
    "stockapp_hub_queue_drops_total",
    "Undelivered quotes replaced by a newer one for the same key (conflation).",
)
QUOTES_PUBLISHED = Counter(
    "stockapp_hub_quotes_published_total", "Changed quotes published to subscribers."
)
SUBSCRIBERS = Gauge("stockapp_hub_subscribers", "Open hub subscriptions.")
SUBSCRIBED_SYMBOLS = Gauge(
    "stockapp_hub_subscribed_symbols", "Distinct instruments with at least one subscriber."
)
FANOUT_SECONDS = Histogram(
    "stockapp_hub_fanout_seconds",
    "Time to hand one batch of changed quotes to every local subscription.",
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
UPSTREAM_SECONDS = Histogram(
    "stockapp_hub_upstream_seconds",
    "Duration of one upstream quote request.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUOTE_AGE = Histogram(
    "stockapp_hub_quote_age_seconds",
    "Age of the newest quote of a published batch when the hub publishes it (publication time "
    "minus the observation's timestamp): how old the freshest price consumers get is.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0),
)


@dataclass(slots=True)
class HubCounters:
    """One hub's totals for `PriceHub.stats()`; also feeds the process-wide series above."""

    ticks: int = 0
    skipped_ticks: int = 0
    tick_errors: int = 0
    last_tick_duration: float = 0.0
    quotes_published: int = 0
    deliveries: int = 0
    queue_drops: int = 0
    fanout_seconds_total: float = 0.0
    fanout_seconds_max: float = 0.0
    last_quote_age: float = 0.0

    def aged(self, seconds: float) -> None:
        self.last_quote_age = seconds
        QUOTE_AGE.observe(seconds)

    def tick_done(self, duration: float) -> None:
        self.ticks += 1
        self.last_tick_duration = duration
        TICKS.inc()

    def published(self, count: int) -> None:
        self.quotes_published += count
        QUOTES_PUBLISHED.inc(count)

    def fanned_out(self, deliveries: int, drops: int, seconds: float) -> None:
        self.deliveries += deliveries
        self.fanout_seconds_total += seconds
        self.fanout_seconds_max = max(self.fanout_seconds_max, seconds)
        if drops:
            self.queue_drops += drops
            QUEUE_DROPS.inc(drops)
        FANOUT_SECONDS.observe(seconds)

    def as_dict(self) -> dict[str, float | int]:
        data: dict[str, float | int] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["conflations"] = self.queue_drops
        return data
