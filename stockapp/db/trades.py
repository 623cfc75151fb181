"""Trade persistence, shared by the REST API and the Portfolio page.

Every change is checked against the owner's whole history of the instruments it touches
(FIFO replay), so the stored book can never hold a sell of shares that were not held at
that moment. Every function takes the owner's id and answers `NotFound` for another user's
trades, so no caller can reach them by guessing ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db import errors
from stockapp.db.crud import flush_unique, owned
from stockapp.db.models import Trade as TradeRow
from stockapp.db.models import User
from stockapp.market.models import Key
from stockapp.portfolio import (
    ImportError_,
    OversellError,
    ParsedImport,
    Trade,
    TradeIn,
    fingerprint,
    holdings_from_trades,
    parse_tradebook,
    validate_deletion,
    validate_new_trade,
)
from stockapp.portfolio.trades import check_trade_date
from stockapp.records import carry
from stockapp.settings import get_settings

PRICE_STEP = Decimal("0.0001")  # the scale of the Numeric money columns
INSERT_CHUNK = 2000


class NotFound(errors.NotFound):
    """No trade with that id belongs to the user."""


class BookError(ValueError):
    """A change that would leave a sell short of shares at its time."""


class DuplicateTrade(errors.Conflict):
    """A broker trade id the user already has."""


def _to_domain(row: TradeRow) -> Trade:
    return carry(
        Trade,
        row,
        quantity=int(row.quantity),
        price=Decimal(row.price),
        fees=Decimal(row.fees),
        note=row.note or "",
    )


def _values(user_id: int, trade: TradeIn, now: datetime) -> dict[str, object]:
    return {
        "user_id": user_id,
        "symbol": trade.symbol,
        "market": trade.market,
        "side": trade.side,
        "quantity": trade.quantity,
        "price": trade.price.quantize(PRICE_STEP),  # the money columns' scale
        "fees": trade.fees.quantize(PRICE_STEP),
        "traded_at": trade.traded_at,
        "note": trade.note,
        "trade_id": trade.trade_id,
        "created_at": now,
    }


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise book changes per user (the UPDATE takes PostgreSQL's row lock and SQLite's
    write lock), so two concurrent sells cannot both pass validation against the same
    holdings; and mark the book changed: the version bump makes every worker's cached
    positions stale (`db.positions`), and is rolled back with a change that fails."""
    session.execute(
        sa.update(User)
        .where(User.id == user_id)  # type: ignore[arg-type]
        .values(book_version=User.book_version + 1)
    )


class BookTooLarge(BookError):
    """The book would pass `STOCKAPP_PORTFOLIO_MAX_TRADES`."""


def max_trades() -> int:
    return get_settings().portfolio_max_trades


def _too_large_message(cap: int) -> str:
    return (
        f"A portfolio holds at most {cap:,} trades (STOCKAPP_PORTFOLIO_MAX_TRADES); "
        "this would pass that cap"
    )


def _check_room(session: Session, user_id: int, adding: int) -> None:
    cap = max_trades()
    if count_trades(session, user_id) + adding > cap:
        raise BookTooLarge(_too_large_message(cap))


def _rows(session: Session, user_id: int, keys: Iterable[Key] | None = None) -> list[TradeRow]:
    stmt = select(TradeRow).where(TradeRow.user_id == user_id)
    if keys is not None:
        conds = [sa.and_(TradeRow.symbol == s, TradeRow.market == m) for s, m in set(keys)]
        if not conds:
            return []
        stmt = stmt.where(sa.or_(*conds))
    return list(session.exec(stmt.order_by(TradeRow.traded_at, TradeRow.id)).all())


def _owned(session: Session, user_id: int, trade_db_id: int) -> TradeRow:
    return owned(session, TradeRow, user_id, trade_db_id, what="Trade", missing=NotFound)


def _store(session: Session, row: TradeRow, trade: TradeIn) -> Trade:
    flush_unique(
        session,
        row,
        lambda: DuplicateTrade(f"A trade with broker id {trade.trade_id} already exists"),
    )
    return _to_domain(row)


def _check(fn: Callable[[], object]) -> None:
    try:
        fn()
    except OversellError as exc:
        raise BookError(str(exc)) from None


_TRADE_COLUMNS = ("id", "symbol", "market", "side", "quantity", "price", "fees", "traded_at")


def list_trades(session: Session, user_id: int, *, newest_first: bool = False) -> list[Trade]:
    """The user's trades in replay order (oldest first), or newest first for display.

    Reads plain rows rather than ORM objects: for a book of tens of thousands of trades
    the ORM's per-object bookkeeping cost several times the query itself."""
    table = TradeRow.__table__
    cols = [table.c[name] for name in _TRADE_COLUMNS]
    stmt = (
        sa.select(*cols, table.c.note, table.c.trade_id)
        .where(table.c.user_id == user_id)
        .order_by(table.c.traded_at, table.c.id)
    )
    trades = [
        Trade(
            id=row[0],
            symbol=row[1],
            market=row[2],
            side=row[3],
            quantity=int(row[4]),
            price=Decimal(row[5]),
            fees=Decimal(row[6]),
            traded_at=row[7],
            note=row[8] or "",
            trade_id=row[9],
        )
        for row in session.execute(stmt)
    ]
    if newest_first:
        trades.reverse()
    return trades


def count_trades(session: Session, user_id: int) -> int:
    return session.exec(
        select(sa.func.count()).select_from(TradeRow).where(TradeRow.user_id == user_id)
    ).one()


