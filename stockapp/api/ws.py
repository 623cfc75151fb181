"""The public /ws live-price WebSocket (the seed's protocol plus documented extensions).

One reader loop and one writer task per connection. The writer drains the connection's hub
subscription, which conflates to the latest quote per symbol, so a slow client only ever
holds one pending price per symbol and never slows anyone else; a client that stays behind
is closed with 1013. Price frames come from the hub's `MarketSnapshot`, encoded once per
tick per symbol for the whole process (`frames.price_message`), not once per socket, and
the writer hands that shared ASGI message straight to the server's own `send`
(`DirectSend`): one wake-up per connection per tick (the subscription's mailbox wakes its
writer once, whatever the number of changed symbols), and no per-socket encoding, message
dict or framework layers per price.

A socket lives no longer than its token: at the token's `exp` it is closed with 1008
unless the client sent a fresher token first (`{"action": "auth", "token": ...}` again).
The token's user must exist and the token must not be revoked, at connect time and again
every `STOCKAPP_WS_TOKEN_RECHECK_SECONDS` while the socket is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from stockapp.api.frames import Message, encode, price_message, text_message
from stockapp.api.origins import origin_allowed
from stockapp.api.send_queue import send_queues
from stockapp.api.ws_limits import ws_caps
from stockapp.auth.revocation import check_token, verified_user_id
from stockapp.auth.tokens import InvalidToken, TokenClaims
from stockapp.db.errors import NotFound
from stockapp.db.session import run_db
from stockapp.market.hub import PriceHub, Subscription
from stockapp.market.models import DEFAULT_MARKET, MARKETS, Key, Quote
from stockapp.paper import events as paper_events
from stockapp.replay import store as replay_store
from stockapp.replay.manager import replays
from stockapp.runtime import runtime
from stockapp.settings import Settings
from stockapp.shutdown import drain

log = logging.getLogger("stockapp.ws")

DIRECT_SEND = "stockapp.direct_send"  # scope key: the ASGI server's own `send`
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN = 1013
CLOSE_GOING_AWAY = 1001
BACKLOG_POLL_SECONDS = 0.25
MAX_RATE_STRIKES = 10  # rate-limited messages tolerated before the socket is closed
# A client that stopped reading gets its 1013 close frame only once its buffers drain, so
# that frame may wait this long (the subscription is released at once).
SLOW_CLIENT_CLOSE_WAIT = 30.0
# After our close frame, what the client still sends is read and dropped for up to this
# long: closing a socket with unread input makes the kernel answer with a reset, and the
# client would lose the close frame (and its code) with it.
CLOSE_DRAIN_SECONDS = 3.0
BURST_PAUSE_SECONDS = 0.2


class DirectSend:
    """Puts the server's own `send` into each WebSocket scope for the /ws writer.

    Between the server and an endpoint, Starlette wraps `send` twice (app- and route-level
    exception handling) and `WebSocket.send` checks its state machine on every call: about a
    sixth of the cost of each price message under uvicorn. Price frames are plain
    `websocket.send` messages on an accepted socket, so the writer may skip those layers;
    everything else on the socket (accept, close, errors, replies) still goes through
    Starlette. Must sit outside every middleware that wraps a WebSocket's `send` (ours do
    not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[DIRECT_SEND] = send
        await self.app(scope, receive, send)


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class TokenBucket:
    """Per-connection message budget: `rate` per second with bursts up to `burst`."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def error_frame(code: str, message: str) -> str:
    return encode({"type": "error", "code": code, "message": message})


def _already_sent(prev: Quote | None, q: Quote) -> bool:
    """The same observation (a snapshot and the first publication are equal but distinct)."""
    return prev is q or (
        prev is not None
        and prev.timestamp == q.timestamp
        and prev.current_price == q.current_price
        and prev.volume == q.volume
        and prev.stale == q.stale
    )


def batch_frame(texts: list[str]) -> str:
    """Extension (`/ws?batch=1`): a tick's updates for one socket in a single message."""
    return '{"type":"price_updates","updates":[' + ",".join(texts) + "]}"


