"""Cost of the /ws slow-reader probe (`stockapp/api/send_queue.py`) with many TCP sockets open.

Opens `--connections` loopback connections in this process (each is two sockets, both listed
by the kernel), then times one lookup each way: the netlink `sock_diag` exact query the probe
uses, and the /proc/net/tcp{,6} read-and-parse it falls back to. A /ws writer asks after every
`STOCKAPP_WS_MAX_BUFFERED_BYTES / 4` bytes sent, so at 10,000 connections the probe runs
about every few milliseconds; the /proc read blocked the event loop for the whole table.

    python bench/send_queue_probe.py --connections 5000
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import ms, print_table, raise_nofile, write_report

from stockapp.api.send_queue import SendQueues


def _timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile(2 * args.connections + 1000)
    pairs: list[tuple[socket.socket, socket.socket]] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4096)
        try:
            for _ in range(args.connections):
                client = socket.create_connection(listener.getsockname())
                server, _ = listener.accept()
                pairs.append((client, server))
            server = pairs[-1][1]
            local, peer = server.getsockname(), server.getpeername()
            with open("/proc/net/tcp") as fh:
                lines = sum(1 for _ in fh)
            netlink = SendQueues()
            tables = SendQueues(max_age=0)
            tables._diag = None
            nl_s = (
                _timed(lambda: netlink.queued(local, peer), 200)
                if netlink.method == "netlink"
                else 0.0
            )
            proc_s = _timed(lambda: tables.queued(local, peer), args.repeat)
        finally:
            for a, b in pairs:
                a.close()
                b.close()
    return {
        "connections": args.connections,
        "proc_net_tcp_lines": lines,
        "method": netlink.method,
        "netlink_lookup_ms": round(nl_s * 1000, 3),
        "proc_refresh_ms": ms(proc_s),
        "ratio": round(proc_s / nl_s) if nl_s else None,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--connections", type=int, default=5000, help="loopback connections held")
    p.add_argument("--repeat", type=int, default=5, help="/proc reads timed (median)")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    row = run(args)
    print_table(
        [row],
        [
            (k, k)
            for k in ("connections", "proc_net_tcp_lines", "netlink_lookup_ms", "proc_refresh_ms")
        ],
    )
    write_report("send_queue_probe", vars(args), row, args.out)


if __name__ == "__main__":
    main()
