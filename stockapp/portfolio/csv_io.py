"""Importing trades from CSV: a Zerodha Console tradebook or a simple generic layout.

Imports are all-or-nothing: the first bad row raises ImportError_ and no trade is returned,
so a user fixes the file and imports again rather than ending up with half a book.

Row numbers are the ones a spreadsheet shows: the header is row 1 and the first trade is
row 2 (blank lines count, as they do in a spreadsheet).

Duplicates: a row whose trade_id was seen earlier in the file, or is in `existing_trade_ids`,
is skipped and counted; rows without one get a stable fingerprint id (see dedupe.py), so
re-importing the same file adds nothing.

Zerodha tradebooks carry no charges, so their trades have zero fees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from stockapp.portfolio import csv_fields as cf
from stockapp.portfolio.csv_export import holdings_to_csv, trades_to_csv
from stockapp.portfolio.dedupe import drop_duplicates_indexed
from stockapp.portfolio.trades import IST, TradeError, TradeIn

__all__ = [
    "MAX_BYTES",
    "ImportError_",
    "ParsedImport",
    "holdings_to_csv",
    "parse_tradebook",
    "trades_to_csv",
]

T = TypeVar("T")
MAX_BYTES = 5 * 1024 * 1024
CLOCK_SKEW = timedelta(minutes=5)  # tolerated lead of a broker clock over ours
Format = Literal["zerodha", "generic"]
KnownSymbol = Callable[[str, str], bool]

ZERODHA_REQUIRED = (
    "symbol",
    "trade_date",
    "exchange",
    "segment",
    "trade_type",
    "quantity",
    "price",
    "trade_id",
)
GENERIC_REQUIRED = ("symbol", "side", "quantity", "price", "date")
# accepted spellings of generic columns (after lower-casing and spaces -> underscores)
GENERIC_ALIASES = {
    "symbol": ("symbol", "tradingsymbol", "ticker"),
    "side": ("side", "action", "type"),
    "quantity": ("quantity", "qty"),
    "price": ("price", "rate"),
    "date": ("date", "datetime", "traded_at", "time"),
    "market": ("market", "exchange"),
    "fees": ("fees", "charges"),
    "note": ("note", "notes"),
    "trade_id": ("trade_id",),
}


class ImportError_(ValueError):
    """Why a file was rejected; `row` is None for problems with the file as a whole.

    The trailing underscore keeps it apart from the builtin ImportError (a failed import).
    """

    def __init__(self, row: int | None, field: str | None, message: str):
        self.row = row
        self.field = field
        self.message = message
        where = f"Row {row}" if row is not None else ""
        if field:
            where = f"{where}, {field}" if where else field
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class ParsedImport:
    trades: list[TradeIn]  # new trades, in file order
    format: Format
    rows: int  # non-blank data rows read
    skipped_duplicates: int
    row_numbers: tuple[int, ...] = ()  # the file row of each of `trades`

    def row_of(self, trade: TradeIn) -> int | None:
        """The file row a trade of this import came from (None for any other trade)."""
        for candidate, number in zip(self.trades, self.row_numbers, strict=False):
            if candidate is trade:
                return number
        return None


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _decode(data: bytes, filename: str, max_bytes: int) -> str:
    name = filename or "The file"
    if len(data) > max_bytes:
        raise ImportError_(
            None, None, f"{name} is {_size(len(data))}; the limit is {_size(max_bytes)}"
        )
    if not data.strip():
        raise ImportError_(None, None, f"{name} is empty")
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xls")):
        raise ImportError_(None, None, f"{name} is an Excel workbook; export or save it as CSV")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportError_(None, None, f"{name} is UTF-16 text; expected UTF-8 (save as CSV UTF-8)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            None,
            None,
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "expected UTF-8 (save as CSV UTF-8)",
        ) from None
    if not text.strip():
        raise ImportError_(None, None, f"{name} is empty")
    if "\x00" in text:
        raise ImportError_(None, None, f"{name} contains NUL bytes; expected UTF-8 text")
    return text


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


class _Row:
    """One data row, read by column name, with errors pointing at row and column."""

    __slots__ = ("cells", "columns", "number")

    def __init__(self, number: int, cells: list[str], columns: dict[str, int]):
        self.number = number
        self.cells = cells
        self.columns = columns

    def get(self, field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def parse(self, field: str, parser: Callable[[str], T]) -> T:
        try:
            return parser(self.get(field))
        except cf.FieldError as exc:
            raise ImportError_(self.number, field, str(exc)) from None


def _zerodha_row(row: _Row, default_market: str) -> tuple[TradeIn, bool]:
    """The trade, and whether its time is exact (not just a date)."""
    segment = row.get("segment").strip().upper()
    if segment != "EQ":
        raise ImportError_(
            row.number, "segment", f"segment {segment or '(empty)'} is not supported; only EQ"
        )
    day = row.parse("trade_date", cf.parse_date)
    executed = row.get("order_execution_time").strip()
    when = row.parse("order_execution_time", cf.parse_when) if executed else cf.at_market_open(day)
    if when.astimezone(IST).date() != day:
        raise ImportError_(
            row.number, "order_execution_time", f"{executed} is not on trade_date {day}"
        )
    trade_id = row.parse("trade_id", cf.parse_trade_id)
    if not trade_id:
        raise ImportError_(row.number, "trade_id", "trade_id is empty")
    trade = TradeIn(
        **_what_was_traded(row, default_market, "exchange", "trade_type"),
        traded_at=when,
        trade_id=trade_id,
    )
    return trade, bool(executed)


def _what_was_traded(
    row: _Row, default_market: str, market_column: str, side_column: str
) -> dict[str, Any]:
    """The fields every format has (symbol, market, side, quantity, price), read from the
    format's own column names."""
    return {
        "symbol": row.parse("symbol", cf.parse_symbol),
        "market": row.parse(market_column, lambda t: cf.parse_market(t, default_market)),
        "side": row.parse(side_column, cf.parse_side),
        "quantity": row.parse("quantity", cf.parse_quantity),
        "price": row.parse("price", cf.parse_price),
    }


