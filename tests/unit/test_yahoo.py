"""YahooProvider against recorded-style bodies served by httpx.MockTransport (no network)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from stockapp.market.instruments import Universe
from stockapp.market.models import Instrument, Key
from stockapp.market.providers.base import INTERVALS, RANGES, ProviderError, QuoteProvider
from stockapp.market.providers.yahoo import YahooProvider
from stockapp.market.providers.yahoo_chart import YAHOO_INTERVAL, chart_params, range_start
from stockapp.market.providers.yahoo_symbols import INDEX_TICKERS, from_yahoo, to_yahoo
from stockapp.market.resilience import (
    CircuitOpenError,
    EqualJitterBackoff,
    make_rate_limiter,
    parse_retry_after,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"
T0 = datetime(2024, 11, 22, 10, 0, tzinfo=UTC)  # 15:30 IST, the fixtures' close
NSE, BSE = "india_nse", "india_bse"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads(body(name))


def json_response(name: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body(name), headers={"content-type": "application/json", **headers}
    )


def symbols_of(request: httpx.Request) -> list[str]:
    return request.url.params["symbols"].split(",")


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _universe() -> Universe:
    equities = [
        Instrument(symbol=s, market=m, name=s)
        for s in ("RELIANCE", "TCS", "HDFCBANK", "M&M", "BAJAJ-AUTO", "INFY")
        for m in (NSE, BSE)
    ]
    indices = [
        Instrument(symbol="NIFTY 50", market=NSE, name="NIFTY 50", kind="index"),
        Instrument(symbol="SENSEX", market=BSE, name="SENSEX", kind="index"),
        Instrument(symbol="NIFTY SMALLCAP 250", market=NSE, name="Smallcap", kind="index"),
    ]
    return Universe([*equities, *indices])


UNIVERSE = _universe()


class Harness:
    """Builds providers on a MockTransport and remembers every request they sent."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.sleeps = SleepRecorder()
        self.requests: list[httpx.Request] = []
        self._clients: list[httpx.AsyncClient] = []

    def provider(self, handler: Handler, **options: Any) -> YahooProvider:
        async def recording(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            answer = handler(request)
            if isinstance(answer, httpx.Response):
                return answer
            return await answer

        client = httpx.AsyncClient(transport=httpx.MockTransport(recording))
        self._clients.append(client)
        options.setdefault("rate_per_sec", 1000.0)
        options.setdefault("now", self.clock)
        options.setdefault("sleep", self.sleeps)
        return YahooProvider(UNIVERSE, client, **options)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
async def harness() -> Any:
    h = Harness()
    yield h
    await h.close()


def sequence(*responses: Callable[[httpx.Request], httpx.Response]) -> Handler:
    """A handler that plays `responses` in order and then repeats the last one."""
    queue: Iterator[Callable[[httpx.Request], httpx.Response]] = iter(responses)
    last = responses[-1]

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal last
        last = next(queue, last)
        return last(request)

    return handle


def ok_batch(_: httpx.Request) -> httpx.Response:
    return json_response("quote_batch.json")


def status(code: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(code, text="upstream says no", headers=headers)


BATCH_KEYS: list[Key] = [("RELIANCE", NSE), ("TCS", NSE), ("NIFTY 50", NSE)]


# ---- symbol mapping ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "ticker"),
    [
        (("RELIANCE", NSE), "RELIANCE.NS"),
        (("RELIANCE", BSE), "RELIANCE.BO"),
        (("M&M", NSE), "M&M.NS"),
        (("BAJAJ-AUTO", NSE), "BAJAJ-AUTO.NS"),
        (("tcs", NSE), "TCS.NS"),
        (("NIFTY 50", NSE), "^NSEI"),
        (("SENSEX", BSE), "^BSESN"),
        (("NIFTY NEXT 50", NSE), "^NSMIDCP"),
        (("NIFTY FIN SERVICE", NSE), "NIFTY_FIN_SERVICE.NS"),
        (("NIFTY MIDCAP 100", NSE), "NIFTY_MIDCAP_100.NS"),
        (("RELIANCE", "nasdaq"), None),
    ],
)
def test_keys_map_to_yahoo_tickers(key: Key, ticker: str | None) -> None:
    assert to_yahoo(key, UNIVERSE.get(*key)) == ticker


def test_index_without_a_known_ticker_is_not_guessed() -> None:
    inst = UNIVERSE.get("NIFTY SMALLCAP 250", NSE)
    assert inst is not None and inst.is_index
    assert to_yahoo(inst.key, inst) is None


@pytest.mark.parametrize(
    ("ticker", "key"),
    [
        ("RELIANCE.NS", ("RELIANCE", NSE)),
        ("RELIANCE.BO", ("RELIANCE", BSE)),
        ("M&M.NS", ("M&M", NSE)),
        ("bajaj-auto.ns", ("BAJAJ-AUTO", NSE)),
        ("^BSESN", ("SENSEX", BSE)),
        ("^CNXIT", ("NIFTY IT", NSE)),
        ("NIFTY_FIN_SERVICE.NS", ("NIFTY FIN SERVICE", NSE)),
        ("AAPL", None),
        (".NS", None),
    ],
)
def test_yahoo_tickers_map_back_to_keys(ticker: str, key: Key | None) -> None:
    assert from_yahoo(ticker) == key


def test_every_index_ticker_round_trips() -> None:
    assert len(INDEX_TICKERS) == 12
    for symbol, (ticker, market) in INDEX_TICKERS.items():
        assert to_yahoo((symbol, market)) == ticker
        assert from_yahoo(ticker) == (symbol, market)


# ---- quotes ------------------------------------------------------------------------------


async def test_batch_quote_is_one_request_and_parses_every_field(harness: Harness) -> None:
    provider = harness.provider(ok_batch)
    assert isinstance(provider, QuoteProvider)
    assert (provider.name, provider.simulated) == ("yahoo", False)

    result = await provider.fetch_quotes(BATCH_KEYS)

    assert provider.requests_sent == 1 and len(harness.requests) == 1
    request = harness.requests[0]
    assert request.url.host == "query1.finance.yahoo.com"
    assert request.url.path == "/v7/finance/quote"
    assert symbols_of(request) == ["RELIANCE.NS", "TCS.NS", "^NSEI"]
    assert request.headers["user-agent"].startswith("Mozilla/5.0")
    assert result.missing == []
    reliance = result.quotes[("RELIANCE", NSE)]
    assert reliance.current_price == 1263.05  # 1263.0499 rounded to paise
    assert (reliance.open, reliance.high, reliance.low) == (1233.0, 1267.5, 1229.3)
    assert reliance.prev_close == 1233.65
    assert reliance.volume == 17589011
    assert (reliance.week52_high, reliance.week52_low) == (1608.95, 1201.5)
    assert reliance.timestamp == T0 and reliance.timestamp.tzinfo is not None
    assert not reliance.stale
    assert result.quotes[("TCS", NSE)].current_price == 4297.95
    nifty = result.quotes[("NIFTY 50", NSE)]
    assert (nifty.symbol, nifty.market, nifty.current_price) == ("NIFTY 50", NSE, 23907.25)
    assert nifty.volume == 0


async def test_special_characters_are_url_encoded_and_mapped_back(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("quote_missing_fields.json"))
    result = await provider.fetch_quotes([("M&M", NSE), ("BAJAJ-AUTO", NSE)])

    raw_query = harness.requests[0].url.query.decode()
    assert "symbols=M%26M.NS%2CBAJAJ-AUTO.NS" in raw_query
    assert ("M&M", NSE) in result.quotes


async def test_records_with_missing_fields_are_defaulted_or_reported(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("quote_missing_fields.json"))
    keys: list[Key] = [("M&M", NSE), ("BAJAJ-AUTO", NSE), ("INFY", BSE), ("SENSEX", BSE)]
    keys.append(("TCS", NSE))  # requested but absent from the body

    result = await provider.fetch_quotes(keys)

    mm = result.quotes[("M&M", NSE)]
    assert mm.current_price == 2911.4
    assert mm.open == mm.high == mm.low == mm.prev_close == 2911.4
    assert (mm.volume, mm.week52_high, mm.week52_low) == (0, 0.0, 0.0)
    assert mm.change == 0
    sensex = result.quotes[("SENSEX", BSE)]  # numbers wrapped as {"raw", "fmt"}
    assert (sensex.current_price, sensex.prev_close, sensex.timestamp) == (79117.11, 77155.79, T0)
    assert sorted(result.missing) == [("BAJAJ-AUTO", NSE), ("INFY", BSE), ("TCS", NSE)]


async def test_missing_symbols_and_unmappable_keys_are_reported(harness: Harness) -> None:
    provider = harness.provider(ok_batch)
    keys: list[Key] = [*BATCH_KEYS, ("HDFCBANK", NSE), ("NIFTY SMALLCAP 250", NSE)]
    result = await provider.fetch_quotes([*keys, ("TCS", NSE)])  # duplicate key is harmless

    assert symbols_of(harness.requests[0]) == ["RELIANCE.NS", "TCS.NS", "^NSEI", "HDFCBANK.NS"]
    assert set(result.quotes) == set(BATCH_KEYS)
    assert sorted(result.missing) == [("HDFCBANK", NSE), ("NIFTY SMALLCAP 250", NSE)]


async def test_quote_time_defaults_to_now_when_yahoo_omits_it(harness: Harness) -> None:
    payload = fixture_json("quote_batch.json")
    del payload["quoteResponse"]["result"][0]["regularMarketTime"]
    harness.clock.current = T0 + timedelta(minutes=5)
    provider = harness.provider(lambda _: httpx.Response(200, json=payload))
    result = await provider.fetch_quotes(BATCH_KEYS)
    assert result.quotes[("RELIANCE", NSE)].timestamp == T0 + timedelta(minutes=5)
    assert result.quotes[("TCS", NSE)].timestamp == T0


async def test_more_keys_than_batch_size_are_split(harness: Harness) -> None:
    template = fixture_json("quote_batch.json")["quoteResponse"]["result"][0]

    def echo(request: httpx.Request) -> httpx.Response:
        rows = [{**template, "symbol": s} for s in symbols_of(request)]
        return httpx.Response(200, json={"quoteResponse": {"result": rows, "error": None}})

    provider = harness.provider(echo, batch_size=50)
    keys = [(f"SYM{i:03d}", NSE) for i in range(120)]
    result = await provider.fetch_quotes(keys)

    assert provider.requests_sent == 3
    assert [len(symbols_of(r)) for r in harness.requests] == [50, 50, 20]
    assert set(result.quotes) == set(keys) and result.missing == []


async def test_yahoo_error_object_becomes_provider_error(harness: Harness) -> None:
    error_body = {"quoteResponse": {"result": None, "error": {"code": "Bad Request"}}}
    provider = harness.provider(lambda _: httpx.Response(200, json=error_body))
    with pytest.raises(ProviderError, match="Bad Request"):
        await provider.fetch_quotes(BATCH_KEYS)


async def test_invalid_crumb_triggers_cookie_and_crumb_then_reuse(harness: Harness) -> None:
    def yahoo(request: httpx.Request) -> httpx.Response:
        if request.url.host == "fc.yahoo.com":
            cookie = "A3=d=AQABBKq; Domain=.yahoo.com; Path=/; Secure"
            return httpx.Response(
                404, text="<html>not found</html>", headers={"set-cookie": cookie}
            )
        if request.url.path == "/v1/test/getcrumb":
            return httpx.Response(200, text="Xy7kq9Pb0aZ")
        if request.url.params.get("crumb") == "Xy7kq9Pb0aZ" and "A3=" in request.headers.get(
            "cookie", ""
        ):
            return ok_batch(request)
        return json_response("quote_unauthorized.json", 401)

    provider = harness.provider(yahoo)
    first = await provider.fetch_quotes(BATCH_KEYS)
    assert len(first.quotes) == 3
    assert [(r.url.host, r.url.path) for r in harness.requests] == [
        ("query1.finance.yahoo.com", "/v7/finance/quote"),
        ("fc.yahoo.com", "/"),
        ("query1.finance.yahoo.com", "/v1/test/getcrumb"),
        ("query1.finance.yahoo.com", "/v7/finance/quote"),
    ]
    await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == 5 and provider.retries == 0


async def test_persistent_401_is_a_provider_error_without_retries(harness: Harness) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/test/getcrumb":
            return httpx.Response(200, text="abc")
        return json_response("quote_unauthorized.json", 401)

    provider = harness.provider(refuse)
    with pytest.raises(ProviderError, match="401"):
        await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == 4 and harness.sleeps.calls == []


# ---- retries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "expected_wait"),
    [("3", 3.0), ("Fri, 22 Nov 2024 10:00:07 GMT", 7.0), ("3600", 30.0)],
)
async def test_429_waits_retry_after_then_succeeds(
    harness: Harness, retry_after: str, expected_wait: float
) -> None:
    provider = harness.provider(sequence(status(429, **{"Retry-After": retry_after}), ok_batch))
    result = await provider.fetch_quotes(BATCH_KEYS)

    assert len(result.quotes) == 3
    assert harness.sleeps.calls == [expected_wait]
    assert (provider.requests_sent, provider.retries) == (2, 1)


