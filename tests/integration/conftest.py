"""Real worker processes against the real Redis and PostgreSQL.

Each test run gets its own PostgreSQL database and its own Redis key/channel prefix, so it
shares the servers with anything else without seeing it. Every process is started in its own
process group and killed at the end, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import TEST_IP_LIMIT, free_port

ROOT = Path(__file__).resolve().parents[2]
JWT_SECRET = "cluster-secret-" + "y" * 40
TICK = 0.25


def admin_execute(postgres_url: str, sql: str) -> None:
    url = make_url(postgres_url).set(database="postgres")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database name nobody uses (not created: the code under test creates it)."""
    name = f"stockapp_it_{uuid.uuid4().hex[:10]}"
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cluster_env(database_url: str, redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKAPP_", "REFLEX_"))}
    env.update(
        STOCKAPP_ENV="test",
        STOCKAPP_DATABASE_URL=database_url,
        STOCKAPP_REDIS_URL=redis_url,
        STOCKAPP_REDIS_PREFIX=prefix,
        STOCKAPP_JWT_SECRET=JWT_SECRET,
        STOCKAPP_TICK_INTERVAL=str(TICK),
        STOCKAPP_LOGIN_IP_LIMIT=TEST_IP_LIMIT,
        STOCKAPP_REGISTER_IP_LIMIT=TEST_IP_LIMIT,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Proc:
    """One child process in its own group, with its output kept in a file for failures."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)
        self._out.close()

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after a few seconds."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(8)
        self.kill()

    def tail(self, chars: int = 3000) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")[-chars:]


class Worker:
    """A standalone API server (REST, /ws, /metrics) as one worker of the cluster."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        args = [
            sys.executable, "-m", "uvicorn", "--factory", "tests.integration.serve:make_app",
            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
            "--log-level", "warning",
        ]  # fmt: skip
        self.proc = Proc(args, env, tmp / f"{name}.log")

    def wait_ready(self, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.proc.alive():
                raise RuntimeError(f"worker {self.name} exited:\n{self.proc.tail()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} not healthy:\n{self.proc.tail()}")

    def health(self) -> dict:
        return httpx.get(f"{self.base}/api/v1/health", timeout=5).json()

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.base}/metrics", timeout=5).text
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0


@dataclass
class Cluster:
    workers: list[Worker]
    prefix: str  # STOCKAPP_REDIS_PREFIX of this cluster
    redis_url: str

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_timeout=5)

    def hub_clients(self) -> list[dict]:
        """This cluster's Redis connections (the backend names them `<prefix>:hub:...`)."""
        mine = self.prefix + ":hub:"
        with self.redis() as r:
            return [c for c in r.client_list() if c.get("name", "").startswith(mine)]


@pytest.fixture(scope="module")
def start_workers(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, postgres_url: str
) -> Iterator[Callable[..., Cluster]]:
    """Start N workers on one fresh database and one fresh Redis prefix (migrated first)."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    started: list[Worker] = []
    databases: list[str] = []

    def start(count: int = 2) -> Cluster:
        name = f"stockapp_it_{uuid.uuid4().hex[:10]}"
        databases.append(name)
        db_url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        prefix = f"it-{uuid.uuid4().hex[:10]}"
        env = cluster_env(db_url, redis_url, prefix)
        migrate = subprocess.run(
            [sys.executable, "-m", "stockapp.db.migrate"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        workers = [Worker(f"w{len(started) + i}", env, tmp_path) for i in range(count)]
        started.extend(workers)
        for w in workers:
            w.wait_ready()
        return Cluster(workers, prefix, redis_url)

    try:
        yield start
    finally:
        for w in started:
            w.proc.kill()
        for name in databases:
            admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ROOT_STATE = "reflex___state____state"
SHELL_STATE = f"{ROOT_STATE}.stockapp___state___shell____shell_state"


TOKEN_VAR = f"{ROOT_STATE}.stockapp___state___auth____auth_state.token_rx_state_"


async def ui_session(
    port: int, seconds: float, path: str = "/", jwt: str = "", toasts: list[str] | None = None
) -> int:
    """One browser tab on Reflex's event socket, without a browser: hydrate `path` (which runs
    its on_load, tracking the index ticker) and count the state updates carrying ticker
    quotes in the next `seconds`. With `jwt` the tab is logged in (as the browser sends its
    stored token on hydrate); alert toasts it receives are appended to `toasts`."""
    import orjson
    import websockets

    url = f"ws://127.0.0.1:{port}/_event/?token={uuid.uuid4()}&EIO=4&transport=websocket"
    event = {
        "name": f"{ROOT_STATE}.hydrate_and_load",
        "payload": {"vars": {TOKEN_VAR: jwt} if jwt else {}},
        "router_data": {"pathname": path, "asPath": path, "query": {}},
    }
    updates = 0
    async with websockets.connect(url, subprotocols=["0.10.1"], open_timeout=30) as ws:  # type: ignore[list-item]
        await ws.recv()  # engine.io open
        await ws.send("40/_event," + orjson.dumps({"event": event}).decode())
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                text = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            if text == "2":
                await ws.send("3")  # engine.io ping
            elif isinstance(text, str) and text.startswith("42/_event") and SHELL_STATE in text:
                updates += "quotes_rx_state_" in text
            if toasts is not None and isinstance(text, str) and "alert-event-" in text:
                toasts.append(text)
    return updates
