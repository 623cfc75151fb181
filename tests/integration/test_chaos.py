"""Faults against the shipped command: `scripts/entrypoint.sh` with two Granian workers on a
private Redis and a private PostgreSQL (so both can be restarted), while `/ws` clients stream.

One cluster serves the whole module; the tests run in order and each leaves it serving:
a follower SIGKILLed, the leader SIGKILLed (alerts across the takeover), Redis restarted,
PostgreSQL stopped for 10 s, the worker serving a CSV import SIGKILLed, a rolling restart
(SIGHUP), and last SIGTERM to the server.
By then every worker was forked after start-up (respawns, the rolling restart): they must
behave like the first ones.
Every `/ws` client here retries, as a well-behaved client does, and subscribes to its own
symbol, so each worker's interest set in Redis says which clients it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import orjson
import psutil
import pytest
import redis
import websockets

from tests.conftest import free_port, need
from tests.integration.conftest import (
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    Proc,
    cluster_env,
    ui_session,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.server]
SHUTDOWN_TIMEOUT = 6.0
TICK = 0.5
# distinct symbols, one per client: placement by worker is read from the interest sets
SYMBOLS = ["RELIANCE", "TCS", "INFY", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT",
           "AXISBANK", "KOTAKBANK", "WIPRO", "MARUTI", "TITAN", "SUNPHARMA"]  # fmt: skip


@dataclass
class Server:
    proc: Proc
    base: str
    port: int
    prefix: str
    redis: PrivateRedis
    postgres: PrivatePostgres | None
    keys: str = ""  # the hub's Redis key prefix

    def __post_init__(self) -> None:
        self.keys = f"{self.prefix}:db0"

    def r(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis.url, socket_timeout=3)

    def worker_pids(self) -> set[int]:
        """The forked Granian workers alive now (not the resource tracker, not zombies)."""
        root = psutil.Process(self.proc.popen.pid)
        own, found = root.cmdline(), set()
        for p in root.children():
            with contextlib.suppress(psutil.Error):
                if p.status() != psutil.STATUS_ZOMBIE and p.cmdline() == own:
                    found.add(p.pid)
        return found

    def leader_pid(self) -> int | None:
        with self.r() as r:
            token = r.get(f"{self.keys}:leader")
        return int(token.decode().rsplit(":", 3)[1]) if token else None

    def placement(self) -> dict[str, int]:
        """symbol -> pid of the worker holding the client subscribed to it."""
        out: dict[str, int] = {}
        with self.r() as r:
            for worker in r.zrange(f"{self.keys}:workers", 0, -1):
                pid = int(worker.decode().rsplit(":", 2)[1])
                for member in r.smembers(f"{self.keys}:interest:{worker.decode()}"):
                    out[member.decode().split("|")[0]] = pid
        return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("chaos")
    binary = shutil.which("redis-server")
    need(binary is not None, "redis-server is not installed")
    private_redis = PrivateRedis(binary or "", str(tmp))
    private_redis.start()
    postgres: PrivatePostgres | None = PrivatePostgres()
    assert postgres is not None
    need(postgres.available, "initdb (PostgreSQL server binaries) is not installed")
    postgres.init()
    db_url = postgres.url.rsplit("/", 1)[0] + "/stockapp_chaos"
    port = free_port()
    prefix = f"it-{uuid.uuid4().hex[:10]}"
    env = cluster_env(
        db_url, private_redis.url, prefix, PORT=str(port), GRANIAN_WORKERS="2",
        STOCKAPP_TICK_INTERVAL=str(TICK), STOCKAPP_SHUTDOWN_TIMEOUT=str(SHUTDOWN_TIMEOUT),
        GRANIAN_LOG_LEVEL="info",
    )  # fmt: skip
    env["PATH"] = f"{ROOT}/.tools/js/node_modules/.bin:{ROOT}/.venv/bin:{env['PATH']}"
    proc = Proc(["bash", "scripts/entrypoint.sh"], env, tmp / "entrypoint.log")
    srv = Server(proc, f"http://127.0.0.1:{port}", port, prefix, private_redis, postgres)
    try:
        deadline = time.monotonic() + 300
        while not _ok(f"{srv.base}/api/v1/health/ready") or len(srv.worker_pids()) < 2:
            assert proc.alive() and time.monotonic() < deadline, proc.tail()
            time.sleep(0.5)
        yield srv
    finally:
        proc.kill()
        private_redis.kill()
        postgres.destroy()


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def jwt(server: Server) -> str:
    name, password = f"c_{uuid.uuid4().hex[:10]}", "chaos password 1"
    with httpx.Client(base_url=server.base, timeout=10) as c:
        assert c.post("/api/v1/auth/register", json={"username": name, "password": password})
        r = c.post("/api/v1/auth/token", data={"username": name, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


@dataclass
class Client:
    """A /ws client that reconnects 0.2 s after any close; records every price it gets."""

    symbol: str
    prices: list[tuple[float, str]] = field(default_factory=list)  # (arrival, timestamp)
    closes: list[tuple[float, int | None, str]] = field(default_factory=list)
    connects: int = 0

    def since(self, t: float) -> list[tuple[float, str]]:
        return [p for p in self.prices if p[0] >= t]

    def newest(self) -> str:
        return max((ts for _, ts in self.prices), default="")

    def fresh_after(self, t: float) -> float | None:
        """Arrival of the first price newer than anything seen before `t`."""
        before = max((ts for at, ts in self.prices if at < t), default="")
        return next((at for at, ts in self.prices if at >= t and ts > before), None)

    def biggest_gap(self, start: float, end: float) -> float:
        times = [start, *(at for at, _ in self.prices if start <= at <= end), end]
        return max(b - a for a, b in itertools.pairwise(times))

    async def run(self, url: str) -> None:
        while True:
            try:
                async with websockets.connect(url, open_timeout=5) as ws:
                    self.connects += 1
                    await ws.send(
                        orjson.dumps({"action": "subscribe", "symbol": self.symbol}).decode()
                    )
                    try:
                        async for text in ws:
                            msg = orjson.loads(text)
                            if msg.get("type") == "price_update":
                                self.prices.append((time.monotonic(), msg["timestamp"]))
                    except websockets.ConnectionClosed:
                        pass
                    self.closes.append((time.monotonic(), ws.close_code, ws.close_reason))
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def streaming(
    server: Server, jwt: str, count: int = 8, spread: bool = True
) -> AsyncIterator[list[Client]]:
    """`count` clients, spread over both workers (more are opened until they are)."""
    clients: list[Client] = []
    tasks: list[asyncio.Task[None]] = []
    url = f"ws://127.0.0.1:{server.port}/ws?token={jwt}"

    def add() -> None:
        c = Client(SYMBOLS[len(clients)])
        clients.append(c)
        tasks.append(asyncio.create_task(c.run(url)))

    try:
        for _ in range(count):
            add()
        assert await until(lambda: all(c.prices for c in clients), 10), "clients not streaming"
        while spread and len(set(server.placement().values())) < 2 and len(clients) < len(SYMBOLS):
            add()
            await until(lambda: bool(clients[-1].prices), 10)
        assert not spread or len(set(server.placement().values())) == 2, "all on one worker"
        yield clients
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def until(pred, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(step)
    return bool(pred())


async def wait_replaced(server: Server, before: set[int], dead: int) -> set[int]:
    """The supervisor brings the worker count back with a new process, which serves."""
    ok = await until(
        lambda: len(now := server.worker_pids()) == 2 and dead not in now and now != before, 15
    )
    assert ok, server.proc.tail()
    now = server.worker_pids()
    new = (now - before).pop()
    assert await until(lambda: new in server.placement().values() or _registered(server, new), 15)
    return now


def _registered(server: Server, pid: int) -> bool:
    with server.r() as r:
        return any(f":{pid}:" in w.decode() for w in r.zrange(f"{server.keys}:workers", 0, -1))


async def test_health_names_the_worker_and_its_role(server: Server) -> None:
    seen: dict[int, dict] = {}
    async with httpx.AsyncClient(base_url=server.base, timeout=5) as c:
        for _ in range(40):
            r = await c.get("/api/v1/health/ready", headers={"Connection": "close"})
            assert r.status_code == 200, r.text
            seen[r.json()["pid"]] = r.json()
            if len(seen) == 2:
                break
    assert set(seen) <= server.worker_pids()
    for body in seen.values():
        assert body["ready"] and body["redis"] == "ok" and body["db"] == "ok"
        assert body["last_tick_age"] <= 3 * TICK
        assert body["leader"] == (body["pid"] == server.leader_pid())


async def test_a_worker_told_to_stop_says_1001_hands_over_and_is_replaced(
    server: Server, jwt: str
) -> None:
    """SIGTERM to one worker (as Granian's supervisor sends it on shutdown): it drains."""
    async with streaming(server, jwt) as clients:
        before = server.worker_pids()
        leader = server.leader_pid()
        assert leader in before
        on_leader = [c for c in clients if server.placement().get(c.symbol) == leader]
        os.kill(leader, signal.SIGTERM)
        sent = time.monotonic()
        assert await until(lambda: all(c.closes for c in on_leader), 5)
        assert {(code, reason) for c in on_leader for _, code, reason in c.closes[:1]} == {
            (1001, "server shutting down")
        }
        # the lease was deleted, not left to expire: another worker leads within a round
        assert await until(lambda: server.leader_pid() not in (None, leader), 2.5)
        assert time.monotonic() - sent < 3.0  # the lock's TTL
        await wait_replaced(server, before, leader)
        assert await until(lambda: all(c.fresh_after(sent + 0.5) for c in clients), 10)
    await asyncio.sleep(6)  # Granian treats a second exit of a respawned worker within ~5 s
    # as a crash loop


async def test_a_killed_follower_is_replaced_and_its_clients_come_back(
    server: Server, jwt: str
) -> None:
    async with streaming(server, jwt) as clients:
        before = server.worker_pids()
        leader = server.leader_pid()
        (follower,) = before - {leader}
        on_follower = [c for c in clients if server.placement().get(c.symbol) == follower]
        survivors = [c for c in clients if c not in on_follower]
        os.kill(follower, signal.SIGKILL)
        killed = time.monotonic()
        await wait_replaced(server, before, follower)
        assert await until(lambda: all(c.fresh_after(killed + 0.5) for c in clients), 10)
        # nothing changed for the leader's clients; the others reconnected
        assert all(c.biggest_gap(killed - 1, time.monotonic()) <= 2.0 for c in survivors)
        assert all(c.connects >= 2 for c in on_follower)
        assert server.proc.alive() and server.leader_pid() == leader


async def test_a_killed_leader_is_replaced_prices_resume_and_alerts_fire_once(
    server: Server, jwt: str
) -> None:
    auth = {"Authorization": f"Bearer {jwt}", "Connection": "close"}  # no reuse of a dead link
    async with (
        httpx.AsyncClient(base_url=server.base, headers=auth, timeout=10) as api,
        streaming(server, jwt) as clients,
    ):
        # an alert that holds all along fires (once) before the takeover
        first = await api.post(
            "/api/v1/alerts", json={"symbol": "BAJFINANCE", "condition": "price_above", "value": 1}
        )
        assert first.status_code == 201, first.text
        for _ in range(60):
            if (await api.get("/api/v1/alerts/events")).json():
                break
            await asyncio.sleep(0.25)
        else:
            pytest.fail("the first alert never fired")
        before = server.worker_pids()
        leader = server.leader_pid()
        assert leader in before
        on_leader = [c for c in clients if server.placement().get(c.symbol) == leader]
        survivors = [c for c in clients if c not in on_leader]
        assert survivors, "no client on the follower"
        os.kill(leader, signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.sleep(0.5)  # gone (a request racing the kill itself may fail)
        # one created during the takeover holds from then on: it must fire, once
        second = await api.post(
            "/api/v1/alerts", json={"symbol": "ASIANPAINT", "condition": "price_above", "value": 1}
        )
        assert second.status_code == 201, second.text

        assert await until(lambda: all(c.fresh_after(killed) for c in survivors), 8)
        took = max(c.fresh_after(killed) or 99 for c in survivors) - killed
        assert took <= 5.0, f"prices on the surviving worker resumed after {took:.1f}s"
        await wait_replaced(server, before, leader)
        assert await until(lambda: all(c.fresh_after(killed + 0.5) for c in on_leader), 10)
        assert all(c.connects >= 2 for c in on_leader)
        assert server.leader_pid() not in (None, leader)
        # a browser tab opened now ticks (Reflex's socket, on whichever worker)
        assert await ui_session(server.port, 3.0) >= 1

        events: list[dict] = []
        for _ in range(80):  # the new leader reloads alerts made elsewhere every 10 s
            events = (await api.get("/api/v1/alerts/events")).json()
            if len(events) >= 2:
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(2 * TICK * 4)  # more ticks on the new leader
        events = (await api.get("/api/v1/alerts/events")).json()
        fired = sorted(e["alert_id"] for e in events)
        assert fired == sorted([first.json()["id"], second.json()["id"]]), events


async def test_a_redis_restart_while_clients_stream(server: Server, jwt: str) -> None:
    async with streaming(server, jwt) as clients:
        pids = server.worker_pids()
        server.redis.kill()  # every connection dropped, every key gone
        cut = time.monotonic()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(server.redis.start)
        assert await until(lambda: all(c.fresh_after(cut + 1.0) for c in clients), 15), [
            (c.symbol, c.newest()) for c in clients
        ]
        assert server.worker_pids() == pids  # healed without restarting anything
        assert await until(lambda: _ok(f"{server.base}/api/v1/health/ready"), 10)
        assert server.leader_pid() in pids


async def test_a_postgres_outage_keeps_prices_and_refuses_writes_cleanly(
    server: Server, jwt: str
) -> None:
    assert server.postgres is not None
    auth = {"Authorization": f"Bearer {jwt}", "Connection": "close"}  # no reuse of a dead link
    async with (
        httpx.AsyncClient(base_url=server.base, headers=auth, timeout=10) as api,
        streaming(server, jwt) as clients,
    ):
        lists_before = (await api.get("/api/v1/watchlists")).json()
        await asyncio.to_thread(server.postgres.stop)
        down = time.monotonic()
        try:
            r = await api.post("/api/v1/watchlists", json={"name": "during outage"})
            assert r.status_code == 503, r.text
            assert "database is unavailable" in r.json()["detail"].lower()
            health = await api.get("/api/v1/health")
            assert health.status_code == 503 and health.json()["db"] == "down"
            assert (await api.get("/api/v1/health/ready")).status_code == 503
            quotes = await api.get("/api/v1/quotes", params={"symbols": "TCS"})
            assert quotes.status_code == 200, quotes.text  # reads of prices keep working
            await asyncio.sleep(max(0.0, down + 10 - time.monotonic()))
            assert all(c.fresh_after(down + 8) for c in clients), "prices stopped"
        finally:
            await asyncio.to_thread(server.postgres.start)
        assert await until(lambda: _ok(f"{server.base}/api/v1/health/ready"), 15)
        assert (await api.get("/api/v1/watchlists")).json() == lists_before  # nothing half-done
        r = await api.post("/api/v1/watchlists", json={"name": "after outage"})
        assert r.status_code == 201, r.text
        assert server.proc.alive()


IMPORT_ROWS = 4000


def _import_request(port: int, jwt: str, csv: bytes) -> bytes:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /api/v1/portfolio/import HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {jwt}\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _serving(pids: set[int], local_port: int) -> int | None:
    """The worker holding the connection from our `local_port`."""
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            for conn in psutil.Process(pid).net_connections("tcp"):
                if conn.raddr and conn.raddr.port == local_port:
                    return pid
    return None


async def test_an_import_in_flight_on_a_killed_worker_is_whole_or_absent(
    server: Server, jwt: str
) -> None:
    """SIGKILL of the worker serving a big CSV import, once the request is sent: the
    import is in the database whole or not at all, and the same file sent again after the
    replacement lands whole (each row once)."""
    auth = {"Authorization": f"Bearer {jwt}"}
    csv = "symbol,side,quantity,price,traded_at\n" + "".join(
        f"TCS,buy,1,{3000 + i % 500}.5,2021-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
        for i in range(IMPORT_ROWS)
    )
    async with httpx.AsyncClient(base_url=server.base, headers=auth, timeout=30) as api:
        before = len((await api.get("/api/v1/portfolio/trades")).json())
    pids = server.worker_pids()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(_import_request(server.port, jwt, csv.encode()))
        local_port, victim, deadline = sock.getsockname()[1], None, time.monotonic() + 10
        while victim is None and time.monotonic() < deadline:  # accepted from the backlog
            victim = _serving(pids, local_port)
        assert victim is not None, "no worker holds the import's connection"
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        sock.close()
    await wait_replaced(server, pids, victim)
    async with httpx.AsyncClient(base_url=server.base, headers=auth, timeout=60) as api:
        after = len((await api.get("/api/v1/portfolio/trades")).json())
        print(f"import killed in flight: {after - before}/{IMPORT_ROWS} rows, {answer[:12]!r}")
        assert after - before in (0, IMPORT_ROWS)
        files = {"file": ("t.csv", csv, "text/csv")}
        again = await api.post("/api/v1/portfolio/import", files=files)
        assert again.status_code == 200, again.text
        assert len((await api.get("/api/v1/portfolio/trades")).json()) - before == IMPORT_ROWS
    await asyncio.sleep(max(0.0, killed + 6 - time.monotonic()))  # Granian's crash-loop window


async def test_a_rolling_restart_keeps_prices_flowing(server: Server, jwt: str) -> None:
    """SIGHUP: one worker at a time, each old one stopped only once its replacement is
    ready. Every client keeps getting prices (no gap over 5 s), and every client of an old
    worker is told 1001 with a reason and reconnects."""
    async with streaming(server, jwt) as clients:
        before = server.worker_pids()
        placed = server.placement()
        os.kill(server.proc.popen.pid, signal.SIGHUP)
        start = time.monotonic()
        assert await until(lambda: not (server.worker_pids() & before), 60), server.proc.tail()
        assert await until(lambda: len(server.worker_pids()) == 2, 10)
        assert await until(lambda: all(c.fresh_after(time.monotonic() - 0.1) for c in clients), 5)
        end = time.monotonic()
        gaps = {c.symbol: round(c.biggest_gap(start, end), 2) for c in clients}
        print(f"rolling restart: {end - start:.1f}s, largest gap per client {gaps}")
        assert max(gaps.values()) <= 5.0, gaps
        firsts = {
            c.symbol: next(((code, reason) for at, code, reason in c.closes if at >= start), None)
            for c in clients
        }
        # every client sat on an old worker, so each was told, with 1001 and a reason
        assert set(placed) >= {c.symbol for c in clients}, placed
        assert set(firsts.values()) == {(1001, "server shutting down")}, firsts


async def test_sigterm_closes_clients_with_1001_and_exits_in_time(server: Server, jwt: str) -> None:
    async with streaming(server, jwt, spread=False) as clients:
        os.kill(server.proc.popen.pid, signal.SIGTERM)  # what `docker stop` sends
        sent = time.monotonic()
        assert await until(lambda: all(c.closes for c in clients), 5)
        with server.r() as r:
            lease = r.get(f"{server.keys}:leader")
        released = time.monotonic() - sent
        firsts = [(c.symbol, code, reason) for c in clients for _, code, reason in c.closes[:1]]
        # every client is told, on workers forked after start-up (respawns, the rolling
        # restart) as on the first ones
        assert {(code, reason) for _, code, reason in firsts} == {(1001, "server shutting down")}, (
            firsts
        )
        # the lease was handed over at once (not left to its 3 s TTL)
        assert lease is None, (lease, released)
        exited = await until(lambda: not server.proc.alive(), SHUTDOWN_TIMEOUT + 5)
        assert exited, server.proc.tail()
        assert server.proc.popen.returncode == 0
        assert time.monotonic() - sent <= SHUTDOWN_TIMEOUT + 5
