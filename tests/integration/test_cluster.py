"""Several real workers on one Redis and one PostgreSQL database, as `make run-cluster` runs
them.

Through each worker's /ws, REST and /metrics: both workers stream the same ticks while only
one asks upstream; polling follows the union of the workers' subscriptions; an alert fires
once; dropping every Redis connection (and the keys, as a restart would) heals without
restarting a worker; killing the leader moves polling to the other within 5 s (destructive,
so last). Also: three migrations racing on a fresh database, and the container's entrypoint
serving two Reflex workers whose browser tabs all tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest
import redis
import sqlalchemy as sa
import websockets
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import stockapp.db.models  # noqa: F401  (registers the tables)
from stockapp.db.migrate import alembic_config
from tests.conftest import free_port
from tests.integration.conftest import ROOT, Cluster, Proc, Worker, cluster_env, ui_session

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.server]
SYMBOLS = ["RELIANCE", "TCS", "INFY"]


@dataclass
class Frame:
    arrived: float
    symbol: str
    timestamp: str
    price: float


@dataclass
class Feed:
    """Every price_update one /ws client received, with its arrival time."""

    frames: list[Frame] = field(default_factory=list)
    closed: bool = False

    def since(self, t: float, symbol: str | None = None) -> list[Frame]:
        return [f for f in self.frames if f.arrived >= t and symbol in (None, f.symbol)]

    def newest(self, symbol: str) -> str:
        return max((f.timestamp for f in self.frames if f.symbol == symbol), default="")


@contextlib.asynccontextmanager
async def feed(worker: Worker, token: str, symbols: list[str]) -> AsyncIterator[Feed]:
    out = Feed()
    async with websockets.connect(f"{worker.ws_url}?token={token}", open_timeout=10) as ws:
        await ws.send(orjson.dumps({"action": "subscribe", "symbols": symbols}).decode())

        async def read() -> None:
            try:
                async for text in ws:
                    msg = orjson.loads(text)
                    if msg.get("type") == "price_update":
                        now = time.monotonic()
                        price = msg["current_price"]
                        out.frames.append(Frame(now, msg["symbol"], msg["timestamp"], price))
            except websockets.ConnectionClosed:
                pass
            out.closed = True

        reader = asyncio.create_task(read())
        try:
            yield out
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def wait_for(pred: Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(step)
    return pred()


async def metric(worker: Worker, name: str) -> float:
    return await asyncio.to_thread(worker.metric, name)


async def leader_of(workers: list[Worker], window: float = 1.5) -> tuple[Worker, list[Worker]]:
    """The worker whose poll loop ticks (exactly one may)."""
    before = [await metric(w, "stockapp_hub_ticks_total") for w in workers]
    await asyncio.sleep(window)
    after = [await metric(w, "stockapp_hub_ticks_total") for w in workers]
    ticking = [w for w, b, a in zip(workers, before, after, strict=True) if a > b]
    assert len(ticking) == 1, f"expected one polling worker, got {[w.name for w in ticking]}"
    return ticking[0], [w for w in workers if w is not ticking[0]]


def login(worker: Worker) -> str:
    name, password = f"u_{uuid.uuid4().hex[:10]}", "correct horse battery"
    with httpx.Client(base_url=worker.base, timeout=10) as c:
        r = c.post("/api/v1/auth/register", json={"username": name, "password": password})
        assert r.status_code == 201, r.text
        r = c.post("/api/v1/auth/token", data={"username": name, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


def test_three_workers_migrating_a_fresh_database_at_once(fresh_database: str) -> None:
    env = cluster_env(fresh_database, "", "unused")
    env.pop("STOCKAPP_REDIS_URL")
    args = [sys.executable, "-m", "stockapp.db.migrate"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(args, cwd=ROOT, env=env, **pipes) for _ in range(3)]
    try:
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-2000:]
    engine = sa.create_engine(fresh_database)
    try:
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            tables = set(sa.inspect(conn).get_table_names())
            instruments = conn.execute(sa.text("SELECT count(*) FROM instruments")).scalar_one()
    finally:
        engine.dispose()
    heads = ScriptDirectory.from_config(alembic_config(fresh_database)).get_heads()
    assert [v[0] for v in versions] == heads  # one schema, at head
    assert set(SQLModel.metadata.tables) <= tables
    reported = {out.strip().rsplit(", ", 1)[-1] for out, _err in results}
    assert reported == {f"{instruments} instruments"}  # seeding is idempotent


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None


@pytest.mark.timeout(480)
def test_entrypoint_serves_two_reflex_workers_on_redis_and_postgres(
    tmp_path: Path, redis_url: str, fresh_database: str
) -> None:
    """The container's start command with GRANIAN_WORKERS=2: a full production build."""
    port = free_port()
    prefix = f"it-{uuid.uuid4().hex[:10]}"
    env = cluster_env(fresh_database, redis_url, prefix, PORT=str(port), GRANIAN_WORKERS="2")
    env["PATH"] = f"{ROOT}/.tools/js/node_modules/.bin:{ROOT}/.venv/bin:{env['PATH']}"
    env["STOCKAPP_TICK_INTERVAL"] = "0.5"
    proc = Proc(["bash", "scripts/entrypoint.sh"], env, tmp_path / "entrypoint.log")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while (r := _get(f"{base}/ping")) is None or r.status_code != 200:
            assert proc.alive() and time.monotonic() < deadline, proc.tail()
            time.sleep(0.5)
        health = _get(f"{base}/api/v1/health")
        assert health is not None and health.status_code == 200, proc.tail()
        assert {k: health.json()[k] for k in ("status", "db", "hub", "redis")} == {
            "status": "ok", "db": "ok", "hub": "ok", "redis": "ok"
        }, proc.tail()  # fmt: skip
        # the build folder is shared with other runs in this checkout: allow a rebuild to end
        deadline = time.monotonic() + 120
        while (page := _get(f"{base}/")) is None or page.status_code != 200:
            assert time.monotonic() < deadline, proc.tail()
            time.sleep(1)
        assert "<html" in page.text.lower()

        keys = f"{prefix}:db{redis.connection.parse_url(redis_url).get('db', 0)}"
        with redis.Redis.from_url(redis_url) as r:
            workers = [w.decode() for w in r.zrange(f"{keys}:workers", 0, -1)]
            assert len(workers) == 2, workers

            async def tabs(n: int) -> tuple[list[int], set[str]]:
                """Open n tabs; while they are open, see which workers hold subscriptions."""
                sessions = asyncio.gather(*(ui_session(port, 4.0) for _ in range(n)))
                await asyncio.sleep(2.5)
                holders = {w for w in workers if r.exists(f"{keys}:interest:{w}")}
                return await sessions, holders

            holding: set[str] = set()
            for _ in range(5):  # the kernel spreads sockets over workers; retry if it did not
                updates, holders = asyncio.run(tabs(12))
                assert all(u >= 3 for u in updates), updates  # every tab ticks
                holding |= holders
                if len(holding) == 2:
                    break
            assert len(holding) == 2, "all tabs landed on one worker five times"

            # an alert fires once, on the leader; its toast reaches the user's tabs on both
            with httpx.Client(base_url=base, timeout=10) as c:
                name = f"tt_{uuid.uuid4().hex[:8]}"
                c.post("/api/v1/auth/register", json={"username": name, "password": "password-1"})
                jwt = c.post(
                    "/api/v1/auth/token", data={"username": name, "password": "password-1"}
                ).json()["access_token"]
                auth = {"Authorization": f"Bearer {jwt}"}

                async def toast_tabs(n: int) -> tuple[list[list[str]], set[str]]:
                    inboxes: list[list[str]] = [[] for _ in range(n)]
                    sessions = asyncio.gather(
                        *(ui_session(port, 16.0, "/", jwt, box) for box in inboxes)
                    )
                    await asyncio.sleep(2.5)
                    holders = {w for w in workers if r.exists(f"{keys}:interest:{w}")}
                    created = await asyncio.to_thread(
                        c.post, "/api/v1/alerts", headers=auth, json={
                            "symbol": "TCS", "market": "india_nse",
                            "condition": "change_pct_above", "value": -100, "repeat": False,
                        },
                    )  # fmt: skip
                    assert created.status_code == 201, created.text
                    await sessions
                    return inboxes, holders

                rounds = 0
                while rounds < 3:  # until the user's tabs sit on both workers
                    rounds += 1
                    inboxes, holders = asyncio.run(toast_tabs(12))
                    assert all(inboxes), f"tabs without the toast: {sum(not b for b in inboxes)}"
                    if len(holders) == 2:
                        break
                events = c.get("/api/v1/alerts/events", headers=auth).json()
            assert len(events) == rounds, events  # each alert once, on the leader only
            assert len(holders) == 2, "the user's tabs never spread over both workers"
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def cluster(start_workers) -> Cluster:
    return start_workers(2)


