"""The Redis hub backend's message formats: exact round trips and rejection of garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from stockapp.market.hub import wire
from stockapp.market.models import Quote


def quote(symbol: str = "M&M", market: str = "india_bse", **kw) -> Quote:
    base = dict(
        symbol=symbol, market=market, current_price=2875.35, open=2850.0, high=2890.1,
        low=2841.55, prev_close=2860.0, volume=1_234_567,
        timestamp=datetime(2025, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC),
        stale=True, week52_high=3222.0, week52_low=1900.25,
    )  # fmt: skip
    base.update(kw)
    return Quote(**base)


def test_ticks_round_trip_every_field_to_the_microsecond() -> None:
    quotes = [quote(), quote("RELIANCE", "india_nse", stale=False, volume=0)]
    sender, got = wire.decode_ticks(wire.encode_ticks("w1", quotes))
    assert sender == "w1"
    assert got == {q.key: q for q in quotes}
    assert got[("M&M", "india_bse")].timestamp.tzinfo is not None


def test_tick_message_is_compact() -> None:
    text = wire.encode_ticks("w1", [quote()])
    assert b"current_price" not in text and len(text) < 120


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[]", b'{"w":"x"}', b'{"w":"x","q":[[1,2]]}', b'{"w":"x","q":[null]}']
)
def test_malformed_ticks_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        wire.decode_ticks(data)


def test_interest_members_round_trip_symbols_with_odd_characters() -> None:
    for key in [("M&M", "india_nse"), ("NIFTY 50", "india_nse"), ("BAJAJ-AUTO", "india_bse")]:
        assert wire.member_key(wire.key_member(key)) == key
        assert wire.member_key(wire.key_member(key).encode()) == key
    assert wire.member_key("no-separator") is None
    assert wire.member_key("|india_nse") is None


def test_interest_messages_skip_bad_members() -> None:
    data = wire.encode_interest("w2", ["TCS|india_nse", "junk"])
    assert wire.decode_interest(data) == ("w2", [("TCS", "india_nse")])
    with pytest.raises(ValueError):
        wire.decode_interest(orjson.dumps({"k": []}))
