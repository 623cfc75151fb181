"""Webhook delivery of fired alerts: one JSON POST, retried with backoff.

A receiver that is down or slow must never hold up alert evaluation, so delivery runs in a
background task, each attempt bounded by a timeout; the outcome is a short status string
recorded on the event ("200", "failed: 503", "failed: ConnectError").
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

log = logging.getLogger("stockapp.alerts.webhook")

ATTEMPTS = 3
TIMEOUT_SECONDS = 5.0
USER_AGENT = "stockapp-alerts/1.0"


class ReceiverError(Exception):
    """A 5xx or 429 answer: worth another attempt."""

    def __init__(self, status: int) -> None:
        super().__init__(f"receiver answered {status}")
        self.status = status


async def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    attempts: int = ATTEMPTS,
    attempt_timeout: float = TIMEOUT_SECONDS,
    backoff: float = 0.5,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """POST `payload` to `url`; returns the status to record. Never raises for delivery errors.

    Retries connection errors, timeouts, 429 and 5xx; a 4xx other than 429 is final.
    """
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=backoff * 8),
        retry=retry_if_exception_type((httpx.TransportError, ReceiverError)),
        reraise=False,
    )
    headers = {"User-Agent": USER_AGENT}
    async with httpx.AsyncClient(
        timeout=attempt_timeout, transport=transport, follow_redirects=False
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
