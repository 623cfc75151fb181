"""One big portfolio must not stall everyone: FIFO, valuation and CSV work run in the
thread pool, positions are cached between trade changes (and the cache follows changes),
and a book's size is capped (`STOCKAPP_PORTFOLIO_MAX_TRADES`; past it an import or a new
trade answers 422 naming the cap).

Responsiveness is judged by counting: while a slow portfolio request runs, another client
asks `/health` back to back; the request's duration is cut into twenty equal slices, and
no more than a few consecutive slices may pass without a health answer completing. With
the FIFO replay and valuation on the event loop, they form one long silent stretch (a
third of the request or more). The trades export is checked without any timing: the test
server holds it in the middle of its work, and health must answer meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from tests.security.conftest import PORTFOLIO_CAP, new_user

SYMBOLS = ["RELIANCE", "TCS", "INFY", "HDFCBANK", "ITC", "SBIN", "WIPRO", "LT", "AXISBANK"]
BIG_BOOK = 50_000  # seeded past the cap, as a book from before it
SLICES = 20
MAX_SILENT_RUN = 3  # consecutive slices without a /health answer (loop-bound code: 6+)
ONE_BUY = {"symbol": "TCS", "side": "buy", "quantity": 1, "price": 10}


def seed_trades(db: str, user_id: int, n: int, start_id: int = 0) -> None:
    """Write `n` trades straight into the server's database (a book that predates the cap,
    built far faster than through the API): per symbol two buys of 10 then a sell of 15."""
    engine = sa.create_engine(f"sqlite:///{db}")
    t0 = datetime(2015, 1, 1, 4, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        sym = SYMBOLS[i % len(SYMBOLS)]
        step = (i // len(SYMBOLS)) % 3
        rows.append(
            {
                "user_id": user_id,
                "symbol": sym,
                "market": "india_nse",
                "side": "sell" if step == 2 else "buy",
                "quantity": 15 if step == 2 else 10,
                "price": Decimal("100.5") + (i % 97),
                "fees": Decimal("1.25"),
                "traded_at": t0 + timedelta(minutes=i),
                "note": "",
                "trade_id": f"seed-{user_id}-{start_id + i}",
                "created_at": t0,
            }
        )
    table = sa.Table("trades", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), rows)
    engine.dispose()


def bump_book_version(db: str, user_id: int) -> None:
    """What any trade change does, here as another worker would: the server's cached
    positions for this user are stale from now on."""
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE users SET book_version = book_version + 1 WHERE id = :id"),
            {"id": user_id},
        )
    engine.dispose()


@pytest.fixture(scope="module")
def big_book(sec_server) -> Iterator[tuple[int, dict[str, str]]]:
    with httpx.Client(base_url=sec_server.url, timeout=30) as c:
        _, _, headers = new_user(c)
        uid = c.get("/api/v1/auth/me", headers=headers).json()["id"]
    seed_trades(str(sec_server.db), uid, BIG_BOOK)
    yield uid, headers


def silent_slices(base: str, call) -> tuple[int, int, object]:
    """Run `call()` while another client asks /health back to back. Returns the longest
    run of consecutive slices (of SLICES equal ones of the call) in which no health answer
    completed, how many answers completed during the call, and the call's result."""
    done: list[float] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.is_set():
                if c.get("/api/v1/health").status_code == 200:
                    done.append(time.monotonic())

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    time.sleep(0.3)  # the hammer is running
    start = time.monotonic()
    result = call()
    end = time.monotonic()
    stop.set()
    thread.join(60)
    width = (end - start) / SLICES
    hit = {int((t - start) / width) for t in done if start <= t < end}
    longest = run = 0
    for n in range(SLICES):
        run = 0 if n in hit else run + 1
        longest = max(longest, run)
    return longest, sum(1 for t in done if start <= t < end), result


@pytest.mark.parametrize("path", ["/api/v1/portfolio", "/api/v1/portfolio/holdings.csv"])
def test_health_answers_while_a_big_book_is_valued(sec_server, big_book, path):
    from stockapp.db import positions

    uid, headers = big_book
    bump_book_version(str(sec_server.db), uid)  # nothing cached: the full replay runs
    with httpx.Client(base_url=sec_server.url, timeout=120) as c:
        silent, answers, r = silent_slices(sec_server.url, lambda: c.get(path, headers=headers))
    assert r.status_code == 200, r.text
    assert silent <= MAX_SILENT_RUN, f"/health silent for {silent}/{SLICES} slices ({answers})"
    assert positions.CACHE_MAX_TRADES >= BIG_BOOK  # the book fits the positions cache


