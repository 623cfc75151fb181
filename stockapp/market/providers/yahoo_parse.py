"""Turning Yahoo Finance JSON bodies into our `Quote`s and `Bar`s.

Yahoo omits fields freely (indices have no volume, fresh listings no 52-week range, halted
symbols sometimes no price) and, depending on request flags, wraps numbers as
`{"raw": 1.0, "fmt": "1.00"}`. Parsing is therefore per-record forgiving: a record without
a usable price is reported missing, the others still count. A body whose overall shape is
wrong raises `MalformedResponse`, which the provider treats as an upstream failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stockapp.market.models import Bar, FetchResult, Key, Quote
from stockapp.market.providers.base import ProviderError

PRICE_DECIMALS = 2


class MalformedResponse(ProviderError):
    """The body was not JSON, or not the JSON shape the endpoint documents."""


class UpstreamReportedError(ProviderError):
    """The body was well formed and carried Yahoo's own error object."""


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("raw")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _price(value: Any) -> float | None:
    number = _number(value)
    return round(number, PRICE_DECIMALS) if number is not None and number > 0 else None


def _epoch(value: Any) -> datetime | None:
    seconds = _number(value)
    if seconds is None or seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _envelope(payload: Any, root: str) -> list[Any]:
    """The `result` list under `root`, raising on Yahoo's error object or a foreign shape."""
    body = payload.get(root) if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        raise MalformedResponse(f"yahoo: body has no {root!r} object")
    error = body.get("error")
    if error:
        detail = (
            (error.get("description") or error.get("code")) if isinstance(error, dict) else error
        )
        raise UpstreamReportedError(f"yahoo {root}: {detail}")
    result = body.get("result")
    if result is None:
        return []
    if not isinstance(result, list):
        raise MalformedResponse(f"yahoo: {root}.result is not a list")
    return result


def _quote_from_record(record: Mapping[str, Any], key: Key, now: datetime) -> Quote | None:
    price = _price(record.get("regularMarketPrice"))
    if price is None:
        return None
    open_ = _price(record.get("regularMarketOpen")) or price
    prev_close = _price(record.get("regularMarketPreviousClose")) or open_
    high = _price(record.get("regularMarketDayHigh")) or max(price, open_)
    low = _price(record.get("regularMarketDayLow")) or min(price, open_)
    volume = _number(record.get("regularMarketVolume"))
    return Quote(
        symbol=key[0],
        market=key[1],
        current_price=price,
        open=open_,
        high=max(high, price),
        low=min(low, price),
        prev_close=prev_close,
        volume=int(volume) if volume is not None and volume > 0 else 0,
        timestamp=_epoch(record.get("regularMarketTime")) or now,
        week52_high=_price(record.get("fiftyTwoWeekHigh")) or 0.0,
        week52_low=_price(record.get("fiftyTwoWeekLow")) or 0.0,
    )


def parse_quotes(payload: Any, wanted: Mapping[str, Key], *, now: datetime) -> FetchResult:
    """Quotes for the requested tickers (`wanted`: upper-case ticker -> key).

    Requested tickers absent from the body, or present without a usable price, end up in
    `missing`; records for tickers we did not ask for are ignored.
    """
    result = FetchResult()
    for record in _envelope(payload, "quoteResponse"):
        if not isinstance(record, dict) or not isinstance(record.get("symbol"), str):
            continue
        key = wanted.get(record["symbol"].strip().upper())
        if key is None or key in result.quotes:
            continue
        quote = _quote_from_record(record, key, now)
        if quote is not None:
            result.quotes[key] = quote
    result.missing = [key for key in wanted.values() if key not in result.quotes]
    return result


def _column(quote: Mapping[str, Any], name: str, length: int) -> list[Any]:
    values = quote.get(name)
    if not isinstance(values, list):
        return [None] * length
    return values[:length] + [None] * (length - len(values))


def parse_chart(payload: Any) -> list[Bar]:
    """Bars oldest first; rows with any missing price (halts, padding) are dropped."""
    results = _envelope(payload, "chart")
    if not results:
        return []
    series = results[0]
    if not isinstance(series, dict):
        raise MalformedResponse("yahoo: chart.result[0] is not an object")
    stamps = series.get("timestamp") or []
    quotes = (series.get("indicators") or {}).get("quote") or [{}]
    if not isinstance(stamps, list) or not isinstance(quotes, list):
        raise MalformedResponse("yahoo: chart series has the wrong shape")
    quote = quotes[0] if quotes and isinstance(quotes[0], dict) else {}
    n = len(stamps)
    columns = [_column(quote, name, n) for name in ("open", "high", "low", "close", "volume")]
    bars: dict[datetime, Bar] = {}
    for stamp, o, h, low, c, v in zip(stamps, *columns, strict=True):
        t = _epoch(stamp)
        prices = [_price(o), _price(h), _price(low), _price(c)]
        if t is None or any(p is None for p in prices):
            continue
        po, ph, pl, pc = (p for p in prices if p is not None)
        volume = _number(v)
        bars[t] = Bar(
            t=t,
            o=po,
            h=max(ph, po, pc),
            l=min(pl, po, pc),
            c=pc,
            v=int(volume) if volume is not None and volume > 0 else 0,
        )
    return [bars[t] for t in sorted(bars)]
