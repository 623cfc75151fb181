"""Shared pieces of the live-path benchmarks: the real app as a subprocess on a free loopback
port, CPU/RSS of its process tree, the Prometheus scrape, API users, and the hub's tick phase.

Clocks: every process runs on this machine, so wall-clock times compare directly. A simulated
quote's `timestamp` is the step of the exchange's fixed grid (multiples of the tick interval
since the epoch) that the hub's fetch landed in; the hub's poll loop itself runs on its own
phase after that grid point. `calibrate_phase` measures that phase once, on an idle server,
so latencies count from the moment the hub fetched a price rather than from the grid point.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- process limits and ports ---------------------------------------------------------------
def raise_nofile(want: int = 65536) -> int:
    """Lift the soft open-files limit towards `want` (capped by the hard limit); returns it.
    Child processes (the server, the load generators) inherit the raised limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the app under test ---------------------------------------------------------------------
class BenchServer:
    """The production server (`stockapp/serve.py`, what scripts/entrypoint.sh runs) on
    127.0.0.1 with a throwaway SQLite database.

    `frontend=False` starts the backend only (API, /ws and Reflex's event socket): no build,
    ready in seconds. Chromium needs the frontend, which builds into the shared .web folder.
    `server` picks the ASGI server (`STOCKAPP_SERVER`: granian, or gunicorn with uvicorn
    workers, which must be importable, e.g. through PYTHONPATH); `uvicorn` runs the backend
    under plain uvicorn in one process (`bench/uvicorn_app.py`, backend only).
    """

    def __init__(
        self,
        *,
        frontend: bool,
        tick: float = 1.0,
        extra_env: dict[str, str] | None = None,
        server: str = "granian",
    ):
        self.frontend, self.tick, self.server = frontend, tick, server
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="stockapp-bench-"))
        self.log = self.tmp / "server.log"
        bin_dirs = [str(ROOT / ".tools/js/node_modules/.bin"), str(Path(sys.executable).parent)]
        self.env = {
            **os.environ,
            "PATH": os.pathsep.join([*bin_dirs, os.environ.get("PATH", "")]),
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "STOCKAPP_DATABASE_URL": f"sqlite:///{self.tmp / 'bench.db'}",
            "STOCKAPP_TICK_INTERVAL": str(tick),
            "STOCKAPP_ALLOWED_ORIGINS": f"http://127.0.0.1:{self.port},http://localhost:{self.port}",
            "STOCKAPP_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
            "STOCKAPP_SERVER": "granian" if server == "uvicorn" else server,
            # benches open thousands of sockets as one user from loopback
            "STOCKAPP_WS_MAX_CONNECTIONS_PER_USER": "1000000",
            "STOCKAPP_WS_MAX_CONNECTIONS_PER_IP": "1000000",
            # load generators register and log in hundreds of users from 127.0.0.1
            "STOCKAPP_LOGIN_IP_LIMIT": "100000/minute",
            "STOCKAPP_REGISTER_IP_LIMIT": "100000/minute",
            **(extra_env or {}),
        }
        self.env.pop("STOCKAPP_REDIS_URL", None)
        self.env.pop("REFLEX_REDIS_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> BenchServer:
        raise_nofile()
        subprocess.run(
            [sys.executable, "-m", "stockapp.db.migrate"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        port = str(self.port)
        cmd = [sys.executable, "-m", "stockapp.serve"]
        if self.frontend:
            cmd += ["--env", "prod", "--backend-host", "127.0.0.1"]
            cmd += ["--frontend-port", port, "--backend-port", port]
        elif self.server == "uvicorn":
            cmd = [sys.executable, str(ROOT / "bench" / "uvicorn_app.py"), port]
        else:
            cmd += ["--backend-only", port]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text()[-3000:]
                raise RuntimeError(f"app exited early; see {self.log}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                ok = httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200
                if ok and self.frontend:
                    ok = httpx.get(f"{self.url}/", timeout=2).status_code == 200
                if ok:
                    return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app did not start in {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.stop()
        if exc_type is None:  # keep the log and database of a failed run
            shutil.rmtree(self.tmp, ignore_errors=True)


class ProcessMeter:
    """CPU seconds and RSS of a process and all its descendants (the server's workers)."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self._known: dict[int, psutil.Process] = {}
        self._gone_cpu = 0.0

    def _tree(self) -> list[psutil.Process]:
        procs = [self.root]
        with contextlib.suppress(psutil.Error):
            procs += self.root.children(recursive=True)
        alive = {}
        for p in procs:
            alive[p.pid] = self._known.get(p.pid, p)
        for pid, p in self._known.items():
            if pid not in alive:  # exited: keep its last reading
                self._gone_cpu += getattr(p, "_bench_cpu", 0.0)
        self._known = alive
        return list(alive.values())

    def cpu_seconds(self) -> float:
        total = self._gone_cpu
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                p._bench_cpu = t.user + t.system  # type: ignore[attr-defined]
                total += p._bench_cpu  # type: ignore[attr-defined]
        return total

    def rss(self) -> int:
        total = 0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def busiest_rss(self) -> int:
        """RSS of the largest process in the tree: the worker that holds the sessions."""
        best = 0
        for p in self._tree():
            with contextlib.suppress(psutil.Error):
                best = max(best, p.memory_info().rss)
        return best

    def run_delay_seconds(self) -> float:
        """Seconds the tree's threads spent runnable but waiting for a CPU (Linux schedstat):
        on a shared machine, the part of any latency that other processes caused."""
        total = 0
        for p in self._tree():
            with contextlib.suppress(OSError, psutil.Error):
                for task in os.listdir(f"/proc/{p.pid}/task"):
                    with open(f"/proc/{p.pid}/task/{task}/schedstat") as fh:
                        total += int(fh.read().split()[1])
        return total / 1e9

    def cores_used(self, seconds: float) -> float:
        """Average cores busy over the next `seconds` (blocks)."""
        c0, t0 = self.cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        return (self.cpu_seconds() - c0) / (time.perf_counter() - t0)


def settle_rss(meter: ProcessMeter, seconds: float = 2.0) -> int:
    """Median of a few RSS readings of the busiest worker over `seconds`."""
    readings = []
    end = time.time() + seconds
    while time.time() < end:
        readings.append(meter.busiest_rss())
        time.sleep(0.25)
    return int(statistics.median(readings or [meter.busiest_rss()]))


# -- API helpers ----------------------------------------------------------------------------
def register_user(url: str, prefix: str = "bench") -> tuple[str, str]:
    """A fresh user through the REST API; returns (username, access token)."""
    name, password = f"{prefix}_{uuid.uuid4().hex[:10]}", "bench-password-1"
    with httpx.Client(base_url=url, timeout=20) as c:
        r = c.post("/api/v1/auth/register", json={"username": name, "password": password})
        r.raise_for_status()
        r = c.post("/api/v1/auth/token", data={"username": name, "password": password})
        r.raise_for_status()
        return name, r.json()["access_token"]


def scrape_metrics(url: str) -> dict[str, float]:
    """Unlabelled samples of /metrics (labelled ones keyed with their labels)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            out[name] = float(value)
    return out


def nse_symbols(count: int, *, skip: int = 0) -> list[str]:
    """`count` NSE equity symbols from the app's universe, in a stable order."""
    from stockapp.market.instruments import load_universe

    universe = load_universe()
    names = sorted(i.symbol for i in universe.equities("india_nse"))
    return names[skip : skip + count]


# -- timing ---------------------------------------------------------------------------------
_TS_CACHE: dict[str, float] = {}


def parse_ts(text: str) -> float:
    """Epoch seconds of an `iso_ms` timestamp ("2025-01-02T03:04:05.678Z"), cached."""
    hit = _TS_CACHE.get(text)
    if hit is None:
        hit = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
        if len(_TS_CACHE) > 10_000:
            _TS_CACHE.clear()
        _TS_CACHE[text] = hit
    return hit


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


async def calibrate_phase(
    ws_url: str, token: str, symbol: str, interval: float, ticks: int = 6
) -> float:
    """Seconds between a simulated quote's grid timestamp and its arrival at an idle client:
    the hub's tick phase plus the idle server's own delay (about a millisecond). Subtracting
    it from later arrivals leaves the time from the hub's fetch to the client."""
    import websockets

    offsets: list[float] = []
    async with websockets.connect(f"{ws_url}/ws?token={token}", compression=None) as ws:
        await ws.send(orjson.dumps({"action": "subscribe", "symbols": [symbol]}).decode())
        deadline = time.time() + interval * (ticks + 4) + 5
        first = True
        while len(offsets) < ticks and time.time() < deadline:
            text = await asyncio.wait_for(ws.recv(), interval * 3 + 5)
            now = time.time()
            msg = orjson.loads(text)
            if msg.get("type") != "price_update":
                continue
            if first:  # the subscription snapshot is not a tick
                first = False
                continue
            offsets.append(now - parse_ts(msg["timestamp"]))
    if not offsets:
        raise RuntimeError("no ticks arrived while calibrating the hub's phase")
    offsets.sort()
    if offsets[-1] - offsets[0] > interval / 2:  # the tick straddles a grid step: fold
        offsets = [o % interval for o in offsets]
    return min(offsets)


def latency_since_tick(recv: float, ts: float, phase: float, interval: float) -> float:
    """Seconds from the hub's fetch of a price stamped `ts` to `recv`.

    When the hub's phase sits within a few milliseconds of a grid step, jitter can stamp a
    fetch with the previous step; such a reading is one interval too long and is folded back.
    """
    lat = recv - ts - phase
    edge = min(phase % interval, interval - phase % interval)
    if edge < 0.02 * interval and lat > interval * 0.9:
        lat -= interval
    return lat


# -- reports --------------------------------------------------------------------------------
def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    rows = list(rows)
    if not rows:
        return
    widths = [max(len(t), *(len(str(r.get(k, ""))) for r in rows)) for k, t in columns]
    print("  ".join(t.rjust(w) for (_, t), w in zip(columns, widths, strict=True)))
    for r in rows:
        print(
            "  ".join(str(r.get(k, "")).rjust(w) for (k, _), w in zip(columns, widths, strict=True))
        )


def write_report(name: str, params: dict[str, Any], results: Any, out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": name,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in params.items()},
        "results": results,
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path
