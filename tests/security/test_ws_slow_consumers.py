"""/ws slow consumers and bursts, against granian (the server `reflex run --env prod` uses).

granian's WebSocket send returns as soon as the kernel takes the bytes, so with loopback's
autotuned buffers a client that stopped reading had megabytes queued before any send
blocked, and its 1013 close frame was then cut off when the reader half of the connection
finished. Now the writer watches the kernel send queue: past
`STOCKAPP_WS_MAX_BUFFERED_BYTES` it stops sending, and a backlog that does not clear is
closed with 1013. A client that floods messages gets its 1008 close frame instead of a
connection reset.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from stockapp.market.instruments import load_universe
from tests.security import rawws
from tests.security.conftest import SecServer, new_user, start_api_process, stop_process

MAX_BUFFERED = 128 * 1024


@pytest.fixture(scope="module")
def granian_server(tmp_root) -> Iterator[SecServer]:
    server = start_api_process(
        tmp_root,
        "ws-granian",
        server="granian",
        STOCKAPP_WS_MAX_BUFFERED_BYTES=str(MAX_BUFFERED),
    )
    yield server
    stop_process(server.proc)


@pytest.fixture(scope="module")
def token(granian_server) -> str:
    with httpx.Client(base_url=granian_server.url, timeout=10) as c:
        return new_user(c)[1]


def subscribers(base: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=5).text
    return float(re.search(r"^stockapp_hub_subscribers (\S+)$", text, re.M).group(1))


def read_all(sock: socket.socket, seconds: float = 15.0) -> tuple[bytes, str]:
    """Everything the server sent, and how it ended: "eof", "reset" or "open"."""
    sock.settimeout(1.0)
    data = bytearray()
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return bytes(data), "reset"
        if not chunk:
            return bytes(data), "eof"
        data += chunk
    return bytes(data), "open"


def close_codes(data: bytes) -> list[int]:
    """Close codes of unmasked server close frames (0x88, length, 2-byte code)."""
    return [
        int.from_bytes(data[m.end() : m.end() + 2], "big")
        for m in re.finditer(rb"\x88[\x02-\x7d]", data)
        if m.end() + 2 <= len(data)
    ]


def test_reader_that_stops_gets_1013_with_a_bounded_backlog(granian_server, token):
    symbols = [i.symbol for i in load_universe().equities("india_nse")][:200]
    baseline = subscribers(granian_server.url)
    sock = rawws.connect(granian_server.url, f"/ws?token={token}", rcvbuf=2048)
    sock.sendall(rawws.text_frame(json.dumps({"action": "subscribe", "symbols": symbols})))
    released = False
    deadline = time.time() + 40
    while time.time() < deadline:  # never read: the server must give up on this client
        time.sleep(0.25)
        if subscribers(granian_server.url) <= baseline:
            released = True
            break
    data, ended = read_all(sock)
    sock.close()
    assert released, "a client that never reads must be dropped and its subscription released"
    codes = close_codes(data[-64:])
    assert codes and codes[-1] == 1013, (ended, len(data), data[-16:])
    # what the client finds queued: the bound plus what the kernel's receive side holds
    assert len(data) < 4 * MAX_BUFFERED, f"{len(data)} bytes were queued for a stalled client"


def test_message_burst_ends_with_a_close_frame_not_a_reset(granian_server, token):
    sock = rawws.connect(granian_server.url, f"/ws?token={token}")
    ping = rawws.text_frame('{"action":"ping"}')
    # the server may close before the burst is through; what it sent still counts
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(ping * 10_000)
    data, ended = read_all(sock)
    sock.close()
    assert ended != "reset", "the connection was reset: the client never saw why"
    assert 1008 in close_codes(data), (ended, data[-32:])
    assert b"rate_limited" in data