@pytest.fixture(scope="module")
def token(cluster: Cluster) -> str:
    return login(cluster.workers[0])  # the database is shared: valid on every worker


def test_every_worker_reports_redis_and_postgres(cluster: Cluster) -> None:
    for w in cluster.workers:
        body = w.health()
        assert {k: body[k] for k in ("status", "db", "hub", "redis")} == {
            "status": "ok", "db": "ok", "hub": "ok", "redis": "ok"
        }  # fmt: skip
        assert body["pid"] == w.proc.popen.pid  # each worker names itself
    assert sum(w.health()["leader"] for w in cluster.workers) == 1
    listening = {c["name"] for c in cluster.hub_clients() if int(c["sub"]) == 3}
    assert len(listening) == 2  # one pub/sub connection per worker: ticks, interest, broadcast


async def test_polling_follows_the_union_of_subscriptions(cluster: Cluster, token: str) -> None:
    leader, (follower,) = await leader_of(cluster.workers)
    published = "stockapp_hub_quotes_published_total"
    idle = await metric(leader, published)
    await asyncio.sleep(1.0)
    assert await metric(leader, published) == idle, "nothing subscribed: nothing is polled"

    async with feed(follower, token, ["WIPRO"]) as wipro:
        # the snapshot plus the leader's ticks for a symbol only the follower wants
        assert await wait_for(lambda: len({f.timestamp for f in wipro.frames}) >= 4, 5)
        assert await metric(leader, published) > idle
    await asyncio.sleep(2.0)  # the follower's interest is withdrawn at once on unsubscribe
    settled = await metric(leader, published)
    await asyncio.sleep(1.5)
    assert await metric(leader, published) == settled, "polled after the last subscriber left"