async def test_5xx_is_retried_with_exponentially_growing_waits(harness: Harness) -> None:
    backoff = EqualJitterBackoff(base=0.5, cap=8.0, rng=random.Random(7))
    failures = [status(503), status(500), status(502), status(504)]
    provider = harness.provider(sequence(*failures, ok_batch), max_retries=4, backoff=backoff)

    result = await provider.fetch_quotes(BATCH_KEYS)

    assert len(result.quotes) == 3
    waits = harness.sleeps.calls
    assert len(waits) == 4 and provider.requests_sent == 5 and provider.retries == 4
    for attempt, wait in enumerate(waits):
        step = 0.5 * 2**attempt
        assert step / 2 <= wait <= step
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0]


async def test_5xx_until_retries_run_out_is_a_provider_error(harness: Harness) -> None:
    provider = harness.provider(status(503), max_retries=3)
    with pytest.raises(ProviderError, match="503"):
        await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == 4 and len(harness.sleeps.calls) == 3


async def test_timeouts_are_retried_then_reported(harness: Harness) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    provider = harness.provider(time_out, max_retries=2)
    with pytest.raises(ProviderError, match="no answer"):
        await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == 3 and provider.retries == 2


async def test_transport_error_is_retried_and_recovers(harness: Harness) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    provider = harness.provider(sequence(refuse, ok_batch))
    result = await provider.fetch_quotes(BATCH_KEYS)
    assert len(result.quotes) == 3 and provider.requests_sent == 2


