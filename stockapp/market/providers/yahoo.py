"""Live quotes and history from Yahoo Finance (selected with STOCKAPP_PROVIDER=yahoo).

Quotes come from the batch endpoint `/v7/finance/quote?symbols=A.NS,B.NS,...`, history
from `/v8/finance/chart/{ticker}`. Every upstream request passes one rate limiter and one
pooled HTTP client. A logical call (one quote batch, one chart) is retried with backoff on
429/5xx/timeouts/transport errors, honouring Retry-After; a malformed body is retried once.
Calls that still fail feed a circuit breaker, and every failure reaches the caller as
`ProviderError` so the hub can keep serving last known prices marked stale.

The quote endpoint wants a session cookie and a "crumb" token. They are fetched only when
Yahoo answers 401, then reused, so the common path costs one request per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote as url_quote

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from stockapp.market.instruments import Universe
from stockapp.market.models import Bar, FetchResult, Key, utcnow
from stockapp.market.providers.base import ProviderError
from stockapp.market.providers.yahoo_chart import chart_params
from stockapp.market.providers.yahoo_parse import MalformedResponse, parse_chart, parse_quotes
from stockapp.market.providers.yahoo_symbols import to_yahoo
from stockapp.market.resilience import (
    BreakerState,
    CircuitBreaker,
    EqualJitterBackoff,
    make_rate_limiter,
    parse_retry_after,
)

QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
CHART_URL = "https://query1.finance.yahoo.com/v8/finance/chart/"
COOKIE_URL = "https://fc.yahoo.com/"
CRUMB_URL = "https://query1.finance.yahoo.com/v1/test/getcrumb"
QUOTE_FIELDS = (
    "symbol,shortName,longName,regularMarketPrice,regularMarketOpen,regularMarketDayHigh,"
    "regularMarketDayLow,regularMarketPreviousClose,regularMarketVolume,regularMarketTime,"
    "fiftyTwoWeekHigh,fiftyTwoWeekLow"
)
# Yahoo answers bare library user agents with 429s; a browser-compatible one that still
# names the app is accepted.
USER_AGENT = "Mozilla/5.0 (compatible; stockapp/0.1)"
HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json, text/plain, */*"}

T = TypeVar("T")


class _TransientFailure(Exception):
    """Worth retrying: 429, 5xx, timeouts, broken connections."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _TerminalFailure(Exception):
    """Not worth retrying. `upstream_fault` says whether it speaks against Yahoo's health
    (401/403: we are locked out) or only against our request (404: unknown ticker)."""

    def __init__(self, message: str, *, upstream_fault: bool) -> None:
        super().__init__(message)
        self.upstream_fault = upstream_fault


