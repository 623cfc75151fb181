"""The production server: `reflex run --env prod` with supervised workers.

Reflex's prod runner builds the frontend and then starts Granian without
`respawn_failed_workers`, so one worker that dies (SIGKILL, OOM, a crash) makes Granian stop
the whole app. This module runs the same CLI command (`python -m stockapp.serve --env prod
...` takes `reflex run`'s options) and swaps only the last step, the backend start, for one
that supervises its workers:

- granian (default): a dead worker is respawned by the supervisor (after a crash loop, one
  worker dying again within ~5 s of its respawn, Granian gives up and exits, so the container
  restarts instead of spinning); SIGHUP respawns the workers one at a time (a rolling
  restart: each old worker is stopped once its replacement reports ready); SIGTERM stops
  each worker gracefully and kills it after `STOCKAPP_SHUTDOWN_TIMEOUT` seconds.
- gunicorn (`STOCKAPP_SERVER=gunicorn`, needs `gunicorn` installed): the master respawns
  uvicorn workers; kept for the side-by-side comparison in docs/performance.md.

`GRANIAN_WORKERS` sets the number of workers for either server (Reflex's default: the CPU
count with Redis, else 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stockapp.settings import get_settings

log = logging.getLogger("stockapp.serve")
RESPAWN_INTERVAL = 2.0  # Granian's pause between a new worker's start and the old one's stop
# In a rolling restart the old worker is stopped only once its replacement reports ready (as
# `/api/v1/health/ready` would answer), or after this many seconds.
READY_TIMEOUT = 30.0
READY_DIR_ENV = "STOCKAPP_WORKER_READY_DIR"  # where workers announce readiness (pid files)


def worker_count() -> int:
    from reflex.utils import exec as rx_exec

    return int(os.getenv("GRANIAN_WORKERS", str(rx_exec._get_backend_workers())))


def kill_timeout() -> int:
    """Whole seconds the supervisor waits for a stopping worker before SIGKILL: the app's
    own shutdown budget plus a second for the server to finish."""
    return math.ceil(get_settings().shutdown_timeout) + 1


def drain_before_stop(loop: Any) -> Any:
    """Stands in for `granian._signals.set_loop_signals` in every worker: on SIGTERM/SIGINT
    run the app's drain (`stockapp.shutdown`) first, then let Granian stop the worker.
    Repeated signals (the supervisor relays the one the process group got) are ignored; the
    supervisor's kill timeout bounds the whole stop."""
    from granian._granian import WorkerSignal

    from stockapp.shutdown import drain

    stop = WorkerSignal()
    budget = get_settings().shutdown_timeout / 2

    def on_signal(signum: int, frame: Any) -> None:
        if not drain.begin():
            return
        task = loop.create_task(drain.run_hooks(budget))
        task.add_done_callback(lambda _task: stop.set())

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig, None)
    return stop


def supervisor_class() -> type:
    """Granian's server whose graceful respawns (SIGHUP, worker lifetime) hand over: the
    old worker is stopped only when its replacement is ready, so its clients reconnect to
    a worker that streams, and prices never pause for the start of a new process."""
    from granian.server import Server

    class Supervisor(Server):  # type: ignore[misc, valid-type]
        ready_dir: Path | None = None
        _handing_over = False

        def _respawn_workers(self, workers, spawn_target, target_loader, delay: float = 0):
            # Granian passes a delay for graceful respawns only, none after a crash
            self._handing_over = delay > 0 and self.ready_dir is not None
            try:
                super()._respawn_workers(
                    workers, spawn_target, target_loader, 0 if self._handing_over else delay
                )
            finally:
                self._handing_over = False

        def _spawn_worker(self, idx, target, callback_loader):
            worker = super()._spawn_worker(idx, target, callback_loader)
            if self._handing_over:
                start = worker.start

                def start_and_wait() -> None:
                    start()
                    self._wait_ready(worker)

                worker.start = start_and_wait
            return worker

        def _wait_ready(self, worker: Any) -> None:
            assert self.ready_dir is not None
            marker = self.ready_dir / str(worker._id())
            deadline = time.monotonic() + READY_TIMEOUT
            while not marker.exists() and worker.is_alive() and not self.interrupt_signal:
                if time.monotonic() > deadline:
                    log.warning("worker %s not ready after %gs", worker._id(), READY_TIMEOUT)
                    return
                time.sleep(0.05)

    return Supervisor


async def announce_ready(_runtime: Any) -> None:
    """Runtime start hook in every worker: once this worker would answer ready, leave a
    marker for the supervisor (only under `run_granian`, which names the folder)."""
    folder = os.environ.get(READY_DIR_ENV)
    if folder:
        _tasks.add(task := asyncio.create_task(_announce_when_ready(Path(folder))))
        task.add_done_callback(_tasks.discard)


