"""Browser-facing hardening shared by pages and the API: response headers, an Origin gate
for Reflex's event socket, and a log filter that keeps credentials out of log files.

The middleware is installed on the FastAPI app in `create_api`; inside Reflex that app is
the outermost ASGI app (Reflex mounts its own app, pages included, under it), so one
middleware covers pages, `/_event`, the API and `/ws`.

Reflex's production build relies on inline bootstrap scripts and emotion injects `<style>`
elements at run time, so the page policy allows inline scripts and styles from the page
itself but no other site, no plugins, no framing and no foreign connections.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockapp.api.origins import origin_allowed
from stockapp.settings import get_settings

_CSP_COMMON = [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
]
PAGE_CSP = "; ".join([*_CSP_COMMON, "form-action 'self'", "object-src 'none'"])
# The API docs (api/docs.py) load their assets from this app and start with an inline
# script; ReDoc renders in a blob: worker. They post no forms.
DOCS_CSP = "; ".join([*_CSP_COMMON, "object-src 'none'"])
DOCS_PATHS = ("/api/docs", "/api/redoc")
COMMON_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
EVENT_SOCKET_PREFIX = "/_event"
CLOSE_POLICY = 1008


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    csp = DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
    pairs = {**COMMON_HEADERS, "content-security-policy": csp}
    return [(k.encode(), v.encode()) for k, v in pairs.items()]


class SecurityMiddleware:
    """Adds the security headers to every HTTP response (keeping any a route set itself)
    and refuses cross-site handshakes on Reflex's `/_event` socket.

    Reflex's Socket.IO server checks Origin against `cors_allowed_origins` too; this gate
    applies the same rule as `/ws` (origins.py) before the request reaches it, so the two
    sockets can never disagree.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.app(scope, receive, self._with_headers(scope, send))
            return
        if scope["type"] == "websocket" and scope.get("path", "").startswith(EVENT_SOCKET_PREFIX):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if not origin_allowed(headers, get_settings()):
                await send({"type": "websocket.close", "code": CLOSE_POLICY, "reason": ""})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        extra = headers_for(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        return send_with_headers


# -- bad input the database cannot hold ------------------------------------------------------


def add_out_of_range_handlers(api: FastAPI) -> None:
    """A number too large for the database (an id of 2**100, a quantity past BIGINT) fails
    inside the driver: SQLite raises OverflowError while binding, PostgreSQL a DataError.
    Either way it is the client's input, so it answers 422, never 500."""

    async def out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "A value is out of the supported range"}, 422)

    api.add_exception_handler(OverflowError, out_of_range)
    api.add_exception_handler(DataError, out_of_range)


# -- logs ----------------------------------------------------------------------------------

REDACTED = "[redacted]"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"((?:access_)?token=)[^&\s\"'#]+", re.IGNORECASE), rf"\1{REDACTED}"),
    (
        re.compile(r"(authorization[\"']?\s*[:=,]\s*[\"']?(?:bearer\s+)?)[^\s\"',)]+", re.I),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1{REDACTED}"),
    # any JWT, wherever it appears (three base64url parts, the first a JSON header)
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
]
LOGGERS_TO_REDACT = (
    "granian.access",
    "granian",
    "uvicorn.access",
    "uvicorn.error",
    "uvicorn",
    "reflex",
    "stockapp",
)


def redact(text: str) -> str:
    """`text` with token query values, Authorization values and JWTs replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Redacts a record's message and its string arguments in place, keeping the argument
    structure (uvicorn's access formatter unpacks `args` as a 5-tuple)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        return True


_FILTER = SecretRedactingFilter()


def install_log_redaction(names: Iterable[str] = LOGGERS_TO_REDACT) -> None:
    """Attach the filter to the named loggers and to their handlers (a logger's own filter
    does not see records propagated from its children; its handlers do). Idempotent."""
    for name in names:
        logger = logging.getLogger(name)
        _add_filter(logger)
        for handler in logger.handlers:
            _add_filter(handler)


def _add_filter(target: Any) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)
