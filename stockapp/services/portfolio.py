"""The logged-in user's trade book for the Portfolio page: thin async wrappers over
stockapp.db.trades (each runs in the database worker thread)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from stockapp.db import trades as tr
from stockapp.db.positions import cached_positions
from stockapp.db.session import run_db
from stockapp.market.models import Key
from stockapp.portfolio import Position, Trade, TradeIn

# errors the page shows as they are
BookError = tr.BookError
DuplicateTrade = tr.DuplicateTrade
NotFound = tr.NotFound


def _trades_and_positions(session: Session, uid: int) -> tuple[list[Trade], dict[Key, Position]]:
    return tr.list_trades(session, uid), cached_positions(session, uid)


async def book(uid: int) -> tuple[list[Trade], dict[Key, Position]]:
    """All the user's trades and their FIFO positions (cached between changes of the book)."""
    return await run_db(_trades_and_positions, uid)


async def positions(uid: int) -> dict[Key, Position]:
    """The user's FIFO positions (cached between changes of the book)."""
    return await run_db(cached_positions, uid)


async def trades(uid: int) -> list[Trade]:
    return await run_db(tr.list_trades, uid)


async def add_trade(uid: int, trade: TradeIn) -> Trade:
    return await run_db(tr.add_trade, uid, trade)


async def delete_trade(uid: int, trade_id: int) -> None:
    """Raises NotFound for a trade the user does not own."""
    await run_db(tr.delete_trade, uid, trade_id)


async def import_csv(
    uid: int, data: bytes, *, filename: str, known: Callable[[str, str], bool], max_bytes: int
) -> tuple[int, int]:
    """(imported, skipped as duplicates); all rows or none."""
    return await run_db(
        tr.import_csv, uid, data, filename=filename, known=known, max_bytes=max_bytes
    )
