"""What the Redis hub backend puts on the wire: tick messages, interest members, Lua scripts.

Kept apart from the backend's connection handling so the formats can be tested without a
server. Tick messages are one orjson document per tick, each quote a flat array (no field
names), with the timestamp as integer microseconds since the epoch so a follower's quote is
the leader's to the microsecond.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import orjson

from stockapp.market.models import Key, Quote

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SEP = "|"


def encode_ticks(sender: str, quotes: Iterable[Quote]) -> bytes:
    rows = [
        [
            q.symbol,
            q.market,
            q.current_price,
            q.open,
            q.high,
            q.low,
            q.prev_close,
            q.volume,
            (q.timestamp - _EPOCH) // _MICROSECOND,
            q.stale,
            q.week52_high,
            q.week52_low,
        ]
        for q in quotes
    ]
    return orjson.dumps({"w": sender, "q": rows})


def decode_ticks(data: bytes | str) -> tuple[str, dict[Key, Quote]]:
    """The sender's worker id and its quotes; raises ValueError on a malformed message."""
    try:
        doc = orjson.loads(data)
        out: dict[Key, Quote] = {}
        for sym, market, price, opn, high, low, prev, vol, us, stale, w52h, w52l in doc["q"]:
            out[(sym, market)] = Quote(
                symbol=sym,
                market=market,
                current_price=price,
                open=opn,
                high=high,
                low=low,
                prev_close=prev,
                volume=vol,
                timestamp=_EPOCH + us * _MICROSECOND,
                stale=stale,
                week52_high=w52h,
                week52_low=w52l,
            )
        return str(doc["w"]), out
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed tick message: {exc}") from exc


def key_member(key: Key) -> str:
    return f"{key[0]}{_SEP}{key[1]}"


def member_key(member: bytes | str) -> Key | None:
    text = member.decode() if isinstance(member, bytes) else member
    symbol, sep, market = text.rpartition(_SEP)
    return (symbol, market) if sep and symbol and market else None


def encode_interest(sender: str, keys: Iterable[str]) -> bytes:
    return orjson.dumps({"w": sender, "k": list(keys)})


def decode_interest(data: bytes | str) -> tuple[str, list[Key]]:
    try:
        doc = orjson.loads(data)
        keys = [k for m in doc["k"] if (k := member_key(m)) is not None]
        return str(doc["w"]), keys
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed interest message: {exc}") from exc


# Extend the lock's TTL only while it still holds our token. KEYS: lock. ARGV: token, ttl ms.
RENEW_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Delete the lock only if it is still ours (a graceful hand-over). KEYS: lock. ARGV: token.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# Replace one worker's interest set and extend its registration, both expiring after the
# TTL unless refreshed (a killed worker's interest goes away by itself).
# KEYS: workers zset, this worker's set. ARGV: worker id, ttl ms, members...
WRITE_INTEREST = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 500 do
  redis.call('SADD', KEYS[2], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 4)
return 1
"""

# The leader's fenced read: nil unless the lock still holds its token, else the union of the
# interest of every worker whose registration has not expired. Worker sets are named from
# the registry (standalone Redis; not for Redis Cluster).
# KEYS: lock, workers zset. ARGV: token, interest key prefix.
FENCED_INTEREST = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return false
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
if #ids == 0 then
  return {}
end
local names = {}
for i, id in ipairs(ids) do
  names[i] = ARGV[2] .. id
end
return redis.call('SUNION', unpack(names))
"""
