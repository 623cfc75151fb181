"""Where the server's time goes on the live paths: the app's backend in this process (uvicorn,
as granian workers cannot be sampled from outside), driven by the benchmarks' own client
processes, sampled with pyinstrument for `--duration` seconds.

    python bench/profile_live.py ui --clients 200     # Reflex sessions on the Watchlist page
    python bench/profile_live.py ws --clients 2000    # /ws connections, 3 symbols each

Writes bench/results/profile_<mode>.txt (the call tree, hot paths first).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from common import RESULTS, ROOT, ProcessMeter, free_port, nse_symbols, raise_nofile, register_user


def _prepare_env(tick: float) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="stockapp-profile-"))
    os.environ.update(
        STOCKAPP_DATABASE_URL=f"sqlite:///{tmp / 'profile.db'}",
        STOCKAPP_TICK_INTERVAL=str(tick),
        STOCKAPP_JWT_SECRET=uuid.uuid4().hex * 2,
        STOCKAPP_WS_MAX_CONNECTIONS_PER_USER="1000000",  # one user's sockets from loopback
        STOCKAPP_WS_MAX_CONNECTIONS_PER_IP="1000000",
    )
    os.environ.pop("STOCKAPP_REDIS_URL", None)
    os.environ.pop("REFLEX_REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "stockapp.db.migrate"], cwd=ROOT, check=True, capture_output=True
    )
    from reflex_base import constants as c
    from reflex_base.environment import environment as e

    e.REFLEX_ENV_MODE.set(c.Env.PROD)
    e.REFLEX_SKIP_COMPILE.set(True)
    e.REFLEX_COMPILE_CONTEXT.set(c.CompileContext.RUN)
    e.REFLEX_BACKEND_ONLY.set(True)


def _start_clients(mode: str, ws_url: str, jwt: str, n: int, symbols: list[str], budget: float):
    ctx = mp.get_context("spawn")
    out, ctl = ctx.Queue(), ctx.Queue()
    if mode == "ui":
        from ui_sessions import session_process as target

        cfg = {
            "index": 0, "sessions": n, "ws_url": ws_url, "jwt": jwt, "sample_key": symbols[0],
            "sample_every": 10**9, "hydrate_concurrency": 16, "max_seconds": budget,
            "ready_timeout": 300,
        }  # fmt: skip
    else:
        from ws_fanout import client_process as target

        cfg = {
            "index": 0, "connections": n, "ws_url": ws_url, "token": jwt, "pool": symbols,
            "symbols_per_conn": 3, "seed": 3, "phase": 0.0, "tick": 1.0, "max_seconds": budget,
            "connect_concurrency": 100,
        }  # fmt: skip
    proc = ctx.Process(target=target, args=(cfg, ctl, out), daemon=True)
    proc.start()
    return proc, ctl, out


async def _wait_queue(q, kind: str, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = time.time() + seconds
    while time.time() < deadline:
        msg = await loop.run_in_executor(None, _get, q)
        if msg is not None and msg[0] == kind:
            return


def _get(q):
    try:
        return q.get(True, 1.0)
    except Exception:
        return None


async def profile(args: argparse.Namespace) -> str:
    import uvicorn
    from price_probe import make_watchlist
    from pyinstrument import Profiler

    from stockapp.stockapp import app

    port = free_port()
    config = uvicorn.Config(
        app(), host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.1)
    url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    loop = asyncio.get_running_loop()
    _, jwt = await loop.run_in_executor(None, register_user, url)
    if args.mode == "ui":
        symbols = await loop.run_in_executor(None, make_watchlist, url, jwt, 20)
    else:
        symbols = nse_symbols(50)
    proc, ctl, out = _start_clients(
        args.mode, ws_url, jwt, args.clients, symbols, args.duration + 400
    )
    if args.mode == "ws":
        await _wait_queue(out, "connected", 300)
        ctl.put(("subscribe",))
    else:
        await _wait_queue(out, "ready", 300)
    await asyncio.sleep(args.warmup)
    meter = ProcessMeter(os.getpid())
    c0 = meter.cpu_seconds()
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    await asyncio.sleep(args.duration)
    profiler.stop()
    cpu = meter.cpu_seconds() - c0
    t_end = time.time()
    ctl.put(("window", t_end - 1, t_end))
    await asyncio.sleep(3)
    proc.join(5)
    if proc.is_alive():
        proc.kill()
    server.should_exit = True
    await asyncio.wait_for(serving, 20)
    header = (
        f"mode={args.mode} clients={args.clients} seconds={args.duration} process_cpu_s={cpu:.2f}\n"
    )
    compact = profiler.output_text(unicode=False, color=False, show_all=False)
    full = profiler.output_text(unicode=False, color=False, show_all=True)
    return header + compact + "\n\nEvery frame:\n" + full


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["ui", "ws"])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--duration", type=float, default=10.0, help="profiled seconds")
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--tick", type=float, default=1.0)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="text file (default bench/results/profile_<mode>.txt)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    raise_nofile()
    _prepare_env(args.tick)
    text = asyncio.run(profile(args))
    out = args.out or RESULTS / f"profile_{args.mode}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text.split("\n\nEvery frame:")[0])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
