"""Webhook delivery of fired alerts: one JSON POST, retried with backoff.

A receiver that is down or slow must never hold up alert evaluation, so delivery runs in a
background task, each attempt bounded by a timeout; the outcome is a short status string
recorded on the event ("200", "failed: 503", "failed: ConnectError", or
"refused: destination not allowed" when the receiver's address is not public, in which case
nothing is sent and nothing about the target is revealed).

`PinnedTransport` resolves the receiver's name once per request, checks every address it
resolves to (see `destinations`), and connects to the checked address itself, keeping the
original name in the Host header and as the TLS server name (SNI and certificate check), so
the name cannot re-resolve elsewhere between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from stockapp.alerts.destinations import (
    REFUSED_STATUS,
    DestinationRefused,
    check_addresses,
    check_url,
    resolve,
)
from stockapp.settings import get_settings

log = logging.getLogger("stockapp.alerts.webhook")

ATTEMPTS = 3
TIMEOUT_SECONDS = 5.0
USER_AGENT = "stockapp-alerts/1.0"


class ReceiverError(Exception):
    """A 5xx or 429 answer: worth another attempt."""

    def __init__(self, status: int) -> None:
        super().__init__(f"receiver answered {status}")
        self.status = status


Resolver = Callable[[str, int], list[str]]


class PinnedTransport(httpx.AsyncBaseTransport):
    """Connects only to checked addresses, and to exactly the address that was checked."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = resolve,
        verify: Any = True,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.inner = inner or httpx.AsyncHTTPTransport(verify=verify, retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        check_url(str(url), allow_private=self.allow_private)
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await asyncio.to_thread(self.resolver, host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"could not resolve {host}", request=request) from exc
        checked = check_addresses(addresses, allow_private=self.allow_private)
        pinned = checked[0]
        ip_host = str(pinned)
        request.url = url.copy_with(host=ip_host)
        request.headers["Host"] = url.netloc.decode("ascii")
        if url.scheme == "https" and _is_name(host):
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


async def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    attempt_timeout: float = TIMEOUT_SECONDS,
    backoff: float = 0.5,
    transport: httpx.AsyncBaseTransport | None = None,
    allow_private: bool | None = None,
    resolver: Resolver = resolve,
    verify: Any = True,
) -> str:
    """POST `payload` to `url`; returns the status to record. Never raises for delivery errors.

    Retries connection errors, timeouts, 429 and 5xx; a 4xx other than 429 is final; a
    destination that is not allowed is refused before anything is sent, and not retried.
    `transport` (tests only) is what the pinned transport finally sends through.
    """
    if allow_private is None:
        allow_private = get_settings().webhook_allow_private
    try:
        check_url(url, allow_private=allow_private)
    except DestinationRefused:
        log.info("webhook to %s refused: destination not allowed", _host(url))
        return REFUSED_STATUS
    pinned = PinnedTransport(
        allow_private=allow_private, resolver=resolver, verify=verify, inner=transport
    )
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=backoff * 8),
        retry=retry_if_exception_type((httpx.TransportError, ReceiverError)),
        reraise=False,
    )
    headers = {"User-Agent": USER_AGENT}
    async with httpx.AsyncClient(
        timeout=attempt_timeout,
        transport=pinned,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        try:
            async for attempt in retrying:
                with attempt:
                    response = await client.post(url, json=payload, headers=headers)
                    if response.status_code == 429 or response.status_code >= 500:
                        raise ReceiverError(response.status_code)
                    if response.status_code >= 400:
                        return f"failed: {response.status_code}"
                    return str(response.status_code)
        except DestinationRefused:
            log.info("webhook to %s refused: destination not allowed", _host(url))
            return REFUSED_STATUS
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            if isinstance(cause, ReceiverError):
                return f"failed: {cause.status}"
            log.info("webhook delivery to %s failed: %r", _host(url), cause)
            return f"failed: {type(cause).__name__}"
        except (httpx.HTTPError, ValueError) as exc:  # malformed URL and the like: not retried
            return f"failed: {type(exc).__name__}"
    return "failed: no attempt"


def _host(url: str) -> str:
    """For logs: the receiver's host only (paths may carry secrets)."""
    try:
        return httpx.URL(url).host
    except Exception:
        return "?"