async def test_both_workers_stream_the_same_ticks_from_one_poller(
    cluster: Cluster, token: str
) -> None:
    leader, (follower,) = await leader_of(cluster.workers)
    async with feed(leader, token, SYMBOLS) as on_leader, feed(follower, token, SYMBOLS) as on_f:
        assert await wait_for(lambda: len(on_leader.frames) > 3 and len(on_f.frames) > 3, 5)
        names = ("stockapp_hub_upstream_requests_total", "stockapp_hub_ticks_total")
        before = {(w.name, n): await metric(w, n) for w in cluster.workers for n in names}
        start = time.monotonic()
        await asyncio.sleep(4.0)
        end = time.monotonic()
        after = {(w.name, n): await metric(w, n) for w in cluster.workers for n in names}
    delta = {k: after[k] - before[k] for k in after}
    ticks = delta[(leader.name, "stockapp_hub_ticks_total")]
    requests = sum(delta[(w.name, "stockapp_hub_upstream_requests_total")] for w in cluster.workers)
    assert ticks >= 8
    assert delta[(follower.name, "stockapp_hub_upstream_requests_total")] == 0
    assert delta[(follower.name, "stockapp_hub_ticks_total")] == 0
    # three symbols fit one batch: one request per tick, as with a single worker
    assert ticks - 1 <= requests <= ticks + 1

    for symbol in SYMBOLS:
        seen_l = {f.timestamp: f.price for f in on_leader.frames if f.symbol == symbol}
        seen_f = {f.timestamp: f.price for f in on_f.frames if f.symbol == symbol}
        window = {f.timestamp for f in on_leader.since(start, symbol) if f.arrived <= end}
        seen_l = {t: p for t, p in seen_l.items() if t in window}
        seen_f = {t: p for t, p in seen_f.items() if t in window}
        common = seen_l.keys() & seen_f.keys()
        assert len(common) >= 0.7 * max(len(seen_l), len(seen_f)) > 0, (symbol, seen_l, seen_f)
        assert all(seen_l[t] == seen_f[t] for t in common)


