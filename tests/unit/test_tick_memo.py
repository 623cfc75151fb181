"""Market-wide views are computed once per hub delivery, however many sessions ask."""

from __future__ import annotations

from types import SimpleNamespace

from stockapp.runtime import runtime
from stockapp.state.tick_memo import per_tick


def test_per_tick_recomputes_only_when_the_hub_delivers(monkeypatch):
    hub = SimpleNamespace(version=1)
    monkeypatch.setattr(runtime, "hub", hub)
    calls = []

    @per_tick
    def ranking(tab: str) -> str:
        calls.append(tab)
        return f"{tab}@{hub.version}"

    assert [ranking("gainers") for _ in range(1000)] == ["gainers@1"] * 1000
    assert ranking("losers") == "losers@1"
    assert calls == ["gainers", "losers"]
    hub.version = 2  # the next tick was delivered
    assert ranking("gainers") == "gainers@2"
    assert calls == ["gainers", "losers", "gainers"]
    monkeypatch.setattr(runtime, "hub", SimpleNamespace(version=2))  # a restarted hub
    ranking("gainers")
    assert len(calls) == 4
