"""Granian against gunicorn with uvicorn workers, side by side in one run, both started by
the production launcher (`stockapp/serve.py`, `STOCKAPP_SERVER`).

Per server: respawn (two workers; one SIGKILLed while a client polls `/api/v1/health` 20
times a second: failed requests, seconds until the replacement answers, whether the server
survived), then the `/ws` fan-out bench (CPU per 1,000 messages, RSS per idle connection) and
the Reflex sessions bench (CPU per session-update), each small.

    PYTHONPATH=/path/to/gunicorn python bench/servers.py --connections 500 --sessions 200
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil
import ui_sessions
import ws_fanout
from common import BenchServer, print_table, write_report


def respawn_probe(server_name: str, seconds: float = 12.0) -> dict[str, Any]:
    with BenchServer(frontend=False, server=server_name, extra_env={"GRANIAN_WORKERS": "2"}) as s:
        root = psutil.Process(s.proc.pid)  # type: ignore[union-attr]
        url = f"{s.url}/api/v1/health"
        with httpx.Client(timeout=2) as client:
            seen: set[int] = set()
            end = time.time() + 5
            while time.time() < end and len(seen) < 2:  # both workers answer
                seen.add(client.get(url, headers={"Connection": "close"}).json()["pid"])
            victim = next(iter(seen))
            os.kill(victim, signal.SIGKILL)
            killed, failures, replaced_after = time.monotonic(), 0, None
            while time.monotonic() - killed < seconds:
                try:
                    r = client.get(url, headers={"Connection": "close"})
                    pid = r.json()["pid"]
                    if pid not in seen and replaced_after is None:
                        replaced_after = time.monotonic() - killed
                except (httpx.HTTPError, ValueError):
                    failures += 1
                time.sleep(0.05)
            workers = [p.pid for p in root.children(recursive=True)]
        return {
            "server_survived": s.proc.poll() is None,  # type: ignore[union-attr]
            "replacement_answers_after_s": None
            if replaced_after is None
            else round(replaced_after, 2),
            "failed_requests_after_kill": failures,
            "processes_after": len(workers),
        }


def compare(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for name in args.servers:
        row: dict[str, Any] = {"server": name, **respawn_probe(name)}
        ws = ws_fanout.run(
            ws_fanout.parse_args(
                ["--connections", str(args.connections), "--duration", str(args.duration),
                 "--procs", "2", "--server", name]
            )
        )  # fmt: skip
        ui = ui_sessions.run(
            ui_sessions.parse_args(
                ["--sessions", str(args.sessions), "--duration", str(args.duration),
                 "--tabs", "0", "--procs", "1", "--server", name]
            )
        )  # fmt: skip
        row.update(
            ws_cpu_ms_per_1000_msgs=ws.get("cpu_ms_per_1000_msgs"),
            ws_rss_idle_kb_per_conn=ws.get("rss_idle_kb_per_conn"),
            ws_latency_p50_ms=ws.get("latency_p50_ms"),
            ui_cpu_ms_per_session_update=ui.get("cpu_ms_per_update"),
            ui_latency_p50_ms=ui.get("latency_p50_ms"),
        )
        rows.append(row)
    return rows


COLUMNS = (
    ("server", "server"),
    ("server_survived", "survived kill"),
    ("replacement_answers_after_s", "respawn s"),
    ("failed_requests_after_kill", "failed reqs"),
    ("ws_cpu_ms_per_1000_msgs", "ws cpu ms/1k"),
    ("ws_rss_idle_kb_per_conn", "idle KB/conn"),
    ("ui_cpu_ms_per_session_update", "ui cpu ms/upd"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--servers", nargs="+", default=["granian", "gunicorn"])
    p.add_argument("--connections", type=int, default=500, help="/ws clients")
    p.add_argument("--sessions", type=int, default=200, help="Reflex sessions")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per bench")
    p.add_argument("--out", type=Path, default=None, help="JSON (default results/servers.json)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rows = compare(args)
    print_table(rows, COLUMNS)
    write_report("servers", vars(args), rows, args.out)


if __name__ == "__main__":
    main()
