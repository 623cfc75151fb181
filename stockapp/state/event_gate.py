"""Unknown events on Reflex's `/_event` socket are dropped before they reach the event
queue, with one short log line per socket at most every `LOG_EVERY_SECONDS`.

Reflex 0.10.1 queues any event name a client sends and, failing to find the handler,
logs the whole event with a traceback: about 1.4 KB per message, carrying the request's
headers, the client token and the payload. Any page can send such messages in a loop, so
that is a log-flooding and a log-content problem. The gate wraps the namespace's
`on_event` (the Socket.IO handler for "event" messages); known handlers pass unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

log = logging.getLogger("stockapp.events")

LOG_EVERY_SECONDS = 10.0
MAX_TRACKED_SOCKETS = 10_000
NAME_SHOWN = 80  # characters of an unknown event name put in the log line

OnEvent = Callable[[str, Any], Awaitable[None]]


class UnknownEventLog:
    """Per socket: one line, then silence (counting) for LOG_EVERY_SECONDS."""

    def __init__(self) -> None:
        self._by_sid: dict[str, tuple[float, int]] = {}

    def note(self, sid: str, name: str) -> None:
        now = time.monotonic()
        last, dropped = self._by_sid.get(sid, (float("-inf"), 0))
        if now - last < LOG_EVERY_SECONDS:
            self._by_sid[sid] = (last, dropped + 1)
            return
        if len(self._by_sid) >= MAX_TRACKED_SOCKETS:
            self._by_sid.clear()
        self._by_sid[sid] = (now, 0)
        more = f" (+{dropped} more since the last line)" if dropped else ""
        log.warning("dropped unknown event %r from socket %s%s", name[:NAME_SHOWN], sid, more)


def _event_name(data: Any) -> str | None:
    if isinstance(data, str | bytes):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        return data["name"]
    return None


def _known_handlers() -> dict[str, Any] | None:
    from reflex_base.registry import RegistrationContext

    try:
        return RegistrationContext.get().event_handlers
    except LookupError:  # no registry in this context: let Reflex decide
        return None


def gate_unknown_events(namespace: Any, unknown: UnknownEventLog | None = None) -> None:
    """Wrap `namespace.on_event`. Idempotent. (Sockets are not forgotten on disconnect;
    the per-socket table is simply cleared when it reaches MAX_TRACKED_SOCKETS.)"""
    if getattr(namespace, "_stockapp_event_gate", False):
        return
    unknown = unknown or UnknownEventLog()
    on_event: OnEvent = namespace.on_event

    async def gated_on_event(sid: str, data: Any) -> None:
        name = _event_name(data)
        handlers = _known_handlers()
        if handlers is not None and (name is None or name not in handlers):
            unknown.note(sid, name if name is not None else "<unreadable>")
            return
        await on_event(sid, data)

    namespace.on_event = gated_on_event
    namespace._stockapp_event_gate = True
