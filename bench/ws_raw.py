"""A bare WebSocket client on an asyncio Protocol, for load generation.

The `websockets` library spends tens of microseconds per received message; at 10,000
connections and 30,000 messages a second, clients built on it need more CPU than this
machine has left after the server, and then measure themselves. This client does the minimum
RFC 6455 asks of a client: the upgrade handshake, masked frames out, unmasked frames in
(server frames are never masked), and nothing else: no extensions, no fragmentation (the
server sends each price as one frame), pings answered, close frames ending the connection.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable

OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class RawWebSocket(asyncio.Protocol):
    """Calls `on_text(payload_bytes)` for every text frame; `closed` resolves on close."""

    def __init__(self, on_text: Callable[[bytes], None]):
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:end]).split(b"\r\n", 1)[0]
            del self.buf[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded.set_result(True)
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        while len(buf) >= 2:
            n, off = buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < off + n:
                return
            opcode = buf[0] & 0x0F
            payload = bytes(buf[off : off + n])
            del buf[: off + n]
            if opcode == OP_TEXT:
                self.on_text(payload)
            elif opcode == OP_PING:
                self.send(payload, OP_PONG)
            elif opcode == OP_CLOSE:
                self.close()
                return

    def send(self, payload: bytes, opcode: int = OP_TEXT) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(opcode, payload))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(OP_CLOSE, (1000).to_bytes(2, "big")))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or ConnectionError("closed before upgrade"))
        if not self.closed.done():
            self.closed.set_result(exc)


async def connect(
    host: str, port: int, path: str, on_text: Callable[[bytes], None]
) -> RawWebSocket:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: RawWebSocket(on_text), host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    proto.transport.write(request.encode())  # type: ignore[union-attr]
    await proto.upgraded
    return proto
