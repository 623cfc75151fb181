"""Tradebook CSV import (Zerodha Console and generic) and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockapp.portfolio import (
    IST,
    ImportError_,
    PriceInfo,
    TradeIn,
    holdings_from_trades,
    holdings_to_csv,
    parse_tradebook,
    trades_to_csv,
    value_portfolio,
)

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portfolio"
ZERODHA = (FIXTURES / "zerodha_tradebook.csv").read_bytes()
GENERIC = (FIXTURES / "generic_trades.csv").read_bytes()
NOW = datetime(2024, 9, 2, 6, 0, tzinfo=UTC)
GENERIC_HEADER = "date,symbol,side,quantity,price\n"


def parse(data: bytes | str, **kwargs: object) -> object:
    raw = data.encode() if isinstance(data, str) else data
    return parse_tradebook(raw, now=NOW, **kwargs)  # type: ignore[arg-type]


def rejected(data: bytes | str, **kwargs: object) -> ImportError_:
    with pytest.raises(ImportError_) as err:
        parse(data, **kwargs)
    return err.value


# ---------------------------------------------------------------- good files


def test_zerodha_tradebook_fixture() -> None:
    result = parse_tradebook(ZERODHA, filename="tradebook-EQ.csv", now=NOW)
    assert result.format == "zerodha"
    assert result.rows == 15 and len(result.trades) == 15 and result.skipped_duplicates == 0
    first = result.trades[0]
    assert first == TradeIn(
        symbol="RELIANCE",
        market="india_nse",
        side="buy",
        quantity=10,
        price=D("2742.35"),
        traded_at=datetime(2024, 1, 15, 4, 12, 18, tzinfo=UTC),  # 09:42:18 IST
        fees=D(0),
        trade_id="54013862",
    )
    infy = [t for t in result.trades if t.symbol == "INFY"]
    assert {t.market for t in infy} == {"india_bse"}
    positions = holdings_from_trades(result.trades)
    assert positions[("RELIANCE", "india_nse")].quantity == 8
    assert positions[("INFY", "india_bse")].quantity == 0
    assert positions[("HDFCBANK", "india_nse")].quantity == 12
    assert positions[("TCS", "india_nse")].quantity == 4


def test_generic_fixture() -> None:
    result = parse(GENERIC)
    assert result.format == "generic" and result.rows == 12 and len(result.trades) == 12
    by_note = {t.note: t for t in result.trades}
    first = by_note["first tranche"]
    assert first.fees == D("23.15") and first.price == D("2321.40")
    assert first.traded_at == datetime(2023, 11, 3, 9, 15, tzinfo=IST)  # date only: at the open
    itc = by_note["dividend play"]
    assert itc.traded_at == datetime(2024, 2, 21, 8, 35, tzinfo=UTC)
    tcs = next(t for t in result.trades if t.symbol == "TCS" and t.side == "buy")
    assert tcs.traded_at == datetime(2023, 12, 14, 11, 20, 5, tzinfo=IST)  # naive = IST
    assert by_note["booked some profit"].trade_id == "MAN-0001"
    # two identical INFY fills are two trades with distinct fingerprints
    infy = [t for t in result.trades if t.symbol == "INFY"]
    assert len(infy) == 2 and infy[0].market == "india_bse"
    assert infy[0].trade_id != infy[1].trade_id
    assert all(t.trade_id and t.trade_id.startswith("fp-") for t in infy)
    assert holdings_from_trades(result.trades)[("ITC", "india_nse")].quantity == 60


def test_fingerprints_are_stable_so_reimport_adds_nothing() -> None:
    first = parse(GENERIC)
    again = parse(GENERIC)
    assert [t.trade_id for t in first.trades] == [t.trade_id for t in again.trades]
    existing = {t.trade_id for t in first.trades if t.trade_id}
    repeat = parse(GENERIC, existing_trade_ids=existing)
    assert repeat.trades == [] and repeat.skipped_duplicates == 12 and repeat.rows == 12


def test_zerodha_duplicates_in_file_and_against_existing_are_counted() -> None:
    lines = ZERODHA.decode().splitlines()
    doubled = "\n".join([*lines, lines[1], lines[2]]) + "\n"
    result = parse(doubled, existing_trade_ids={"54027711", "90441127"})
    assert result.rows == 17
    assert result.skipped_duplicates == 4
    assert len(result.trades) == 13
    assert "54027711" not in {t.trade_id for t in result.trades}


def test_utf8_bom_and_crlf_and_header_spelling() -> None:
    text = "Date,Symbol,Side,Qty,Price,Fees\r\n2024-05-02,tcs,BUY,2,3900.5,4\r\n"
    result = parse(b"\xef\xbb\xbf" + text.encode())
    (t,) = result.trades
    assert (t.symbol, t.side, t.quantity, t.price, t.fees) == ("TCS", "buy", 2, D("3900.5"), 4)
    assert parse(b"\xef\xbb\xbf" + ZERODHA).format == "zerodha"


def test_blank_lines_are_skipped_but_counted_like_a_spreadsheet() -> None:
    data = GENERIC_HEADER + "2024-05-02,TCS,buy,1,3900\n\n2024-05-03,TCS,sell,x,3900\n"
    err = rejected(data)
    assert (err.row, err.field) == (4, "quantity")


# ---------------------------------------------------------------- bad rows


def bad_generic(row: str) -> ImportError_:
    good = "2024-05-02,TCS,buy,1,3900"
    return rejected(GENERIC_HEADER + f"{good}\n{good}\n{row}\n{good}\n")


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("2024-05-02,TCS,buy,ten,3900", "quantity", "not a number"),
        ("2024-05-02,TCS,buy,-5,3900", "quantity", "greater than zero"),
        ("2024-05-02,TCS,buy,0,3900", "quantity", "greater than zero"),
        ("2024-05-02,TCS,buy,2.5,3900", "quantity", "whole number"),
        ("2024-05-02,TCS,buy,,3900", "quantity", "empty"),
        ("2024-05-02,TCS,buy,1,abc", "price", "not a number"),
        ("2024-05-02,TCS,buy,1,0", "price", "greater than zero"),
        ("2024-05-02,TCS,buy,1,NaN", "price", "not a number"),
        ("02/05/2024,TCS,buy,1,3900", "date", "YYYY-MM-DD"),
        ("2024-13-45,TCS,buy,1,3900", "date", "YYYY-MM-DD"),
        ("2999-01-01,TCS,buy,1,3900", "date", "future"),
        ("2024-09-02T18:00:00,TCS,buy,1,3900", "date", "future"),
        ("2024-05-02,TCS,short,1,3900", "side", "unknown side"),
        ("2024-05-02,,buy,1,3900", "symbol", "empty"),
        ("2024-05-02,TCS;DROP,buy,1,3900", "symbol", "not a valid"),
    ],
)
def test_bad_generic_row_names_row_and_field(row: str, field: str, words: str) -> None:
    err = bad_generic(row)
    assert err.row == 4 and err.field == field
    assert words in err.message
    assert str(err).startswith(f"Row 4, {field}: ")


def test_today_is_not_the_future_even_before_the_open() -> None:
    early = datetime(2024, 9, 2, 1, 0, tzinfo=UTC)  # 06:30 IST, before the 09:15 open
    result = parse_tradebook((GENERIC_HEADER + "2024-09-02,TCS,buy,1,3900\n").encode(), now=early)
    assert len(result.trades) == 1


def zerodha_with(row_edit: dict[str, str]) -> ImportError_:
    reader = csv.DictReader(io.StringIO(ZERODHA.decode()))
    rows = list(reader)
    rows[5].update(row_edit)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
    writer.writeheader()
    writer.writerows(rows)
    return rejected(out.getvalue())


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        ({"segment": "FO"}, "segment", "only EQ"),
        ({"exchange": "MCX"}, "exchange", "NSE or BSE"),
        ({"trade_type": "short"}, "trade_type", "unknown side"),
        ({"quantity": "-4.000000"}, "quantity", "greater than zero"),
        ({"price": ""}, "price", "empty"),
        ({"trade_id": ""}, "trade_id", "empty"),
        ({"trade_date": "12-03-2024"}, "trade_date", "YYYY-MM-DD"),
        ({"order_execution_time": "2024-03-13T13:14:02"}, "order_execution_time", "not on"),
        (
            {"trade_date": "2024-09-02", "order_execution_time": "2024-09-02T15:00:00"},
            "order_execution_time",
            "future",
        ),
        ({"trade_date": "2024-09-03", "order_execution_time": ""}, "trade_date", "future"),
    ],
)
def test_bad_zerodha_row_names_row_and_field(edit: dict[str, str], field: str, words: str) -> None:
    err = zerodha_with(edit)
    assert (err.row, err.field) == (7, field)
    assert words in err.message


def test_zerodha_quantity_with_decimals_and_missing_execution_time() -> None:
    data = ZERODHA.decode().replace(",2024-01-15T09:42:18", ",", 1)
    first = parse(data).trades[0]
    assert first.quantity == 10
    assert first.traded_at == datetime(2024, 1, 15, 9, 15, tzinfo=IST)


def test_unknown_symbol_is_rejected_with_its_row() -> None:
    err = rejected(GENERIC, known=lambda symbol, market: symbol != "WIPRO")
    assert (err.row, err.field) == (13, "symbol")
    assert "WIPRO" in err.message and "NSE" in err.message
    assert len(parse(GENERIC, known=lambda symbol, market: True).trades) == 12


# ---------------------------------------------------------------- bad files


def test_missing_generic_columns_are_named() -> None:
    err = rejected("symbol,quantity,price\nTCS,1,3900\n")
    assert err.row == 1
    assert "side" in err.message and "date" in err.message


def test_missing_zerodha_columns_are_named() -> None:
    header = ZERODHA.decode().splitlines()[0]
    cut = header.replace(",trade_id", "").replace(",exchange", "")
    err = rejected(cut + "\n")
    assert err.row == 1 and "trade_id" in err.message and "exchange" in err.message


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    assert "empty" in rejected(data).message


def test_blank_first_row_is_not_a_header() -> None:
    err = rejected("\n" + GENERIC_HEADER + "2024-05-02,TCS,buy,1,3900\n")
    assert err.row == 1 and "header" in err.message


def test_header_only_file() -> None:
    err = rejected(GENERIC_HEADER + "\n,,,,\n", filename="mine.csv")
    assert err.row is None and "no trades" in err.message and "mine.csv" in err.message


def test_latin1_bytes_are_rejected_naming_utf8() -> None:
    data = (GENERIC_HEADER + "2024-05-02,TCS,buy,1,3900\n").replace("TCS", "TCS").encode()
    latin = data.replace(b"\n2024", "\n# café\n2024".encode("latin-1"), 1)
    err = rejected(latin)
    assert "UTF-8" in err.message and "0xe9" in err.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_rejected_naming_utf8(encoding: str) -> None:
    err = rejected(GENERIC.decode().encode(encoding))
    assert "UTF-8" in err.message


def test_excel_workbook_is_rejected() -> None:
    assert "Excel" in rejected(b"PK\x03\x04rest-of-zip").message
    assert "Excel" in rejected(GENERIC, filename="book.xlsx").message


def test_size_guard() -> None:
    err = rejected(GENERIC, max_bytes=200, filename="big.csv")
    assert err.row is None and "limit" in err.message and "big.csv" in err.message
    assert len(parse(GENERIC, max_bytes=len(GENERIC)).trades) == 12
    big = b"x" * (5 * 1024 * 1024 + 1)
    assert "5.0 MB" in rejected(big).message


def test_ten_thousand_rows_parse() -> None:
    """Size only: the parse time is measured by bench/, not asserted here (shared machines)."""
    day = date(2020, 1, 1)
    lines = [GENERIC_HEADER.strip() + ",fees,exchange"]
    symbols = ("RELIANCE", "TCS", "INFY", "HDFCBANK", "ITC", "SBIN")
    for i in range(10_000):
        when = datetime.combine(day + timedelta(days=i % 1500), datetime.min.time())
        stamp = (when + timedelta(hours=10, seconds=i)).isoformat()
        lines.append(f"{stamp},{symbols[i % 6]},buy,{1 + i % 50},{100 + i % 900}.05,1.25,NSE")
    data = ("\n".join(lines) + "\n").encode()
    result = parse_tradebook(data, now=NOW, known=lambda s, m: True)
    assert len(result.trades) == 10_000
    assert {t.symbol for t in result.trades} == set(symbols)


# ---------------------------------------------------------------- export


NOTES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20).map(
    str.strip
)


@st.composite
def exportable_trades(draw: st.DrawFn) -> list[TradeIn]:
    out = []
    for _ in range(draw(st.integers(1, 15))):
        seconds = draw(st.integers(0, 4 * 365 * 86400))
        out.append(
            TradeIn(
                symbol=draw(st.sampled_from(("RELIANCE", "M&M", "BAJAJ-AUTO", "TCS"))),
                market=draw(st.sampled_from(("india_nse", "india_bse"))),
                side=draw(st.sampled_from(("buy", "sell"))),
                quantity=draw(st.integers(1, 10_000)),
                price=D(draw(st.integers(1, 10**8))) / D(draw(st.sampled_from((1, 100, 10000)))),
                traded_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
                fees=D(draw(st.integers(0, 10**5))) / 100,
                note=draw(st.one_of(NOTES, st.sampled_from(("=1+1", "'quoted", "-ve", 'a,b"c')))),
                trade_id=draw(st.one_of(st.none(), st.from_regex(r"[0-9]{6,10}", fullmatch=True))),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(trades=exportable_trades())
def test_export_then_import_round_trip(trades: list[TradeIn]) -> None:
    text = trades_to_csv(trades)
    result = parse_tradebook(text.encode(), now=NOW)
    assert result.format == "generic"
    with_ids = [t for t in trades if t.trade_id]
    unique_ids = {t.trade_id for t in with_ids}
    assert result.skipped_duplicates == len(with_ids) - len(unique_ids)
    back = iter(result.trades)
    seen: set[str] = set()
    for original in trades:
        if original.trade_id in seen:
            continue
        if original.trade_id:
            seen.add(original.trade_id)
        got = next(back)
        assert got.trade_id == (original.trade_id or got.trade_id)
        for name in ("symbol", "market", "side", "quantity", "price", "traded_at", "fees", "note"):
            assert getattr(got, name) == getattr(original, name), name
    # and importing the export of the import adds nothing
    again = parse_tradebook(
        trades_to_csv(result.trades).encode(),
        now=NOW,
        existing_trade_ids={t.trade_id for t in result.trades if t.trade_id},
    )
    assert again.trades == []


def test_export_guards_formula_notes_and_writes_ist_times() -> None:
    trade = TradeIn(
        symbol="ITC",
        market="india_nse",
        side="buy",
        quantity=5,
        price=D("1E+2"),
        traded_at=datetime(2024, 5, 2, 4, 45, 23, tzinfo=UTC),
        fees=D("0.50"),
        note="=HYPERLINK(1)",
    )
    rows = list(csv.reader(io.StringIO(trades_to_csv([trade]))))
    assert rows[0] == ["date", "symbol", "market", "side", "quantity", "price", "fees",
                       "trade_id", "note"]  # fmt: skip
    assert rows[1] == ["2024-05-02T10:15:23+05:30", "ITC", "NSE", "buy", "5", "100",
                       "0.50", "", "'=HYPERLINK(1)"]  # fmt: skip


def test_holdings_csv_rows_and_total() -> None:
    positions = holdings_from_trades(parse(ZERODHA).trades)
    prices = {key: PriceInfo(D("1000.005"), D("990")) for key in positions}
    valuation = value_portfolio(positions, prices, date(2024, 9, 2), NOW)
    rows = list(csv.DictReader(io.StringIO(holdings_to_csv(valuation))))
    assert [r["symbol"] for r in rows] == ["HDFCBANK", "ITC", "RELIANCE", "SBIN", "TCS", "TOTAL"]
    reliance = rows[2]
    assert reliance["quantity"] == "8" and reliance["market_value"] == "8000.04"
    assert reliance["first_bought"] == "2024-01-15"
    assert {r["market"] for r in rows[:-1]} == {"NSE"}  # the exchange, as people write it
    total = rows[-1]
    assert D(total["invested"]) == valuation.totals.invested.quantize(D("0.01"))
    assert D(total["realized_pnl"]) == valuation.totals.realized_pnl.quantize(D("0.01"))
    assert total["quantity"] == ""
