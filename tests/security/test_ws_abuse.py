"""/ws under hostile or broken clients, while an ordinary client watches prices.

* fuzz: random JSON, wrong types, huge numbers, unicode, deep nesting and binary frames each
  get an `error` frame (or a documented close: 1009 for oversized messages), never a crash;
* clients that connect and vanish without a close frame release their subscriptions;
* a client that never reads is closed with 1013, the server's memory stays bounded, and the
  watching client keeps receiving prices on time throughout.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from stockapp.market.instruments import load_universe
from tests.security import rawws
from tests.security.conftest import new_user

ERROR_CODES = {
    "bad_json",
    "unknown_action",
    "unknown_symbol",
    "too_many_subscriptions",
    "rate_limited",
    "invalid_message",
}
REPLY_TYPES = {"error", "pong", "price_update", "subscription_confirmed", "unsubscribed"}
ACTIONS = ["subscribe", "unsubscribe", "ping", "auth"]
MAX_BYTES = 4096


class Watcher:
    """An ordinary client on its own thread, recording when each price arrives."""

    def __init__(self, ws_url: str, token: str, symbols: list[str]):
        self.url, self.token, self.symbols = ws_url, token, symbols
        self.arrivals: list[float] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        try:
            async with websockets.connect(f"{self.url}?token={self.token}") as ws:
                await ws.send(json.dumps({"action": "subscribe", "symbols": self.symbols}))
                while not self.stop.is_set():
                    try:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    except TimeoutError:
                        continue
                    if msg["type"] == "price_update":
                        self.arrivals.append(time.monotonic())
        except BaseException as exc:
            self.error = exc

    def max_gap(self, since: float) -> float:
        times = [since, *[t for t in self.arrivals if t >= since], time.monotonic()]
        return max(b - a for a, b in itertools.pairwise(times))


@pytest.fixture(scope="module")
def token(sec_server) -> str:
    with httpx.Client(base_url=sec_server.url, timeout=10) as c:
        return new_user(c)[1]


@pytest.fixture(scope="module")
def watcher(sec_server, token) -> Iterator[Watcher]:
    w = Watcher(sec_server.ws, token, ["RELIANCE", "TCS", "INFY", "HDFCBANK", "ITC", "SBIN"])
    w.thread.start()
    deadline = time.time() + 10
    while not w.arrivals and time.time() < deadline:
        time.sleep(0.05)
    assert w.arrivals, f"watcher got no prices ({w.error!r})"
    yield w
    w.stop.set()
    w.thread.join(5)
    assert w.error is None, repr(w.error)


def subscribers(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return float(re.search(r"^stockapp_hub_subscribers (\S+)$", text, re.M).group(1))


# -- fuzz ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
wrongly_typed = st.fixed_dictionaries(
    {"action": st.sampled_from(ACTIONS) | st.text(max_size=12) | json_values},
    optional={
        "symbol": json_values | st.sampled_from(["RELIANCE", "reliance", "", "NIFTY 50"]),
        "symbols": json_values | st.lists(st.text(max_size=12), max_size=5),
        "market": json_values | st.sampled_from(["india_nse", "india_bse", "nyse"]),
        "token": json_values,
    },
)
frames = st.one_of(
    json_values.map(json.dumps),
    wrongly_typed.map(json.dumps),
    st.text(max_size=200),  # unicode, mostly not JSON
    st.integers(min_value=1, max_value=3000).map(lambda d: "[" * d + "]" * d),
    st.integers(min_value=10**20, max_value=10**400).map(lambda n: f'{{"action":"ping","n":{n}}}'),
    st.binary(max_size=64),
    st.just("x" * (MAX_BYTES + 1)),
)


def is_known_valid(text: str) -> bool:
    """Messages that may succeed: everything else must be answered with an error."""
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError):  # deep nesting: the server answers bad_json
        return False
    action = msg.get("action") if isinstance(msg, dict) else None
    return isinstance(action, str) and action in {"subscribe", "unsubscribe", "ping"}


async def exchange(url: str, token: str, messages: list[str | bytes]) -> None:
    """Send each message followed by a sentinel (a subscribe to a made-up symbol, whose
    `unknown_symbol` error names it), so the replies to each message are told apart."""
    async with websockets.connect(f"{url}?token={token}", max_size=None) as ws:
        for n, message in enumerate(messages):
            size = len(message) if isinstance(message, bytes) else len(message.encode())
            sentinel = f"SENTINEL{n}X"
            await ws.send(message)
            try:
                await ws.send(json.dumps({"action": "subscribe", "symbol": sentinel}))
                replies = []
                async with asyncio.timeout(5):
                    while True:
                        reply = json.loads(await ws.recv())
                        assert isinstance(reply, dict) and reply.get("type") in REPLY_TYPES, reply
                        if reply["type"] == "error" and f"'{sentinel}'" in reply["message"]:
                            break
                        replies.append(reply)
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else 1006
                assert code == 1009 and size > MAX_BYTES, (code, message[:80])
                return
            assert size <= MAX_BYTES, "an oversized message must close the socket with 1009"
            errors = [r for r in replies if r["type"] == "error"]
            assert all(e["code"] in ERROR_CODES and e["message"] for e in errors), errors
            if isinstance(message, bytes) or not is_known_valid(message):
                assert errors, f"no error for {message[:80]!r}"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(messages=st.lists(frames, min_size=1, max_size=6))
def test_fuzzed_messages_get_errors_not_crashes(sec_server, token, watcher, messages):
    asyncio.run(exchange(sec_server.ws, token, messages))


def test_server_and_watcher_fine_after_fuzz(sec_server, watcher):
    assert httpx.get(f"{sec_server.url}/api/v1/health", timeout=5).status_code == 200
    since = time.monotonic()
    time.sleep(1.0)
    assert watcher.max_gap(since) < 1.5


# -- vanishing and slow clients --------------------------------------------------------------


def test_clients_that_vanish_release_their_subscriptions(sec_server, token, watcher):
    baseline = subscribers(sec_server.url)
    sub = rawws.text_frame(json.dumps({"action": "subscribe", "symbols": ["TCS", "WIPRO"]}))
    open_socks = []
    for i in range(1000):
        sock = rawws.connect(sec_server.url, f"/ws?token={token}")
        sock.sendall(sub)
        open_socks.append(sock)
        if len(open_socks) >= 50:  # vanish in waves, half with RST, half with FIN
            for j, s in enumerate(open_socks):
                rawws.vanish(s, reset=(i + j) % 2 == 0)
            open_socks.clear()
    for s in open_socks:
        rawws.vanish(s, reset=False)
    deadline = time.time() + 20
    while subscribers(sec_server.url) > baseline and time.time() < deadline:
        time.sleep(0.2)
    assert subscribers(sec_server.url) == baseline
    assert httpx.get(f"{sec_server.url}/api/v1/health", timeout=5).status_code == 200


def test_client_that_never_reads_is_closed_1013_without_slowing_others(sec_server, token, watcher):
    symbols = [i.symbol for i in load_universe().equities("india_nse")][:200]
    proc = psutil.Process(sec_server.proc.pid)
    baseline = subscribers(sec_server.url)
    rss_before = rss_peak = proc.memory_info().rss
    sock = rawws.connect(sec_server.url, f"/ws?token={token}", rcvbuf=2048)
    sock.sendall(rawws.text_frame(json.dumps({"action": "subscribe", "symbols": symbols})))
    since = time.monotonic()
    released = False
    deadline = time.time() + 40
    while time.time() < deadline:  # never read: the server must give up on this client
        rss_peak = max(rss_peak, proc.memory_info().rss)
        if time.monotonic() - since > 1 and subscribers(sec_server.url) <= baseline:
            released = True
            break
        time.sleep(0.25)
    gap = watcher.max_gap(since)
    received = drain(sock)
    sock.close()
    assert released, "a client that never reads must be dropped and its subscription released"
    assert 1013 in close_codes(received), "closed with 1013 (try again later)"
    assert gap < 2.0, f"the watching client waited {gap:.2f}s for a price meanwhile"
    assert rss_peak - rss_before < 60 * 2**20, "server memory grew without bound"


def drain(sock, seconds: float = 10.0) -> bytes:
    """Everything the server sent until it closed the connection (or `seconds` passed)."""
    sock.settimeout(1.0)
    data = bytearray()
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
        if close_codes(data[-64:]):
            break
    return bytes(data)


def close_codes(data: bytes) -> set[int]:
    """Close codes of server close frames (0x88, length, 2-byte code) found in the stream."""
    return {
        int.from_bytes(data[m.end() : m.end() + 2], "big")
        for m in re.finditer(rb"\x88[\x02-\x7d]", data)
        if m.end() + 2 <= len(data)
    }