class Connection:
    def __init__(
        self,
        ws: WebSocket,
        hub: PriceHub,
        settings: Settings,
        claims: TokenClaims,
        token: str,
        batch: bool = False,
    ):
        self.ws, self.hub, self.settings = ws, hub, settings
        self.claims, self.token = claims, token
        self.batch = batch
        self.sub: Subscription = hub.subscribe(label="ws")
        # price frames only, on the accepted socket (see DirectSend)
        self.send_message: Send = ws.scope.get(DIRECT_SEND) or ws.send
        self.send_lock = asyncio.Lock()
        self.bucket = TokenBucket(settings.ws_rate_per_second, settings.ws_rate_burst)
        self.strikes = 0
        self.closed = False
        self.closing: asyncio.Future[None] | None = None
        self.reader_task: asyncio.Task[None] | None = None
        self.receiving = False  # the reader waits in `ws.receive()`
        self.unchecked_bytes = 0  # sent since the kernel send queue was last looked at
        self.sent: dict[Key, Quote] = {}  # last quote sent per key: no repeats after a snapshot

    async def send_text(self, text: str) -> None:
        async with self.send_lock:
            await self.ws.send_text(text)

    async def send_many(self, texts: list[str]) -> None:
        async with self.send_lock:
            for t in texts:
                await self.ws.send_text(t)

    async def close(self, code: int, reason: str = "", wait: float = 2.0) -> None:
        """Send the close frame (once). It runs in its own task, so a caller cancelled
        meanwhile (the other half of the connection finishing) does not cut it short."""
        if self.closing is None:
            self.closed = True
            self.closing = asyncio.ensure_future(self._send_close(code, reason, wait))
        with contextlib.suppress(Exception):
            await asyncio.shield(self.closing)

    async def _send_close(self, code: int, reason: str, wait: float) -> None:
        reader = self.reader_task
        if reader is not None and self.receiving and not reader.done():
            # Granian does not send a close frame while a receive is pending on the same
            # socket (the send waits, and the client only sees the server's closure,
            # 1006): the reader stops waiting first. Closed, it has nothing left to read.
            reader.cancel()
            await asyncio.wait([reader], timeout=wait)
        with contextlib.suppress(Exception):
            if self.ws.application_state != WebSocketState.DISCONNECTED:
                await asyncio.wait_for(self.ws.close(code=code, reason=reason), wait)

    async def finish_close(self) -> None:
        """Wait for our close frame to go out, then read and drop whatever the client still
        sends until it answers the close (bounded), so the socket ends without a reset."""
        if self.closing is None:
            return
        with contextlib.suppress(Exception):
            await self.closing
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_DRAIN_SECONDS):
                while True:
                    message = await self.ws.receive()
                    if message["type"] == "websocket.disconnect":
                        return

    async def _discard_burst(self) -> None:
        """Read and drop the rest of a burst (until the client pauses briefly, within
        CLOSE_DRAIN_SECONDS) before closing: a socket closed with unread input is reset by
        the kernel, and the client would never see the close frame."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_DRAIN_SECONDS):
                while True:
                    message = await asyncio.wait_for(self.ws.receive(), BURST_PAUSE_SECONDS)
                    if message["type"] == "websocket.disconnect":
                        return

    # -- writer -----------------------------------------------------------------------
    async def writer(self) -> None:
        timeout = max(5.0, self.settings.tick_interval * self.settings.ws_lag_ticks_before_close)
        max_buffered = self.settings.ws_max_buffered_bytes
        sub, send = self.sub, self.send_message
        while not self.closed:
            batch = await sub.get()
            if not batch:
                continue
            try:
                # a timeout scope, not wait_for: no extra task per batch (a fifth of the
                # writer's CPU at 2,000 connections)
                async with asyncio.timeout(timeout), self.send_lock:
                    # decided under the lock: a snapshot sent meanwhile is not repeated
                    for message in self._fresh_messages(batch):
                        await send(message)
                        self.unchecked_bytes += len(message["text"])
                if self.unchecked_bytes >= max_buffered // 4:
                    self.unchecked_bytes = 0
                    await self._wait_for_backlog(max_buffered, timeout)
            except TimeoutError:
                log.info("closing a /ws client that stopped reading")
                self.sub.close()
                await self.close(CLOSE_TRY_AGAIN, "client too slow", SLOW_CLIENT_CLOSE_WAIT)
                return

    async def _wait_for_backlog(self, max_buffered: int, budget: float) -> None:
        """Hold further sends while more than `max_buffered` bytes sit unsent in the kernel
        for this client (its subscription keeps only the latest price per symbol
        meanwhile); TimeoutError when the backlog does not clear within `budget` seconds."""
        local, peer = self.ws.scope.get("server"), self.ws.scope.get("client")
        queued = send_queues.queued(local, peer)
        if queued is None or queued <= max_buffered:
            return
        async with asyncio.timeout(budget):
            while queued is not None and queued > max_buffered // 2:
                await asyncio.sleep(BACKLOG_POLL_SECONDS)
                queued = send_queues.queued(local, peer)

    def _fresh_messages(self, batch: dict[Key, Quote]) -> list[Message]:
        sent, snapshot, messages = self.sent, self.hub.snapshot(), []
        for key, q in batch.items():
            if not _already_sent(sent.get(key), q):
                sent[key], message = price_message(snapshot, key, q)
                messages.append(message)
        if self.batch and len(messages) > 1:
            return [text_message(batch_frame([m["text"] for m in messages]))]
        return messages

    # -- reader -----------------------------------------------------------------------
    async def handle(self, message: dict[str, Any]) -> None:
        if message.get("bytes") is not None:
            raise ProtocolError(
                "invalid_message", "Binary frames are not supported; send JSON text"
            )
        text = message.get("text") or ""
        if len(text.encode()) > self.settings.ws_max_message_bytes:
            await self.close(CLOSE_TOO_BIG, "message too big")
            return
        if not self.bucket.take():
            self.strikes += 1
            if self.strikes > MAX_RATE_STRIKES:
                await self._discard_burst()
                await self.close(CLOSE_POLICY, "rate limit exceeded")
                return
            raise ProtocolError("rate_limited", "Too many messages; slow down")
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ProtocolError("bad_json", "Message is not valid JSON") from None
        if not isinstance(msg, dict):
            raise ProtocolError("invalid_message", "Message must be a JSON object")
        action = msg.get("action")
        if action == "ping":
            await self.send_text('{"type":"pong"}')
        elif action == "subscribe":
            await self.subscribe(msg)
        elif action == "unsubscribe":
            await self.unsubscribe(msg)
        elif action == "auth":
            await self.reauthenticate(msg)
        elif not isinstance(action, str):
            raise ProtocolError("invalid_message", "Field `action` (string) is required")
        else:
            raise ProtocolError("unknown_action", f"Unknown action {action[:40]!r}")

    def _keys(self, msg: dict[str, Any]) -> list[Key]:
        market = msg.get("market", DEFAULT_MARKET) or DEFAULT_MARKET
        if not isinstance(market, str) or market not in MARKETS:
            raise ProtocolError("invalid_message", f"market must be one of {', '.join(MARKETS)}")
        if "symbols" in msg:
            symbols = msg["symbols"]
            if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
                raise ProtocolError("invalid_message", "symbols must be a list of strings")
        elif isinstance(msg.get("symbol"), str):
            symbols = [msg["symbol"]]
        else:
            raise ProtocolError("invalid_message", "Field `symbol` (string) is required")
        if not symbols:
            raise ProtocolError("invalid_message", "symbols must not be empty")
        if len(symbols) > self.settings.ws_max_symbols:
            raise ProtocolError(
                "too_many_subscriptions",
                f"At most {self.settings.ws_max_symbols} symbols per connection",
            )
        return [(s.strip().upper(), market) for s in symbols]

    async def subscribe(self, msg: dict[str, Any]) -> None:
        keys = self._keys(msg)
        universe = runtime.universe
        unknown = [k for k in keys if k not in universe]
        keys = list(dict.fromkeys(k for k in keys if k in universe))
        new = [k for k in keys if k not in self.sub.keys]
        if len(self.sub.keys) + len(new) > self.settings.ws_max_symbols:
            raise ProtocolError(
                "too_many_subscriptions",
                f"At most {self.settings.ws_max_symbols} symbols per connection",
            )
        # Holding the send lock while subscribing keeps the writer from sending a price
        # before its subscription_confirmed.
        async with self.send_lock:
            if new:
                self.sub.add(new)
            if keys:
                quotes = await self.hub.quotes(keys)
                snapshot = self.hub.snapshot()
                for key in keys:
                    await self.ws.send_text(
                        encode(
                            {"type": "subscription_confirmed", "symbol": key[0], "market": key[1]}
                        )
                    )
                    if key in quotes:
                        self.sent[key], message = price_message(snapshot, key, quotes[key])
                        await self.send_message(message)
            for sym, market in unknown:
                await self.ws.send_text(
                    error_frame("unknown_symbol", f"Unknown symbol {sym[:40]!r} on {market}")
                )

    async def unsubscribe(self, msg: dict[str, Any]) -> None:
        keys = self._keys(msg)
        self.sub.remove(keys)
        for key in keys:
            self.sent.pop(key, None)
        await self.send_many(
            [encode({"type": "unsubscribed", "symbol": s, "market": m}) for s, m in keys]
        )

    async def reauthenticate(self, msg: dict[str, Any]) -> None:
        """A fresh token for the same user extends the socket's life to its `exp`."""
        token = msg.get("token")
        if not isinstance(token, str):
            raise ProtocolError("invalid_message", "Field `token` (string) is required")
        try:
            claims = await asyncio.to_thread(check_token, token)
        except InvalidToken:
            raise ProtocolError("invalid_message", "Invalid or expired token") from None
        if claims.user_id != self.claims.user_id:
            raise ProtocolError("invalid_message", "The token belongs to another user")
        self.claims, self.token = claims, token
        expires_in = max(0, int(claims.expires_at - time.time()))
        await self.send_text(encode({"type": "reauthenticated", "expires_in": expires_in}))

    async def _token_still_good(self) -> bool:
        """Not expired, user still there, not revoked by a log-out or password change."""
        if time.time() >= self.claims.expires_at:
            return False
        return await asyncio.to_thread(verified_user_id, self.token) == self.claims.user_id

    async def reader(self) -> None:
        idle = self.settings.ws_idle_timeout
        recheck = self.settings.ws_token_recheck_seconds
        last_message = last_check = time.monotonic()
        while not self.closed:
            now = time.monotonic()
            wait = min(
                idle - (now - last_message),
                recheck - (now - last_check),
                self.claims.expires_at - time.time(),
            )
            self.receiving = True
            try:
                # a timeout scope, not wait_for: no second task per idle connection
                async with asyncio.timeout(max(wait, 0.0)):
                    message = await self.ws.receive()
            except TimeoutError:
                message = None
            finally:
                self.receiving = False
            if message is None:
                now = time.monotonic()
                if now - last_check >= recheck or time.time() >= self.claims.expires_at:
                    last_check = now
                    if not await self._token_still_good():
                        await self.close(CLOSE_POLICY, "token expired or revoked")
                        return
                if now - last_message >= idle:
                    if not self.sub.keys:  # idle and subscribed to nothing: reclaim it
                        await self.close(1000, "idle")
                        return
                    last_message = now
                continue
            last_message = time.monotonic()
            if message["type"] == "websocket.disconnect":
                return
            try:
                await self.handle(message)
            except ProtocolError as exc:
                await self.send_text(error_frame(exc.code, str(exc)))


