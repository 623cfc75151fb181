"""The engine's writes: loading open orders, recording triggers and fills.

Every write is fenced on the order's status and version, so it applies only to the order
as the engine saw it: a fill writes the order's status, the fill row and the cash movement
in one transaction, and an order already filled, cancelled or modified (by another process
that briefly also thought it led, or by its owner) is left alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from stockapp.db.paper_models import PaperAccount, PaperFill, PaperOrder
from stockapp.db.replay_models import ReplaySession
from stockapp.market.paper import Product, Status, compute_charges, from_paise, session_day
from stockapp.paper.store import LIVE, FillData, OrderData, ensure_account, order_data
from stockapp.records import carry

ZERO = Decimal(0)


def open_orders(session: Session, book: str = LIVE) -> list[PaperOrder]:
    """The open orders of `book` (the live market's, or one replay's)."""
    stmt = select(PaperOrder).where(PaperOrder.status == Status.OPEN, PaperOrder.book == book)
    return list(session.exec(stmt).all())


def open_order(session: Session, order_id: int) -> PaperOrder | None:
    row = session.get(PaperOrder, order_id)
    return row if row is not None and row.status == Status.OPEN else None


def _update_open(
    session: Session, order_id: int, version: int, values: dict, *where: object
) -> bool:
    """Apply `values` to the order if it is still open at `version` (fenced: another process
    that filled, cancelled or modified it meanwhile wins); True when it did."""
    result = session.execute(
        sa.update(PaperOrder)
        .where(
            PaperOrder.id == order_id,
            PaperOrder.status == Status.OPEN,
            PaperOrder.version == version,
            *where,
        )
        .values(**values)
    )
    return result.rowcount == 1


def record_trigger(session: Session, order_id: int, version: int, leg: str, at: datetime) -> bool:
    values = {"stage": "working", "leg": leg, "version": version + 1, "updated_at": at}
    return _update_open(session, order_id, version, values, PaperOrder.stage == "pending")


def record_fill(
    session: Session,
    order_id: int,
    version: int,
    price_paise: int,
    at: datetime,
    *,
    leg: str | None = None,
    opening: Decimal,
) -> tuple[OrderData, FillData] | None:
    """Execute an open order at `price_paise`: order, fill and cash in one transaction.

    None when the order is no longer open at `version` (filled by another process,
    cancelled or modified meanwhile). `leg` records a trigger that happened on the same tick.
    """
    price = from_paise(price_paise)
    values: dict = dict(
        status=Status.EXECUTED.value,
        fill_price=price,
        filled_at=at,
        updated_at=at,
        reserved=ZERO,
        version=version + 1,
    )
    if leg is not None:
        values.update(stage="working", leg=leg)
    if not _update_open(session, order_id, version, values):
        return None
    row = session.get(PaperOrder, order_id)
    assert row is not None
    session.refresh(row)
    day = session_day(at)
    charges = compute_charges(
        segment=row.segment,  # type: ignore[arg-type]
        intraday=row.product == Product.MIS,
        side=row.side,
        market=row.market,
        quantity=int(row.quantity),
        price=price,
        on=day,
    )
    turnover = price * int(row.quantity)
    fill = carry(
        PaperFill,
        row,
        id=None,
        order_id=order_id,
        price=price,
        session_day=row.session_day if row.product == Product.MIS else day,
        filled_at=at,
        charges=charges.total,
        **{k: v for k, v in charges.as_dict().items() if k != "total"},
    )
    session.add(fill)
    ensure_account(session, row.user_id, opening, row.book)
    delta = -(turnover + charges.total) if row.side == "buy" else turnover - charges.total
    if row.book == LIVE:
        session.execute(
            sa.update(PaperAccount)
            .where(PaperAccount.user_id == row.user_id)
            .values(cash=PaperAccount.cash + delta, updated_at=at)
        )
    else:
        session.execute(
            sa.update(ReplaySession)
            .where(ReplaySession.id == row.book)
            .values(cash=ReplaySession.cash + delta)
        )
    session.flush()
    data = FillData(
        id=fill.id or 0,
        order_id=order_id,
        symbol=row.symbol,
        market=row.market,
        side=row.side,
        product=row.product,
        quantity=int(row.quantity),
        price=price,
        charges=charges.total,
        filled_at=at,
        user_id=row.user_id,
    )
    return order_data(row), data
