"""The production launcher (stockapp/serve.py) replaces two steps of the pinned Reflex and
Granian: these checks fail loudly if an upgrade moves either hook, instead of the server
silently losing worker supervision or the graceful drain."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal

import granian._granian as granian_granian
import granian.server.mp as granian_mp
from reflex import reflex as rx_cli
from reflex.utils import exec as rx_exec

from stockapp import serve
from stockapp.shutdown import drain


def test_reflex_prod_runner_still_starts_the_backend_through_the_replaced_function() -> None:
    assert "exec.run_backend_prod(" in inspect.getsource(rx_cli._run_prod)
    theirs = list(inspect.signature(rx_exec.run_backend_prod).parameters)
    assert list(inspect.signature(serve.run_backend_prod).parameters) == theirs


def test_granian_workers_still_look_up_their_signal_setup_when_they_start() -> None:
    source = inspect.getsource(granian_mp.MPServer._spawn_asgi_lifespan_worker)
    assert "from granian._signals import set_loop_signals" in source
    params = inspect.signature(granian_mp.MPServer.__init__).parameters
    assert {"respawn_failed_workers", "workers_kill_timeout", "respawn_interval"} <= set(params)


def test_sigterm_runs_the_drain_before_the_worker_is_told_to_stop(monkeypatch) -> None:
    order: list[str] = []

    class Stop:  # stands in for Granian's WorkerSignal, which its server loop waits on
        def set(self) -> None:
            order.append("stop")

    monkeypatch.setattr(granian_granian, "WorkerSignal", Stop)

    async def hook() -> None:
        await asyncio.sleep(0.05)
        order.append("drained")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        serve.drain_before_stop(loop)
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)  # relayed again by the supervisor: ignored
        try:
            for _ in range(100):
                if "stop" in order:
                    break
                await asyncio.sleep(0.02)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    drain.on_drain(hook)
    try:
        asyncio.run(main())
    finally:
        drain.remove(hook)
        drain.reset()
    assert order == ["drained", "stop"]
