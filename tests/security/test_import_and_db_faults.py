"""Trade import under bad files and failures, and concurrent edits of one watchlist.

Import is all-or-nothing: any bad row, a failure half-way through the insert, or a file
over the size limit leaves the user's trades exactly as they were.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from stockapp.settings import get_settings
from tests.security.conftest import new_user

IMPORT = "/api/v1/portfolio/import"
TRADES = "/api/v1/portfolio/trades"
HEADER = "date,symbol,exchange,side,quantity,price,fees,note,trade_id\n"
GOOD_ROWS = [
    "2024-03-04,TCS,NSE,buy,4,3950.10,12.40,,T-{u}-1",
    "2024-03-05,INFY,NSE,buy,10,1610.00,9.80,,T-{u}-2",
]


@pytest.fixture(scope="module")
def route_present(sec_server) -> None:
    spec = httpx.get(f"{sec_server.url}/api/v1/openapi.json", timeout=10).json()
    if IMPORT not in spec["paths"]:
        pytest.skip("the portfolio import route is not installed")


def upload(api: httpx.Client, headers: dict, content: bytes, name: str = "trades.csv"):
    return api.post(IMPORT, files={"file": (name, content, "text/csv")}, headers=headers)


def trades_of(api: httpx.Client, headers: dict) -> list[dict]:
    r = api.get(TRADES, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def csv_of(*rows: str, u: str = "") -> bytes:
    return (HEADER + "\n".join(r.format(u=u) for r in rows) + "\n").encode()


def test_good_file_imports(api, route_present):
    _, _, h = new_user(api)
    r = upload(api, h, csv_of(*GOOD_ROWS, u=uuid.uuid4().hex[:6]))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2 and len(trades_of(api, h)) == 2


@pytest.mark.parametrize(
    ("case", "content"),
    [
        ("utf-16 with BOM", ("\ufeff" + HEADER + GOOD_ROWS[0].format(u="x")).encode("utf-16")),
        (
            "latin-1 bytes",
            (HEADER + "2024-03-04,TCS,NSE,buy,4,3950.10,0,caf\xe9,L1\n").encode("latin-1")
            + b"\xff\xfe\x00garbage",
        ),
        ("binary", bytes(range(256)) * 8),
        ("missing columns", b"date,symbol\n2024-03-04,TCS\n"),
        ("no header", b"2024-03-04,TCS,NSE,buy,4,3950.10,0,,Z1\n"),
        ("negative quantity", csv_of(GOOD_ROWS[0], "2024-03-06,ITC,NSE,buy,-5,430.00,0,,N1")),
        ("zero price", csv_of(GOOD_ROWS[0], "2024-03-06,ITC,NSE,buy,5,0,0,,N2")),
        (
            "future date",
            csv_of(
                GOOD_ROWS[0],
                f"{(datetime.now(UTC) + timedelta(days=30)).date()},ITC,NSE,buy,5,430.00,0,,F1",
            ),
        ),
        ("unknown symbol", csv_of(GOOD_ROWS[0], "2024-03-06,NOSUCHCO,NSE,buy,5,10,0,,U1")),
        ("bad last row", csv_of(*GOOD_ROWS, "2024-03-07,ITC,NSE,buy,5,not-a-price,0,,B1")),
        ("oversell", csv_of(GOOD_ROWS[0], "2024-03-08,TCS,NSE,sell,40,4000,0,,O1")),
        ("huge quantity", csv_of(GOOD_ROWS[0], "2024-03-06,ITC,NSE,buy,1e400,430,0,,H1")),
        ("empty", b""),
    ],
)
def test_bad_files_are_refused_with_a_clear_error_and_write_nothing(
    api, route_present, case, content
):
    _, _, h = new_user(api)
    r = upload(api, h, content)
    assert r.status_code in (400, 413, 422), (case, r.status_code, r.text[:200])
    detail = r.json()["detail"]
    assert detail and isinstance(detail, str | list), case
    assert trades_of(api, h) == [], f"{case}: nothing may be written"


def test_bad_row_is_named(api, route_present):
    _, _, h = new_user(api)
    r = upload(api, h, csv_of(*GOOD_ROWS, "2024-03-07,ITC,NSE,buy,5,not-a-price,0,,B1", u="n"))
    assert r.status_code == 422
    assert "4" in str(r.json()["detail"]) or "row" in str(r.json()["detail"]).lower()


def test_fifty_megabyte_file_is_refused_quickly_and_writes_nothing(api, route_present):
    _, _, h = new_user(api)
    row = b"2024-03-04,TCS,NSE,buy,1,3950.10,0,,\n"
    big = HEADER.encode() + row * (50 * 2**20 // len(row))
    assert len(big) > 10 * get_settings().import_max_bytes
    started = time.monotonic()
    r = upload(api, h, big)
    elapsed = time.monotonic() - started
    assert r.status_code == 413, r.text[:200]
    assert elapsed < 10, f"took {elapsed:.1f}s"
    assert trades_of(api, h) == []
    assert api.get("/api/v1/health").status_code == 200


def test_failure_half_way_through_the_insert_leaves_nothing(migrated_db, monkeypatch):
    """In-process: the second insert chunk raises; the first chunk must not survive."""
    from sqlmodel import select

    from stockapp.db import trades as tr
    from stockapp.db.models import Trade, User
    from stockapp.db.session import session_scope

    with session_scope() as s:
        user = User(username=f"chunky_{uuid.uuid4().hex[:8]}", password_hash="x")
        s.add(user)
        s.flush()
        uid = user.id
    monkeypatch.setattr(tr, "INSERT_CHUNK", 5)
    rows = [f"2024-01-{1 + i:02d},TCS,NSE,buy,1,3950.10,0,,C{i}" for i in range(15)]
    data = csv_of(*rows)
    calls = {"n": 0}
    real_values = tr._values

    def failing_values(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > tr.INSERT_CHUNK + 1:
            raise RuntimeError("disk full")
        return real_values(*args, **kwargs)

    monkeypatch.setattr(tr, "_values", failing_values)
    with pytest.raises(RuntimeError, match="disk full"), session_scope() as s:
        tr.import_csv(s, uid, data, known=lambda *_: True)
    assert calls["n"] > tr.INSERT_CHUNK, "the failure must come after a chunk was inserted"
    with session_scope() as s:
        assert s.exec(select(Trade).where(Trade.user_id == uid)).all() == []


def test_rename_and_add_from_two_sessions_keep_both_edits(api, sec_server):
    _, _, h = new_user(api)
    wl = api.post("/api/v1/watchlists", json={"name": "race"}, headers=h).json()["id"]
    symbols = ["TCS", "INFY", "ITC", "SBIN", "WIPRO", "LT", "AXISBANK", "MARUTI"]
    errors: list[str] = []

    def renamer() -> None:
        with httpx.Client(base_url=sec_server.url, timeout=15) as c:
            for i in range(len(symbols)):
                r = c.patch(f"/api/v1/watchlists/{wl}", json={"name": f"race-{i}"}, headers=h)
                if r.status_code != 200:
                    errors.append(f"rename {r.status_code}")

    def adder() -> None:
        with httpx.Client(base_url=sec_server.url, timeout=15) as c:
            for sym in symbols:
                r = c.post(f"/api/v1/watchlists/{wl}/items", json={"symbol": sym}, headers=h)
                if r.status_code not in (200, 201):
                    errors.append(f"add {sym} {r.status_code}")

    threads = [threading.Thread(target=renamer), threading.Thread(target=adder)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    body = api.get(f"/api/v1/watchlists/{wl}", headers=h).json()
    assert body["name"] == f"race-{len(symbols) - 1}"
    assert {i["symbol"] for i in body["items"]} == set(symbols)