async def test_other_4xx_is_not_retried_and_does_not_trip_the_breaker(harness: Harness) -> None:
    provider = harness.provider(
        lambda _: json_response("chart_not_found.json", 404), breaker_threshold=1
    )
    for _ in range(2):
        with pytest.raises(ProviderError, match="404"):
            await provider.history(("RELIANCE", NSE), "1d", "5y")
    assert provider.requests_sent == 2 and harness.sleeps.calls == []
    assert provider.breaker_state == "closed"


async def test_malformed_json_is_retried_once_then_reported(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("malformed_truncated.json"))
    with pytest.raises(ProviderError, match="not JSON"):
        await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == 2 and provider.retries == 1


async def test_malformed_json_once_then_good_body_succeeds(harness: Harness) -> None:
    bad = lambda _: httpx.Response(200, text="<html>Will be right back</html>")  # noqa: E731
    provider = harness.provider(sequence(bad, ok_batch))
    assert len((await provider.fetch_quotes(BATCH_KEYS)).quotes) == 3


async def test_hung_upstream_is_cut_by_the_timeout(harness: Harness) -> None:
    async def hang(_: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    provider = harness.provider(hang, timeout=0.2, max_retries=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer within 0\.2s"):
        await asyncio.wait_for(provider.fetch_quotes(BATCH_KEYS), 5.0)  # fail fast if uncut
    assert time.monotonic() - started < 2.0
    assert provider.requests_sent == 2


# ---- circuit breaker -----------------------------------------------------------------


async def test_breaker_opens_fails_fast_then_half_opens_after_reset(harness: Harness) -> None:
    healthy = False

    def upstream(request: httpx.Request) -> httpx.Response:
        return ok_batch(request) if healthy else httpx.Response(503)

    provider = harness.provider(
        upstream, breaker_threshold=3, breaker_reset_seconds=30.0, max_retries=1
    )
    for _ in range(3):
        with pytest.raises(ProviderError):
            await provider.fetch_quotes(BATCH_KEYS)
    assert provider.breaker_state == "open" and provider.requests_sent == 6

    with pytest.raises(CircuitOpenError):
        await provider.fetch_quotes(BATCH_KEYS)
    harness.clock.advance(29.9)
    with pytest.raises(CircuitOpenError):
        await provider.history(("TCS", NSE), "1m", "1d")
    assert provider.requests_sent == 6  # failing fast sent nothing

    harness.clock.advance(0.1)
    assert provider.breaker_state == "half_open"
    healthy = True
    result = await provider.fetch_quotes(BATCH_KEYS)
    assert len(result.quotes) == 3 and provider.requests_sent == 7
    assert provider.breaker_state == "closed"


async def test_failed_probe_is_a_single_request_and_reopens(harness: Harness) -> None:
    provider = harness.provider(
        status(500), breaker_threshold=2, breaker_reset_seconds=10.0, max_retries=4
    )
    for _ in range(2):
        with pytest.raises(ProviderError):
            await provider.fetch_quotes(BATCH_KEYS)
    sent = provider.requests_sent
    assert sent == 10
    harness.clock.advance(10)
    with pytest.raises(ProviderError, match="500"):
        await provider.fetch_quotes(BATCH_KEYS)
    assert provider.requests_sent == sent + 1
    assert provider.breaker_state == "open"
    with pytest.raises(CircuitOpenError):
        await provider.fetch_quotes(BATCH_KEYS)


# ---- history -------------------------------------------------------------------------


async def test_intraday_chart_parses_oldest_first_without_null_rows(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("chart_reliance_1d_1m.json"))
    bars = await provider.history(("RELIANCE", NSE), "1m", "1d")

    request = harness.requests[0]
    assert request.url.path == "/v8/finance/chart/RELIANCE.NS"
    assert (request.url.params["interval"], request.url.params["range"]) == ("1m", "1d")
    assert len(bars) == 7  # 8 minutes, one of them all-null
    open_ist = datetime(2024, 11, 22, 3, 45, tzinfo=UTC)
    assert bars[0].t == open_ist and bars[-1].t == open_ist + timedelta(minutes=7)
    assert [b.t for b in bars] == sorted(b.t for b in bars)
    first = bars[0]
    assert (first.o, first.h, first.l, first.c, first.v) == (1233.0, 1239.9, 1229.3, 1238.6, 0)
    assert bars[1].v == 412387


async def test_daily_index_chart_encodes_caret_ticker(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("chart_nifty_5y_1d.json"))
    bars = await provider.history(("NIFTY 50", NSE), "1d", "5y")

    assert harness.requests[0].url.raw_path.startswith(b"/v8/finance/chart/%5ENSEI?")
    assert len(bars) == 6
    assert bars[0].t.date().isoformat() == "2019-11-25" and bars[-1].c == 23907.25
    assert all(b.v >= 0 for b in bars)


async def test_hour_interval_and_explicit_end_window(harness: Harness) -> None:
    provider = harness.provider(lambda _: json_response("chart_reliance_1d_1m.json"))
    end = datetime(2024, 11, 22, 12, 0, tzinfo=UTC)
    await provider.history(("RELIANCE", BSE), "1h", "1d", end=end)

    params = harness.requests[0].url.params
    assert harness.requests[0].url.path == "/v8/finance/chart/RELIANCE.BO"
    assert params["interval"] == "60m" and "range" not in params
    assert int(params["period1"]) == int(datetime(2024, 11, 22, 3, 45, tzinfo=UTC).timestamp())
    assert int(params["period2"]) == int(end.timestamp())


async def test_history_rejects_unknown_interval_and_unmappable_key(harness: Harness) -> None:
    provider = harness.provider(ok_batch)
    with pytest.raises(ValueError, match="interval"):
        await provider.history(("TCS", NSE), "2m", "1d")
    with pytest.raises(ProviderError, match="no ticker"):
        await provider.history(("NIFTY SMALLCAP 250", NSE), "1d", "1y")
    assert provider.requests_sent == 0


def test_chart_tables_cover_every_interval_and_range() -> None:
    assert set(YAHOO_INTERVAL) == set(INTERVALS)
    end = datetime(2024, 11, 22, 12, 0, tzinfo=UTC)
    for range_ in RANGES:
        assert chart_params("1d", range_, None)["range"] == range_
        assert range_start(range_, end) < end
    # five sessions back skips the 15 and 20 November 2024 exchange holidays
    assert range_start("5d", end) == datetime(2024, 11, 14, 3, 45, tzinfo=UTC)


# ---- resilience helpers and lifecycle ------------------------------------------------


def test_retry_after_parsing_edge_cases() -> None:
    assert parse_retry_after(None, now=T0, cap=30) is None
    assert parse_retry_after("soon", now=T0, cap=30) is None
    assert parse_retry_after("Fri, 22 Nov 2024 09:00:00 GMT", now=T0, cap=30) == 0.0
    assert parse_retry_after(" 1.5 ", now=T0, cap=30) == 1.5


async def test_rate_limiter_paces_requests() -> None:
    limiter = make_rate_limiter(5.0)
    started = time.monotonic()
    for _ in range(8):
        async with limiter:
            pass
    assert time.monotonic() - started >= 0.45  # 5 at once, then one per 0.2 s


async def test_provider_requests_go_through_its_rate_limiter(harness: Harness) -> None:
    provider = harness.provider(ok_batch, rate_per_sec=4.0)
    started = time.monotonic()
    for _ in range(6):
        await provider.fetch_quotes(BATCH_KEYS)
    assert time.monotonic() - started >= 0.4 and provider.requests_sent == 6


async def test_aclose_closes_only_a_client_it_created() -> None:
    own = YahooProvider(UNIVERSE)
    await own.aclose()
    assert own._client.is_closed

    shared = httpx.AsyncClient(transport=httpx.MockTransport(ok_batch))
    borrowed = YahooProvider(UNIVERSE, shared)
    await borrowed.aclose()
    assert not shared.is_closed
    await shared.aclose()
