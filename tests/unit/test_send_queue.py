"""The kernel send-queue probe behind the /ws slow-reader check, on real loopback sockets."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest

from stockapp.api.send_queue import SendQueues

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


@pytest.fixture
def stalled() -> Iterator[tuple[socket.socket, int]]:
    """A server-side socket whose client never reads, with its send buffers filled."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        server, _ = listener.accept()
    server.setblocking(False)
    sent = 0
    try:
        while True:
            sent += server.send(b"x" * 65536)
    except BlockingIOError:
        pass
    yield server, sent
    server.close()
    client.close()


def test_netlink_probe_sees_the_backlog_of_one_socket(stalled: tuple[socket.socket, int]):
    server, sent = stalled
    probe = SendQueues()
    if probe.method != "netlink":
        pytest.skip("no NETLINK_SOCK_DIAG here")
    queued = probe.queued(server.getsockname(), server.getpeername())
    assert queued is not None
    assert 0 < queued <= sent
    # the reverse direction (nothing unsent) and an unknown pair
    assert probe.queued(server.getpeername(), server.getsockname()) == 0
    assert probe.queued(("127.0.0.1", 1), ("127.0.0.1", 2)) is None


def test_netlink_and_proc_tables_agree(stalled: tuple[socket.socket, int]):
    server, _ = stalled
    local, peer = server.getsockname(), server.getpeername()
    netlink = SendQueues()
    tables = SendQueues(max_age=0)
    tables._diag = None  # the fallback
    if netlink.method != "netlink" or tables.method != "proc":
        pytest.skip("needs both netlink and /proc/net/tcp")
    assert netlink.queued(local, peer) == tables.queued(local, peer) > 0


def test_mapped_ipv6_listener_is_found():
    with socket.socket(socket.AF_INET6) as listener:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(("::", 0))
        listener.listen()
        with socket.create_connection(("127.0.0.1", listener.getsockname()[1])) as client:
            server, _ = listener.accept()
            with server:
                probe = SendQueues()
                if probe.method != "netlink":
                    pytest.skip("no NETLINK_SOCK_DIAG here")
                local = ("127.0.0.1", server.getsockname()[1])
                peer = ("127.0.0.1", client.getsockname()[1])
                assert probe.queued(local, peer) == 0
