"""How many bytes sit unsent in a connection's kernel send queue (Linux only).

An ASGI server hides its sockets, and most servers' WebSocket `send` returns as soon as the
kernel takes the bytes: with loopback's autotuned buffers a client that stopped reading
can have megabytes queued before a send ever blocks. The kernel publishes each TCP
socket's send-queue length (`tx_queue`) in /proc/net/tcp and /proc/net/tcp6, keyed by the
two endpoints the ASGI scope already names, so a writer can see a backlog building and
stop feeding it long before the buffers fill.

The tables are read at most once per `max_age` seconds per process, and only when a
writer asks (after it has sent a good number of bytes). Elsewhere (no /proc) the probe
answers None and writers fall back to their send timeout.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path

Endpoint = tuple[str, int]
_Key = tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]
TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
ESTABLISHED = "01"


def _endpoint(hex_addr: str) -> _Key:
    """'0100007F:1F90' (IPv4, little-endian words) or the 32-digit IPv6 form."""
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    # each 32-bit word is in host (little-endian) order
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(packed)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip, int(port, 16)


def _key(endpoint: Endpoint) -> _Key | None:
    try:
        ip = ipaddress.ip_address(endpoint[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip, int(endpoint[1])


class SendQueues:
    def __init__(self, max_age: float = 0.25, tables: tuple[Path, ...] = TABLES):
        self.max_age, self.tables = max_age, tables
        self._queues: dict[tuple[_Key, _Key], int] = {}
        self._read_at = float("-inf")
        self.available = any(t.exists() for t in tables)

    def queued(self, local: Endpoint | None, peer: Endpoint | None) -> int | None:
        """Bytes waiting in the kernel to go from `local` to `peer`; None if unknown."""
        if not self.available or local is None or peer is None:
            return None
        a, b = _key(local), _key(peer)
        if a is None or b is None:
            return None
        if time.monotonic() - self._read_at > self.max_age:
            self._refresh()
        return self._queues.get((a, b))

    def _refresh(self) -> None:
        queues: dict[tuple[_Key, _Key], int] = {}
        for table in self.tables:
            try:
                lines = table.read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) < 5 or fields[3] != ESTABLISHED:
                    continue
                try:
                    key = (_endpoint(fields[1]), _endpoint(fields[2]))
                except ValueError:
                    continue
                queues[key] = int(fields[4].split(":")[0], 16)
        self._queues, self._read_at = queues, time.monotonic()


send_queues = SendQueues()