def get_trade(session: Session, user_id: int, trade_db_id: int) -> Trade:
    return _to_domain(_owned(session, user_id, trade_db_id))


def _free_fingerprint(trade: TradeIn, existing: Iterable[TradeIn]) -> str:
    """The id an import of this trade would get, so exporting the book and importing the
    file again adds nothing; the n-th identical trade gets the n-th fingerprint, as in a file."""
    taken = {t.trade_id for t in existing}
    occurrence = 0
    while fingerprint(trade, occurrence) in taken:
        occurrence += 1
    return fingerprint(trade, occurrence)


def add_trade(session: Session, user_id: int, trade: TradeIn) -> Trade:
    """Store one trade; BookError when it is a sell of more than was held at its time, or
    BookTooLarge when the book is full."""
    check_trade_date(trade.trade_date)
    _lock_user(session, user_id)
    _check_room(session, user_id, 1)
    existing = [_to_domain(r) for r in _rows(session, user_id, [trade.key])]
    _check(lambda: validate_new_trade(existing, trade))
    if trade.trade_id is None:
        trade = replace(trade, trade_id=_free_fingerprint(trade, existing))
    row = TradeRow(**_values(user_id, trade, datetime.now(UTC)))
    return _store(session, row, trade)


def update_trade(session: Session, user_id: int, trade_db_id: int, trade: TradeIn) -> Trade:
    """Replace a trade's fields (keeping its broker id unless a new one is given); the
    histories of both the old and the new instrument must stay valid."""
    check_trade_date(trade.trade_date)
    _lock_user(session, user_id)
    row = _owned(session, user_id, trade_db_id)
    if trade.trade_id is None:
        trade = replace(trade, trade_id=row.trade_id)
    new = Trade.from_input(trade, trade_db_id)
    existing = [
        _to_domain(r) for r in _rows(session, user_id, {trade.key, (row.symbol, row.market)})
    ]
    _check(lambda: validate_new_trade(existing, new, replaces=trade_db_id))
    for name, value in _values(user_id, trade, row.created_at).items():
        setattr(row, name, value)
    return _store(session, row, trade)


def delete_trade(session: Session, user_id: int, trade_db_id: int) -> None:
    """Refused (BookError) when a later sell depends on the shares of this buy."""
    _lock_user(session, user_id)
    row = _owned(session, user_id, trade_db_id)
    existing = [_to_domain(r) for r in _rows(session, user_id, [(row.symbol, row.market)])]
    try:
        validate_deletion(existing, trade_db_id)
    except OversellError as exc:
        raise BookError(f"Cannot delete trade {trade_db_id}: {exc}") from None
    session.delete(row)
    session.flush()


def _oversell_in_import(parsed: ParsedImport, exc: OversellError) -> ImportError_:
    row = parsed.row_of(exc.trade)
    if row is None:  # the short sell is an existing trade, left short by an imported one
        return ImportError_(None, None, f"After this import: {exc}")
    return ImportError_(row, "quantity", str(exc))


def import_trades(session: Session, user_id: int, parsed: ParsedImport) -> tuple[int, int]:
    """Store every new trade of an import or none: returns (imported, skipped_duplicates).

    Trades whose broker id the user already has are skipped (the import may have been parsed
    before a concurrent one landed). The combined book (stored plus imported) is replayed
    before anything is written; an oversell anywhere raises ImportError_ naming the row.
    """
    _lock_user(session, user_id)
    existing = [_to_domain(r) for r in _rows(session, user_id)]
    have = {t.trade_id for t in existing if t.trade_id}
    new = [t for t in parsed.trades if t.trade_id not in have]
    skipped = parsed.skipped_duplicates + len(parsed.trades) - len(new)
    if not new:
        return 0, skipped
    cap = max_trades()
    if len(existing) + len(new) > cap:
        raise ImportError_(
            None,
            None,
            f"{_too_large_message(cap)}: it has {len(existing):,} and the file adds {len(new):,}",
        )
    try:
        holdings_from_trades([*existing, *new])
    except OversellError as exc:
        raise _oversell_in_import(parsed, exc) from None
    now = datetime.now(UTC)
    table = TradeRow.__table__
    for start in range(0, len(new), INSERT_CHUNK):
        chunk = new[start : start + INSERT_CHUNK]
        try:
            session.execute(sa.insert(table), [_values(user_id, t, now) for t in chunk])
        except IntegrityError as exc:
            session.rollback()
            raise ImportError_(
                None, None, "another import of the same trades ran at the same time; try again"
            ) from exc
    session.flush()
    return len(new), skipped


def existing_trade_ids(session: Session, user_id: int) -> set[str]:
    rows = session.exec(
        select(TradeRow.trade_id).where(TradeRow.user_id == user_id, TradeRow.trade_id.is_not(None))
    ).all()
    return set(rows)


def import_csv(
    session: Session,
    user_id: int,
    data: bytes,
    *,
    filename: str = "",
    known: Callable[[str, str], bool] | None = None,
    max_bytes: int | None = None,
) -> tuple[int, int]:
    """Parse a broker file and store it in one transaction (ImportError_ on any bad row)."""
    kwargs: dict[str, object] = {}
    if max_bytes is not None:
        kwargs["max_bytes"] = max_bytes
    parsed = parse_tradebook(
        data,
        filename=filename,
        existing_trade_ids=existing_trade_ids(session, user_id),
        known=known,
        **kwargs,
    )
    return import_trades(session, user_id, parsed)
