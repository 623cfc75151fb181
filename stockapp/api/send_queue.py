"""How many bytes sit unsent in a connection's kernel send queue (Linux only).

An ASGI server hides its sockets, and most servers' WebSocket `send` returns as soon as the
kernel takes the bytes: with loopback's autotuned buffers a client that stopped reading
can have megabytes queued before a send ever blocks. The kernel knows each TCP socket's
send-queue length, keyed by the two endpoints the ASGI scope already names, so a writer can
see a backlog building and stop feeding it long before the buffers fill.

The kernel is asked about the one socket (a `sock_diag` netlink request for an exact
4-tuple, the interface `ss` uses): about 0.1 ms whatever the number of open sockets. Where
netlink is unavailable the probe falls back to reading /proc/net/tcp and /proc/net/tcp6,
at most once per `max_age` seconds per process; that costs time in proportion to every TCP
socket on the machine (~0.3 s per read with 10,000 connections), so it is the fallback
only. Elsewhere (no /proc) the probe answers None and writers fall back to their send
timeout.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import struct
import time
from pathlib import Path

Endpoint = tuple[str, int]
_Addr = ipaddress.IPv4Address | ipaddress.IPv6Address
_Key = tuple[_Addr, int]
TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
ESTABLISHED = "01"

# linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x1
NLMSG_ERROR = 0x2
ALL_STATES = 0xFFFFFFFF
NO_COOKIE = b"\xff" * 8
# nlmsghdr + inet_diag_req_v2 (family, protocol, ext, pad, states, inet_diag_sockid)
_REQUEST = struct.Struct("=IHHII BBBBI HH16s16sI8s")
# inet_diag_msg after its nlmsghdr: family..retrans (4), sockid (48), expires, rqueue, wqueue
_WQUEUE_OFFSET = 16 + 4 + 48 + 4 + 4
_ERRNO_OFFSET = 16


def _endpoint(hex_addr: str) -> _Key:
    """'0100007F:1F90' (IPv4, little-endian words) or the 32-digit IPv6 form."""
    addr, port = hex_addr.split(":")
    raw = bytes.fromhex(addr)
    # each 32-bit word is in host (little-endian) order
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return _unmapped(ipaddress.ip_address(packed)), int(port, 16)


def _unmapped(ip: _Addr) -> _Addr:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _key(endpoint: Endpoint) -> _Key | None:
    try:
        ip = ipaddress.ip_address(endpoint[0])
    except ValueError:
        return None
    return _unmapped(ip), int(endpoint[1])


class SockDiag:
    """Exact per-socket lookups over a NETLINK_SOCK_DIAG socket."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
        self._sock.settimeout(0.05)  # the kernel answers at once; never stall the event loop
        self._seq = 0

    def close(self) -> None:
        self._sock.close()

    def send_queue(self, local: _Key, peer: _Key) -> int | None:
        """Unsent bytes of the TCP socket from `local` to `peer`; None if there is none.
        An IPv4 pair is also looked for as IPv4-mapped IPv6 (a dual-stack listener)."""
        (lip, lport), (pip, pport) = local, peer
        if lip.version == 4 and pip.version == 4:
            found = self._ask(socket.AF_INET, lip.packed, lport, pip.packed, pport)
            if found is not None:
                return found
            lip, pip = (
                ipaddress.IPv6Address(b"\0" * 10 + b"\xff\xff" + ip.packed) for ip in (lip, pip)
            )
        if lip.version != pip.version:
            return None
        return self._ask(socket.AF_INET6, lip.packed, lport, pip.packed, pport)

    def _ask(self, family: int, src: bytes, sport: int, dst: bytes, dport: int) -> int | None:
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        request = _REQUEST.pack(
            _REQUEST.size, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, self._seq, 0,
            family, socket.IPPROTO_TCP, 0, 0, ALL_STATES,
            socket.htons(sport), socket.htons(dport), src.ljust(16, b"\0"),
            dst.ljust(16, b"\0"), 0, NO_COOKIE,
        )  # fmt: skip
        self._sock.send(request)
        while True:
            data = self._sock.recv(8192)
            _length, kind, _flags, seq = struct.unpack_from("=IHHI", data)
            if seq != self._seq:
                continue  # an answer to an earlier request that timed out
            if kind == NLMSG_ERROR:
                code = -struct.unpack_from("=i", data, _ERRNO_OFFSET)[0]
                if code == errno.ENOENT:
                    return None
                raise OSError(code, "sock_diag lookup failed")
            return struct.unpack_from("=I", data, _WQUEUE_OFFSET)[0]


class SendQueues:
    def __init__(self, max_age: float = 0.25, tables: tuple[Path, ...] = TABLES):
        self.max_age, self.tables = max_age, tables
        self._queues: dict[tuple[_Key, _Key], int] = {}
        self._read_at = float("-inf")
        self._diag: SockDiag | None = None
        with contextlib.suppress(OSError):
            self._diag = SockDiag()
        self.available = self._diag is not None or any(t.exists() for t in tables)

    @property
    def method(self) -> str:
        """How the kernel is asked: "netlink", "proc" or "none"."""
        if self._diag is not None:
            return "netlink"
        return "proc" if self.available else "none"

    def queued(self, local: Endpoint | None, peer: Endpoint | None) -> int | None:
        """Bytes waiting in the kernel to go from `local` to `peer`; None if unknown."""
        if not self.available or local is None or peer is None:
            return None
        a, b = _key(local), _key(peer)
        if a is None or b is None:
            return None
        if self._diag is not None:
            try:
                return self._diag.send_queue(a, b)
            except TimeoutError:  # unknown this time; the writer asks again later
                return None
            except OSError:  # netlink refused: use the tables from now on
                self._diag.close()
                self._diag = None
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