def test_a_full_book_refuses_another_trade_naming_the_cap(sec_server, big_book):
    _, headers = big_book
    with httpx.Client(base_url=sec_server.url, timeout=60) as c:
        r = c.post(
            "/api/v1/portfolio/trades", headers=headers, json={**ONE_BUY, "traded_at": "2020-01-02"}
        )
    assert r.status_code == 422 and "STOCKAPP_PORTFOLIO_MAX_TRADES" in r.text, r.text


def test_export_keeps_health_answering(sec_server, big_book):
    """Health answers while the export is provably in the middle of its work (held there
    by the test server's gate, `tests/security/standalone.py`): work done on the event
    loop would leave nothing to answer until the export finished."""
    _, headers = big_book
    gate = sec_server.export_gate
    assert gate is not None
    for name in ("started", "release"):
        (gate / name).unlink(missing_ok=True)
    (gate / "armed").touch()
    result: list[httpx.Response] = []

    def export() -> None:
        with httpx.Client(base_url=sec_server.url, timeout=120) as c:
            result.append(c.get("/api/v1/portfolio/export.csv", headers=headers))

    thread = threading.Thread(target=export, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not (gate / "started").exists():
            assert thread.is_alive() and time.monotonic() < deadline, result
            time.sleep(0.01)
        with httpx.Client(base_url=sec_server.url, timeout=5) as c:
            health = c.get("/api/v1/health")
        assert health.status_code == 200, health.text
        assert thread.is_alive() and not result  # the export was still in progress
    finally:
        (gate / "release").touch()
        thread.join(120)
    (r,) = result
    assert r.status_code == 200 and r.text.count("\n") > BIG_BOOK


def held(api: httpx.Client, headers: dict[str, str]) -> list[int]:
    return [h["quantity"] for h in api.get("/api/v1/portfolio", headers=headers).json()["holdings"]]


def test_cached_positions_follow_trade_changes(api):
    """The second read comes from the cache; a change (even one made on another worker,
    which only bumps the book version in the database) is seen on the next read."""
    _, _, headers = new_user(api)
    trade = {"symbol": "ITC", "side": "buy", "quantity": 5, "price": 400, "traded_at": "2021-03-01"}
    assert api.post("/api/v1/portfolio/trades", headers=headers, json=trade).status_code == 201
    first = api.get("/api/v1/portfolio", headers=headers).json()
    assert [h["quantity"] for h in first["holdings"]] == [5]
    sell = {**trade, "side": "sell", "quantity": 2, "traded_at": "2021-04-01"}
    r = api.post("/api/v1/portfolio/trades", headers=headers, json=sell)
    assert r.status_code == 201
    assert [
        h["quantity"] for h in api.get("/api/v1/portfolio", headers=headers).json()["holdings"]
    ] == [3]
    assert (
        api.delete(f"/api/v1/portfolio/trades/{r.json()['id']}", headers=headers).status_code == 204
    )
    assert [
        h["quantity"] for h in api.get("/api/v1/portfolio", headers=headers).json()["holdings"]
    ] == [5]


def test_import_past_the_cap_is_refused_naming_it(sec_server, api):
    cap = PORTFOLIO_CAP
    _, _, headers = new_user(api)
    uid = api.get("/api/v1/auth/me", headers=headers).json()["id"]
    seed_trades(str(sec_server.db), uid, cap - 1)
    csv = (
        "symbol,side,quantity,price,traded_at\n"
        "TCS,buy,1,3500,2024-01-02\nTCS,buy,1,3510,2024-01-03\n"
    )
    r = api.post(
        "/api/v1/portfolio/import", headers=headers, files={"file": ("t.csv", csv, "text/csv")}
    )
    assert r.status_code == 422, r.text
    assert (
        f"{cap:,}" in r.json()["detail"] and "STOCKAPP_PORTFOLIO_MAX_TRADES" in r.json()["detail"]
    )
    one = "symbol,side,quantity,price,traded_at\nTCS,buy,1,3500,2024-01-02\n"
    r = api.post(
        "/api/v1/portfolio/import", headers=headers, files={"file": ("t.csv", one, "text/csv")}
    )
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