async def _authorize(token: str) -> TokenClaims | None:
    """The claims of a valid, unrevoked token whose user exists (the database is read in a
    worker thread), or None."""
    try:
        return await asyncio.to_thread(check_token, token)
    except InvalidToken:
        return None


async def _authenticate_first_message(
    ws: WebSocket, settings: Settings
) -> tuple[TokenClaims, str] | None:
    try:
        message = await asyncio.wait_for(ws.receive(), settings.ws_auth_timeout)
    except TimeoutError:
        return None
    text = message.get("text")
    if not text or len(text) > settings.ws_max_message_bytes:
        return None
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(msg, dict) or msg.get("action") != "auth":
        return None
    token = str(msg.get("token", ""))
    claims = await _authorize(token)
    return None if claims is None else (claims, token)


OPEN: set[Connection] = set()  # this worker's live connections, closed on shutdown
# Every /ws handshake being handled, from its first await: a socket the server accepted
# just before the drain began is not in OPEN yet, and must not be dropped unannounced (1006).
ENDPOINTS: set[asyncio.Future[None]] = set()


@drain.on_drain
async def close_all_for_shutdown() -> None:
    """Graceful stop: every client gets 1001 with a reason (and reconnects elsewhere). The
    sockets are closed first; each endpoint then releases its subscription as usual. Waits
    (within the drain's budget) until every endpoint has finished, including those whose
    handshake raced the drain (they close with 1001 themselves), so that the server's stop
    cannot drop a close frame still queued under load."""
    await asyncio.gather(*(_going_away(conn) for conn in list(OPEN)))
    if ENDPOINTS:
        await asyncio.wait(list(ENDPOINTS))