class YahooProvider:
    """`QuoteProvider` backed by Yahoo Finance; see the module docstring for the policy."""

    name = "yahoo"
    simulated = False

    def __init__(
        self,
        universe: Universe,
        client: httpx.AsyncClient | None = None,
        *,
        batch_size: int = 50,
        rate_per_sec: float = 2.0,
        max_retries: int = 4,
        timeout: float = 5.0,
        breaker_threshold: int = 5,
        breaker_reset_seconds: float = 30.0,
        now: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff: EqualJitterBackoff | None = None,
        retry_after_cap: float = 30.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.universe = universe
        self.batch_size = batch_size
        self.max_retries = max(0, max_retries)
        self.timeout = timeout
        self.retry_after_cap = retry_after_cap
        self._http_timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            headers=HEADERS,
            timeout=self._http_timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )
        self._limiter = make_rate_limiter(rate_per_sec)
        self._breaker = CircuitBreaker(breaker_threshold, breaker_reset_seconds, now=now)
        self._backoff = backoff or EqualJitterBackoff()
        self._now = now
        self._sleep = sleep
        self._crumb: str | None = None
        self.requests_sent = 0
        self.retries = 0

    @property
    def breaker_state(self) -> BreakerState:
        return self._breaker.state

    # ---- public protocol -------------------------------------------------------------

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        """One request per `batch_size` keys; unknown tickers and priceless records are missing."""
        result = FetchResult()
        wanted: dict[str, Key] = {}
        for key in dict.fromkeys(keys):
            ticker = to_yahoo(key, self.universe.get(*key))
            if ticker is None or ticker in wanted:
                result.missing.append(key)
            else:
                wanted[ticker] = key
        tickers = list(wanted)
        for start in range(0, len(tickers), self.batch_size):
            batch = {t: wanted[t] for t in tickers[start : start + self.batch_size]}
            part = await self._call(f"quotes ({len(batch)})", self._quotes, batch)
            result.quotes.update(part.quotes)
            result.missing.extend(part.missing)
        return result

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        """Bars oldest first from the chart endpoint; `end` bounds the window explicitly."""
        params = chart_params(interval, range_, end)
        ticker = to_yahoo(key, self.universe.get(*key))
        if ticker is None:
            raise ProviderError(f"yahoo: no ticker for {key[0]} on {key[1]}")
        url = CHART_URL + url_quote(ticker, safe="")
        return await self._call(f"chart {ticker}", self._chart, url, params)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # ---- one attempt -----------------------------------------------------------------

    async def _quotes(self, wanted: dict[str, Key]) -> FetchResult:
        params = {"symbols": ",".join(wanted), "fields": QUOTE_FIELDS}
        if self._crumb:
            params["crumb"] = self._crumb
        response = await self._send(QUOTE_URL, params)
        if response.status_code == 401:
            await self._refresh_crumb()
            params["crumb"] = self._crumb or ""
            response = await self._send(QUOTE_URL, params)
        self._check_status(response)
        return parse_quotes(self._json(response), wanted, now=self._now())

    async def _chart(self, url: str, params: dict[str, str]) -> list[Bar]:
        response = await self._send(url, params)
        self._check_status(response)
        return parse_chart(self._json(response))

    async def _refresh_crumb(self) -> None:
        """Get the session cookie (any status will do: it rides on Set-Cookie), then a crumb."""
        self._crumb = None
        await self._send(COOKIE_URL, None)
        response = await self._send(CRUMB_URL, None)
        self._check_status(response)
        crumb = response.text.strip()
        if not crumb or len(crumb) > 64 or any(ch in crumb for ch in "<>{} \n"):
            raise _TerminalFailure("yahoo refused a crumb", upstream_fault=True)
        self._crumb = crumb

    async def _send(self, url: str, params: dict[str, str] | None) -> httpx.Response:
        async with self._limiter:
            self.requests_sent += 1
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._client.get(
                        url,
                        params=params,
                        headers=HEADERS,
                        timeout=self._http_timeout,
                        follow_redirects=True,
                    )
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise _TransientFailure(f"no answer within {self.timeout:g}s") from exc
            except httpx.TransportError as exc:
                raise _TransientFailure(f"transport error: {exc!r}") from exc

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        if status == 429 or status >= 500:
            header = response.headers.get("Retry-After")
            wait = parse_retry_after(header, now=self._now(), cap=self.retry_after_cap)
            raise _TransientFailure(f"HTTP {status}", retry_after=wait)
        detail = response.text[:200].strip()
        raise _TerminalFailure(f"HTTP {status}: {detail}", upstream_fault=status in (401, 403))

    @staticmethod
    def _json(response: httpx.Response) -> object:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise MalformedResponse(f"yahoo: body is not JSON ({exc})") from exc

    # ---- retries and the breaker ---------------------------------------------------

    async def _call(
        self, what: str, attempt: Callable[..., Coroutine[Any, Any, T]], *args: Any
    ) -> T:
        probe = self._breaker.acquire()  # raises CircuitOpenError while open
        retrying = AsyncRetrying(
            stop=stop_after_attempt(1 if probe else self.max_retries + 1),
            wait=self._wait_before_retry,
            retry=self._is_retryable,
            sleep=self._sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            result = await retrying(attempt, *args)
        except _TerminalFailure as exc:
            if exc.upstream_fault:
                self._breaker.record_failure()
            else:
                self._breaker.record_success()
            raise ProviderError(f"yahoo {what}: {exc}") from exc
        except Exception as exc:
            self._breaker.record_failure()
            raise ProviderError(f"yahoo {what}: {exc}") from exc
        except BaseException:
            if probe:
                self._breaker.abandon_probe()
            raise
        self._breaker.record_success()
        return result

    @staticmethod
    def _is_retryable(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, MalformedResponse):
            return state.attempt_number < 2
        return isinstance(exc, _TransientFailure)

    def _wait_before_retry(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _TransientFailure) and exc.retry_after is not None:
            return exc.retry_after
        return self._backoff(state.attempt_number)

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1
