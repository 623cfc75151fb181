from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from stockapp.market.alerts import (
    AlertBook,
    AlertRule,
    InvalidRule,
    condition_holds,
    describe,
    trigger_level,
    validate_rule,
)
from stockapp.market.models import Quote

KEY = ("RELIANCE", "india_nse")
T0 = datetime(2026, 11, 10, 5, 0, tzinfo=UTC)


def quote(price: float, prev_close: float = 1500.0, hi52: float = 1700.0, lo52: float = 1200.0):
    return Quote(
        symbol=KEY[0],
        market=KEY[1],
        current_price=price,
        open=prev_close,
        high=max(price, prev_close),
        low=min(price, prev_close),
        prev_close=prev_close,
        volume=1000,
        timestamp=T0,
        week52_high=max(hi52, price),  # the feed's 52-week range includes today's range
        week52_low=min(lo52, price),
    )


def rule(condition: str, value: float = 0.0, repeat: bool = False, rid: int = 1) -> AlertRule:
    return AlertRule(rid, 7, KEY[0], KEY[1], condition, value, repeat)


def run(book: AlertBook, prices: list[float], **kw) -> list[int]:
    """Feed prices one tick at a time; the tick indexes at which something fired."""
    fired = []
    for i, p in enumerate(prices):
        if book.evaluate({KEY: quote(p, **kw)}).fired:
            fired.append(i)
    return fired


@pytest.mark.parametrize(
    ("condition", "value", "prices", "first"),
    [
        ("price_above", 1600.0, [1590, 1599.95, 1600, 1600.05, 1610, 1590, 1620], 3),
        ("price_below", 1400.0, [1450, 1400, 1399.95, 1380, 1420, 1390], 2),
        ("change_pct_above", 2.0, [1510, 1530, 1530.05, 1545, 1500, 1560], 3),
        ("change_pct_below", -1.5, [1490, 1477.5, 1477.45, 1470, 1500, 1400], 3),
    ],
)
def test_one_shot_fires_exactly_once_as_price_crosses(condition, value, prices, first):
    book = AlertBook([rule(condition, value)])
    assert run(book, prices) == [first]
    assert len(book) == 0 and book.keys() == set()


def test_repeat_rearms_only_after_the_condition_clears():
    book = AlertBook([rule("price_above", 1600.0, repeat=True)])
    rearms = []
    fired = []
    for i, p in enumerate([1590, 1605, 1610, 1620, 1595, 1596, 1601, 1650, 1599, 1602]):
        result = book.evaluate({KEY: quote(p)})
        fired += [i] * len(result.fired)
        rearms += [i] * len(result.rearmed)
    assert fired == [1, 6, 9]
    assert rearms == [4, 8]
    assert len(book) == 1


def test_condition_already_true_fires_on_the_next_tick():
    book = AlertBook()
    book.evaluate({KEY: quote(1700.0)})
    book.add(rule("price_above", 1600.0))
    assert book.fresh_keys() == {KEY}
    result = book.evaluate({KEY: quote(1700.0)})
    assert [f.price for f in result.fired] == [1700.0]
    assert result.fired[0].message == "RELIANCE rose above ₹1,600.00 (now ₹1,700.00)"
    assert book.fresh_keys() == set()
    assert book.evaluate({KEY: quote(1701.0)}).fired == []


def test_52_week_high_fires_on_a_new_high_only():
    book = AlertBook([rule("week52_high_cross", repeat=True)])
    # 52-week high 1700 before the session; the feed raises it with each new high
    assert run(book, [1650, 1699.95, 1700, 1710, 1705, 1710.05, 1709]) == [2, 5]


def test_52_week_low_one_shot():
    book = AlertBook([rule("week52_low_cross")])
    assert run(book, [1250, 1200.05, 1199, 1150, 1300]) == [2]
    assert len(book) == 0


def test_first_quote_at_the_52_week_high_counts_without_history():
    r = rule("week52_high_cross")
    assert condition_holds(r, quote(1750.0))
    assert not condition_holds(r, quote(1650.0))
    assert condition_holds(r, quote(1702.0), previous=quote(1690.0))
    assert not condition_holds(r, quote(1699.0), previous=quote(1702.0))


def test_rules_only_see_their_own_instrument_and_removal():
    other = ("TCS", "india_nse")
    book = AlertBook([rule("price_above", 1600.0, rid=1), rule("price_below", 1400.0, rid=2)])
    tcs = quote(5000.0)
    tcs.symbol = "TCS"
    assert book.evaluate({other: tcs}).fired == []
    assert book.remove(2) is not None and 2 not in book and 1 in book
    assert [f.rule.id for f in book.evaluate({KEY: quote(1300.0)}).fired] == []
    assert [f.rule.id for f in book.evaluate({KEY: quote(1650.0)}).fired] == [1]


def test_reload_marks_new_rules_fresh_and_drops_inactive():
    book = AlertBook([rule("price_above", 1.0, rid=1)])
    book.evaluate({KEY: quote(1500.0)})
    inactive = rule("price_below", 2000.0, rid=3)
    inactive.active = False
    book.replace([rule("price_above", 1.0, rid=1), rule("price_below", 2000.0, rid=2), inactive])
    assert {r.id for r in book.rules()} == {1, 2}
    assert book.fresh_keys() == {KEY}


def test_validation_and_trigger_levels():
    for bad in (("nope", 1.0), ("price_above", float("nan")), ("price_below", float("inf"))):
        with pytest.raises(InvalidRule):
            validate_rule(*bad)
    with pytest.raises(InvalidRule):
        validate_rule("price_above", -5.0)
    validate_rule("change_pct_below", -3.0)
    assert trigger_level(rule("change_pct_above", 2.0), quote(1510.0)) == pytest.approx(1530.0)
    assert trigger_level(rule("price_below", 1400.0), quote(1510.0)) == 1400.0
    assert "day change fell below -1.50%" in describe(rule("change_pct_below", -1.5), quote(1470))


async def test_webhook_retries_server_errors_then_gives_up():
    import httpx

    from stockapp.alerts.webhook import post_json

    def public(_host: str, _port: int) -> list[str]:  # hook.test stands for a public receiver
        return ["93.184.216.34"]

    answers = iter([503, 502, 200])
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(next(answers))

    status = await post_json(
        "http://hook.test/x",
        {"id": 1},
        backoff=0.001,
        transport=httpx.MockTransport(handler),
        resolver=public,
    )
    assert status == "200" and seen == [{"id": 1}] * 3

    calls = []
    final = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(404))
    assert (
        await post_json("http://hook.test/x", {}, backoff=0.001, transport=final, resolver=public)
        == "failed: 404"
    )
    assert len(calls) == 1

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    status = await post_json(
        "http://hook.test/x",
        {},
        backoff=0.001,
        transport=httpx.MockTransport(down),
        resolver=public,
    )
    assert status == "failed: ConnectError"
