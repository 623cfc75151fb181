"""Time-driven changes to paper orders, run by the engine on the leader every few seconds.

Idempotent and safe from any number of processes at once: cancellations are conditional
updates, and every closing order carries a unique key, so a square-off or an expiry close is
created once however many sweeps race.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db.paper_models import PaperFill, PaperOrder
from stockapp.market.paper import OrderType, Product, Status, Validity, session_day, square_off_at
from stockapp.market.paper.contracts import parse_option_symbol
from stockapp.market.paper.orders import GTT_LIFETIME
from stockapp.paper.store import LIVE

SQUARE_OFF_LOOKBACK = timedelta(days=10)
OPTION_LOOKBACK = timedelta(days=400)  # the farthest listed expiry is months away


def sweep(session: Session, now: datetime, book: str = LIVE) -> tuple[list[int], list[PaperOrder]]:
    """Time-driven changes, idempotent and safe from any number of processes:
    day orders expire at their session's close, open intraday orders are cancelled at
    15:20 IST and each intraday position left open is squared off by a market order (one
    per user, instrument and session: a unique key), GTTs expire after a year.

    Only `book`'s orders are swept, by `now` on its own clock (a replay's session time).
    Returns (ids of cancelled orders, new square-off orders).
    """
    today = session_day(now)
    cancelled: list[int] = []

    def cancel(where: list, reason: str) -> None:
        ids = list(
            session.exec(
                select(PaperOrder.id).where(
                    PaperOrder.status == Status.OPEN,
                    PaperOrder.book == book,
                    PaperOrder.source == "user",
                    *where,
                )
            ).all()
        )
        if not ids:
            return
        session.execute(
            sa.update(PaperOrder)
            .where(PaperOrder.id.in_(ids), PaperOrder.status == Status.OPEN)
            .values(
                status=Status.CANCELLED.value,
                reason=reason,
                updated_at=now,
                version=PaperOrder.version + 1,
            )
        )
        cancelled.extend(ids)

    cancel(
        [PaperOrder.validity == Validity.DAY, PaperOrder.session_day < today],
        "expired at the close of its session",
    )
    squared_days = [d for d in _recent_days(now) if square_off_at(d) <= now]
    if squared_days:
        cancel(
            [PaperOrder.product == Product.MIS, PaperOrder.session_day.in_(squared_days)],
            "intraday order cancelled at the 15:20 IST square-off",
        )
    cancel(
        [PaperOrder.validity == Validity.GTT, PaperOrder.placed_at < now - GTT_LIFETIME],
        "GTT expired after one year",
    )
    expired = [
        o.id
        for o in session.exec(
            select(PaperOrder).where(
                PaperOrder.status == Status.OPEN,
                PaperOrder.book == book,
                PaperOrder.segment == "options",
                PaperOrder.source == "user",
            )
        ).all()
        if _expiry_passed(o.symbol, now)
    ]
    if expired:
        cancel([PaperOrder.id.in_(expired)], "the contract expires: orders closed at 15:20 IST")
    created = _square_off(session, now, squared_days, book)
    created += _settle_expiring(session, now, book)
    return cancelled, created


def _expiry_passed(symbol: str, now: datetime) -> bool:
    spec = parse_option_symbol(symbol)
    return spec is not None and square_off_at(spec.expiry) <= now


def _settle_expiring(session: Session, now: datetime, book: str) -> list[PaperOrder]:
    """Close option positions at 15:20 IST on their expiry day with a market order (the
    paper book does not model exercise and settlement)."""
    rows = session.exec(
        select(PaperFill).where(
            PaperFill.book == book,
            PaperFill.segment == "options",
            PaperFill.filled_at >= now - OPTION_LOOKBACK,
        )
    ).all()
    net: dict[tuple[int, str, str], int] = defaultdict(int)
    for f in rows:
        net[(f.user_id, f.symbol, f.market)] += (
            int(f.quantity) if f.side == "buy" else -int(f.quantity)
        )
    closing = session.exec(
        select(PaperOrder).where(
            PaperOrder.status == Status.OPEN,
            PaperOrder.book == book,
            PaperOrder.segment == "options",
            PaperOrder.source != "user",
        )
    ).all()
    for o in closing:  # already being closed (an intraday square-off on expiry day)
        net[(o.user_id, o.symbol, o.market)] += (
            int(o.quantity) if o.side == "buy" else -int(o.quantity)
        )
    created: list[PaperOrder] = []
    for (user_id, symbol, market), qty in sorted(net.items()):
        if qty == 0 or not _expiry_passed(symbol, now):
            continue
        key = _book_key(book, f"expiry:{user_id}:{symbol}:{market}")
        row = _closing_order(session, user_id, symbol, market, qty, now, key, "expiry", book=book)
        if row is not None:
            created.append(row)
    return created


def _closing_order(
    session: Session,
    user_id: int,
    symbol: str,
    market: str,
    net: int,
    now: datetime,
    key: str,
    source: str,
    *,
    book: str,
    product: str = Product.CNC.value,
    day: date | None = None,
    segment: str = "options",
) -> PaperOrder | None:
    """A market order that closes `net` shares, once per `key` across every process."""
    if session.exec(select(PaperOrder.id).where(PaperOrder.square_off_key == key)).first():
        return None
    reason = (
        "intraday square-off at 15:20 IST"
        if source == "square_off"
        else "expiring contract closed at 15:20 IST on its expiry day"
    )
    row = PaperOrder(
        user_id=user_id,
        book=book,
        symbol=symbol,
        market=market,
        side="sell" if net > 0 else "buy",
        segment=segment,
        order_type=OrderType.MARKET.value,
        product=product,
        validity=Validity.DAY.value,
        quantity=abs(net),
        status=Status.OPEN.value,
        reason=reason,
        session_day=day or session_day(now),
        source=source,
        square_off_key=key,
        placed_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None  # another process closed it first
    return row


def _book_key(book: str, key: str) -> str:
    """Square-off keys are unique per book (a replay's keys start with its id)."""
    return f"{book}:{key}" if book != LIVE else key


def _recent_days(now: datetime) -> list[date]:
    today = session_day(now)
    return [today - timedelta(days=i) for i in range(SQUARE_OFF_LOOKBACK.days + 1)]


def _square_off(session: Session, now: datetime, days: list[date], book: str) -> list[PaperOrder]:
    if not days:
        return []
    rows = session.exec(
        select(PaperFill).where(
            PaperFill.book == book,
            PaperFill.product == Product.MIS,
            PaperFill.session_day.in_(days),
        )
    ).all()
    net: dict[tuple[int, str, str, date, str], int] = defaultdict(int)
    for f in rows:
        net[(f.user_id, f.symbol, f.market, f.session_day, f.segment)] += (
            int(f.quantity) if f.side == "buy" else -int(f.quantity)
        )
    created: list[PaperOrder] = []
    for (user_id, symbol, market, day, segment), qty in sorted(net.items()):
        if qty == 0:
            continue
        key = _book_key(book, f"{user_id}:{symbol}:{market}:{day.isoformat()}")
        row = _closing_order(
            session,
            user_id,
            symbol,
            market,
            qty,
            now,
            key,
            "square_off",
            book=book,
            product=Product.MIS.value,
            day=day,
            segment=segment,
        )
        if row is not None:
            created.append(row)
    return created