def _generic_row(row: _Row, default_market: str) -> tuple[TradeIn, bool]:
    trade = TradeIn(
        **_what_was_traded(row, default_market, "market", "side"),
        traded_at=row.parse("date", cf.parse_when),
        fees=row.parse("fees", cf.parse_fees),
        note=row.parse("note", cf.parse_note),
        trade_id=row.parse("trade_id", cf.parse_trade_id) or None,
    )
    return trade, len(row.get("date").strip()) > 10


def _columns(header: list[str]) -> tuple[Format, dict[str, int]]:
    names = [_column(h) for h in header]
    found = {name: i for i, name in reversed(list(enumerate(names))) if name}
    if "trade_type" in found or "segment" in found:
        missing = [c for c in ZERODHA_REQUIRED if c not in found]
        if missing:
            raise ImportError_(
                1, ", ".join(missing), "Zerodha tradebook is missing columns: " + ", ".join(missing)
            )
        return "zerodha", found
    columns: dict[str, int] = {}
    for field, aliases in GENERIC_ALIASES.items():
        index = next((found[a] for a in aliases if a in found), None)
        if index is not None:
            columns[field] = index
    missing = [c for c in GENERIC_REQUIRED if c not in columns]
    if missing:
        raise ImportError_(
            1,
            ", ".join(missing),
            "missing columns: "
            + ", ".join(missing)
            + " (needed: "
            + ", ".join(GENERIC_REQUIRED)
            + "; or upload a Zerodha Console tradebook)",
        )
    return "generic", columns


def _check_future(
    row: int, fields: tuple[str, str], trade: TradeIn, precise: bool, now: datetime
) -> None:
    """Reject trades after `now`; a date-only trade is judged by its date alone."""
    date_field, time_field = fields
    if trade.trade_date > now.astimezone(IST).date():
        raise ImportError_(row, date_field, f"{trade.trade_date} is in the future")
    if precise and trade.traded_at > now + CLOCK_SKEW:
        when = trade.traded_at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
        raise ImportError_(row, time_field, f"{when} IST is in the future")


def _check_known(row: int, trade: TradeIn, known: KnownSymbol | None) -> None:
    if known is not None and not known(trade.symbol, trade.market):
        exchange = "NSE" if trade.market == "india_nse" else "BSE"
        raise ImportError_(row, "symbol", f"unknown symbol {trade.symbol} on {exchange}")


def parse_tradebook(
    data: bytes,
    *,
    filename: str = "",
    existing_trade_ids: Collection[str] = frozenset(),
    known: KnownSymbol | None = None,
    max_bytes: int = MAX_BYTES,
    now: datetime | None = None,
    default_market: str = "india_nse",
) -> ParsedImport:
    """Parse and validate every row; raise ImportError_ at the first problem."""
    now = now or datetime.now(UTC)
    text = _decode(data, filename, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if not any(cell.strip() for cell in header):
        raise ImportError_(1, None, "row 1 is blank; the first row must be the column header")
    fmt, columns = _columns(header)
    build = _zerodha_row if fmt == "zerodha" else _generic_row
    time_fields = ("trade_date", "order_execution_time") if fmt == "zerodha" else ("date", "date")
    parsed: list[TradeIn] = []
    numbers: list[int] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            row = _Row(number, cells, columns)
            try:
                trade, precise = build(row, default_market)
            except TradeError as exc:
                raise ImportError_(number, None, str(exc)) from None
            _check_future(number, time_fields, trade, precise, now)
            _check_known(number, trade, known)
            parsed.append(trade)
            numbers.append(number)
    except csv.Error as exc:
        raise ImportError_(reader.line_num, None, f"malformed CSV: {exc}") from None
    if not parsed:
        raise ImportError_(None, None, f"{filename or 'The file'} has a header but no trades")
    kept, skipped, positions = drop_duplicates_indexed(parsed, existing_trade_ids)
    return ParsedImport(
        trades=kept,
        format=fmt,
        rows=len(parsed),
        skipped_duplicates=skipped,
        row_numbers=tuple(numbers[i] for i in positions),
    )