_tasks: set[asyncio.Task[None]] = set()


async def _announce_when_ready(folder: Path) -> None:
    from stockapp.api.health import readiness

    deadline = time.monotonic() + READY_TIMEOUT  # the supervisor stops waiting then too
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if (await readiness()).ready:
                with contextlib.suppress(OSError):
                    (folder / str(os.getpid())).touch()
                return
        await asyncio.sleep(0.1)


def run_granian(host: str, port: int, loglevel: Any) -> None:
    """`reflex.utils.exec.run_granian_backend_prod` plus worker supervision."""
    import multiprocessing

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from reflex.utils import exec as rx_exec

    if (start_method := rx_exec._backend_start_method()) is not None:
        # as Reflex does: import the app once here so forked workers share its pages
        multiprocessing.set_start_method(start_method, force=True)
        if start_method == "fork" and not rx_exec._preload_for_fork(None):
            multiprocessing.set_start_method("spawn", force=True)
    ready_dir = Path(tempfile.mkdtemp(prefix="stockapp-ready-"))
    os.environ[READY_DIR_ENV] = str(ready_dir)  # inherited by every worker
    server = supervisor_class()(
        target=rx_exec.get_app_instance_from_file(),
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        log_level=LogLevels(os.getenv("GRANIAN_LOG_LEVEL", loglevel.value)),
        log_dictconfig=rx_exec._granian_log_dictconfig(),
        workers=worker_count(),
        respawn_failed_workers=True,
        respawn_interval=RESPAWN_INTERVAL,
        workers_kill_timeout=kill_timeout(),
    )
    server.ready_dir = ready_dir
    try:
        server.serve()
    finally:
        shutil.rmtree(ready_dir, ignore_errors=True)


def _install_drain() -> None:
    """Workers look `set_loop_signals` up when they start; forked ones inherit this module's
    patch, spawned ones re-import this module (their `__mp_main__`) and patch again."""
    import granian._signals

    from stockapp.runtime import on_start

    granian._signals.set_loop_signals = drain_before_stop
    on_start(announce_ready)


if get_settings().server == "granian":
    _install_drain()


def gunicorn_command(host: str, port: int, loglevel: Any) -> list[str]:
    from reflex.utils import exec as rx_exec

    return [
        sys.executable, "-m", "gunicorn", "--preload",
        "--worker-class", "uvicorn.workers.UvicornWorker",
        "--workers", str(worker_count()),
        "--bind", f"{host}:{port}",
        "--graceful-timeout", str(kill_timeout()),
        "--log-level", loglevel.value,
        f"{rx_exec.get_app_instance_from_file()}()",
    ]  # fmt: skip


def run_backend_prod(
    host: str, port: int, loglevel: Any, mount_frontend_compiled_app: bool = False
) -> None:
    """Stands in for `reflex.utils.exec.run_backend_prod` (same signature)."""
    from reflex_base.environment import environment

    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(mount_frontend_compiled_app)
    if get_settings().server == "gunicorn":
        environment.REFLEX_SKIP_COMPILE.set(True)
        command = gunicorn_command(host, port, loglevel)
        os.execvp(command[0], command)  # the master takes this pid and its signals
    run_granian(host, port, loglevel)


def run_backend_only(port: int, host: str = "127.0.0.1") -> None:
    """API, /ws and Reflex's event socket without the frontend build (benchmarks): the
    CLI's own `--backend-only` refuses the frontend port that rxconfig.py sets from PORT."""
    from reflex import reflex as rx_cli
    from reflex_base import constants
    from reflex_base.environment import environment

    environment.REFLEX_COMPILE_CONTEXT.set(constants.CompileContext.RUN)
    environment.REFLEX_BACKEND_ONLY.set(True)
    rx_cli._run(
        env=constants.Env.PROD,
        running_mode=constants.RunningMode.BACKEND_ONLY,
        backend_port=port,
        backend_host=host,
    )


def main(argv: list[str] | None = None) -> None:
    from reflex import reflex as rx_cli
    from reflex.utils import exec as rx_exec

    args = sys.argv[1:] if argv is None else argv
    # Reflex picks gunicorn by itself when gunicorn and uvicorn are importable: say which
    os.environ.setdefault("REFLEX_USE_GRANIAN", str(get_settings().server == "granian").lower())
    rx_exec.run_backend_prod = run_backend_prod  # looked up at call time by the prod runner
    if args[:1] == ["--backend-only"]:
        run_backend_only(int(args[1]) if len(args) > 1 else int(os.environ.get("PORT", "8000")))
        return
    rx_cli.cli(["run", *args])


if __name__ == "__main__":
    main()