async def test_a_follower_answers_rest_for_symbols_nobody_polls(cluster: Cluster) -> None:
    _, (follower,) = await leader_of(cluster.workers)
    async with httpx.AsyncClient(base_url=follower.base, timeout=10) as c:
        r = await c.get("/api/v1/quotes", params={"symbols": "HDFCBANK,NOSUCHSYM"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [q["symbol"] for q in body["quotes"]] == ["HDFCBANK"]
    assert body["quotes"][0]["current_price"] > 0
    assert body["unknown"] == ["NOSUCHSYM"]


async def test_an_alert_fires_once_across_workers(cluster: Cluster, token: str) -> None:
    leader, (follower,) = await leader_of(cluster.workers)
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=follower.base, headers=headers, timeout=10) as on_f,
        httpx.AsyncClient(base_url=leader.base, headers=headers, timeout=10) as on_l,
    ):
        r = await on_f.post(
            "/api/v1/alerts", json={"symbol": "SBIN", "condition": "price_above", "value": 1.0}
        )
        if r.status_code == 404:
            pytest.skip("the alerts API is not mounted")
        assert r.status_code == 201, r.text
        events: list = []

        async def fired() -> bool:
            events[:] = (await on_l.get("/api/v1/alerts/events")).json()
            return bool(events)

        for _ in range(80):  # 20 s: the leader loads other workers' alerts every 10 s
            if await fired():
                break
            await asyncio.sleep(0.25)
        assert len(events) == 1, events
        await asyncio.sleep(3 * 0.25 * 4)  # a dozen more ticks on both workers
        for client in (on_f, on_l):
            got = (await client.get("/api/v1/alerts/events")).json()
            assert [e["alert_id"] for e in got] == [r.json()["id"]]


async def test_losing_every_redis_connection_heals_without_restarts(
    cluster: Cluster, token: str
) -> None:
    a, b = cluster.workers
    async with feed(a, token, ["ITC"]) as on_a, feed(b, token, ["ITC"]) as on_b:
        assert await wait_for(lambda: len(on_a.frames) > 2 and len(on_b.frames) > 2, 5)
        with cluster.redis() as r:  # what a restart does: connections and our keys are gone
            for key in r.scan_iter(match=f"{cluster.prefix}:*"):
                r.delete(key)
            for client in cluster.hub_clients():
                r.client_kill_filter(_id=client["id"])
        cut = time.monotonic()
        newest = max(on_a.newest("ITC"), on_b.newest("ITC"))
        assert await wait_for(
            lambda: (
                any(f.timestamp > newest for f in on_a.since(cut + 0.5))
                and any(f.timestamp > newest for f in on_b.since(cut + 0.5))
            ),
            10,
        ), "prices did not flow again on both workers"
    for w in cluster.workers:
        assert w.health()["redis"] == "ok"
        assert w.proc.alive()
    await leader_of(cluster.workers)  # still exactly one poller


async def test_killing_the_leader_moves_polling_within_five_seconds(
    cluster: Cluster, token: str
) -> None:
    leader, (follower,) = await leader_of(cluster.workers)
    async with feed(follower, token, ["TCS"]) as survivor:
        assert await wait_for(lambda: len(survivor.frames) > 2, 5)
        leader.proc.kill()
        killed = time.monotonic()
        newest = survivor.newest("TCS")
        assert await wait_for(
            lambda: any(f.timestamp > newest for f in survivor.since(killed)), 8
        ), "no new prices after the leader died"
        first = min(f.arrived for f in survivor.since(killed) if f.timestamp > newest)
        assert first - killed <= 5.0, f"takeover took {first - killed:.1f}s"
        assert not survivor.closed
    assert await metric(follower, "stockapp_hub_ticks_total") > 0