@paper_events.on_update
async def send_order_update(
    user_id: int, order: dict[str, Any], fill: dict[str, Any] | None
) -> None:
    """Extension: `order_update` to each of this worker's sockets of the order's owner (a
    paper order placed, changed, cancelled, rejected or filled, in any book)."""
    conns = [c for c in OPEN if c.claims.user_id == user_id and not c.closed]
    if not conns:
        return
    text = encode({"type": "order_update", "order": order, "fill": fill})
    for conn in conns:  # one task each: a slow socket delays nobody (and not the listener)
        task = asyncio.ensure_future(_send_update(conn, text))
        _UPDATES.add(task)
        task.add_done_callback(_UPDATES.discard)


_UPDATES: set[asyncio.Future[None]] = set()
ORDER_UPDATE_TIMEOUT = 10.0


async def _send_update(conn: Connection, text: str) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(ORDER_UPDATE_TIMEOUT):
            await conn.send_text(text)


async def _going_away(conn: Connection) -> None:
    await conn.close(CLOSE_GOING_AWAY, "server shutting down")


async def websocket_endpoint(ws: WebSocket) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    ENDPOINTS.add(done)
    try:
        await _endpoint(ws)
    finally:
        ENDPOINTS.discard(done)
        done.set_result(None)


async def _endpoint(ws: WebSocket) -> None:
    settings = runtime.settings
    if not origin_allowed(ws.headers, settings):
        await ws.close(code=CLOSE_POLICY)  # before accept: the handshake is refused (403)
        return
    token = ws.query_params.get("token")
    claims: TokenClaims | None = None
    if token is not None:
        claims = await _authorize(token)
        if claims is None:
            await ws.close(code=CLOSE_POLICY)
            return
    hub = runtime.hub
    if hub is None or drain.draining:
        await ws.close(code=CLOSE_TRY_AGAIN)
        return
    await ws.accept()
    if claims is None or token is None:
        first = await _authenticate_first_message(ws, settings)
        if first is None:
            with contextlib.suppress(Exception):
                await ws.close(code=CLOSE_POLICY, reason="authentication required")
            return
        claims, token = first
    ip = ws.client.host if ws.client else ""
    refusal = ws_caps.acquire(claims.user_id, ip, settings)
    if refusal is not None:
        with contextlib.suppress(Exception):
            await ws.close(code=CLOSE_POLICY, reason=refusal)
        return
    try:
        replay_id = ws.query_params.get("replay")
        if replay_id:  # this connection streams one of the user's replays, not the live market
            hub = await _replay_hub(claims.user_id, replay_id)
            if hub is None:
                with contextlib.suppress(Exception):
                    await ws.close(code=CLOSE_POLICY, reason="no such replay")
                return
        await _serve(ws, hub, settings, claims, token)
    finally:
        ws_caps.release(claims.user_id, ip)


async def _replay_hub(user_id: int, replay_id: str) -> PriceHub | None:
    """The hub of the user's replay `replay_id`, or None if it is not theirs (or not there)."""
    try:
        data = await run_db(replay_store.get, user_id, replay_id[:64])
    except NotFound:
        return None
    return await replays.hub(data)


async def _serve(
    ws: WebSocket,
    hub: PriceHub,
    settings: Settings,
    claims: TokenClaims,
    token: str,
) -> None:
    batch = ws.query_params.get("batch", "") in {"1", "true", "yes"}
    conn = Connection(ws, hub, settings, claims, token, batch=batch)
    OPEN.add(conn)
    if drain.draining:  # accepted while the drain began: told like the others
        await _going_away(conn)
    writer = asyncio.create_task(conn.writer(), name="ws-writer")
    try:
        reader = conn.reader_task = asyncio.create_task(conn.reader(), name="ws-reader")
        done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, writer):
            if task not in done:
                task.cancel()
        for task in (reader, writer):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
        await conn.finish_close()
    finally:
        OPEN.discard(conn)
        conn.sub.close()
        await conn.close(1000)
