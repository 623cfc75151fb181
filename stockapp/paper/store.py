"""Paper-order persistence shared by the REST API and the order engine.

Per-user functions take the owner's id and answer `NotFound` for anyone else's order, so ids
cannot be probed. Placement records every order, accepted or rejected (with its reason), in
the caller's transaction. The engine's writes are fenced: a fill or trigger applies only to
an order that is still open at the version the engine saw, and a fill writes the order's
status, the fill row and the cash movement in one transaction, so two processes that both
think they lead can never fill an order twice, and nothing is ever half-written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db.crud import NO_SUCH_REPLAY, owned
from stockapp.db.errors import Conflict
from stockapp.db.models import User
from stockapp.db.paper_models import PaperAccount, PaperFill, PaperOrder
from stockapp.db.replay_models import ReplaySession
from stockapp.market.models import iso_ms
from stockapp.market.paper import (
    Contract,
    MarketView,
    OrderRejected,
    OrderRequest,
    OrderType,
    Product,
    Status,
    Validity,
    compute_charges,
    from_paise,
    session_day,
    validate_order,
)
from stockapp.market.paper.orders import TRIGGERED_TYPES
from stockapp.records import carry

ORDERS_LIMIT = 500
LIVE = ""  # the live market's book; a replay's book is its replay id
MAX_OPEN_ORDERS_PER_USER = 200
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OrderData:
    id: int
    book: str
    symbol: str
    market: str
    side: str
    order_type: str
    product: str
    validity: str
    quantity: int
    price: float | None
    trigger_price: float | None
    stop_trigger_price: float | None
    stop_price: float | None
    status: str
    triggered: bool
    leg: str
    reason: str
    source: str
    session_day: str
    fill_price: float | None
    filled_at: str | None
    placed_at: str
    updated_at: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FundsData:
    opening_balance: Decimal
    cash: Decimal
    blocked: Decimal
    available: Decimal


@dataclass(frozen=True, slots=True)
class FillData:
    id: int
    order_id: int
    symbol: str
    market: str
    side: str
    product: str
    quantity: int
    price: Decimal
    charges: Decimal
    filled_at: datetime
    user_id: int = 0


_PRICES = ("price", "trigger_price", "stop_trigger_price", "stop_price", "fill_price")


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def order_data(o: PaperOrder) -> OrderData:
    return carry(
        OrderData,
        o,
        id=o.id or 0,
        quantity=int(o.quantity),
        triggered=o.order_type in TRIGGERED_TYPES and o.stage == "working",
        session_day=o.session_day.isoformat(),
        filled_at=iso_ms(o.filled_at) if o.filled_at else None,
        placed_at=iso_ms(o.placed_at),
        updated_at=iso_ms(o.updated_at),
        **{name: _f(getattr(o, name)) for name in _PRICES},
    )


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise a user's placements (PostgreSQL row lock) so two concurrent buys cannot
    both spend the same free cash."""
    session.exec(select(User.id).where(User.id == user_id).with_for_update())


def ensure_account(
    session: Session, user_id: int, opening: Decimal, book: str = LIVE
) -> PaperAccount | ReplaySession:
    """The account of `book`: the user's live one (made on first use) or a replay's own."""
    if book != LIVE:
        return owned(session, ReplaySession, user_id, book, message=NO_SUCH_REPLAY)
    account = session.get(PaperAccount, user_id)
    if account is not None:
        return account
    try:
        with session.begin_nested():
            session.add(PaperAccount(user_id=user_id, opening_balance=opening, cash=opening))
    except IntegrityError:
        pass  # created by a concurrent request
    account = session.get(PaperAccount, user_id)
    assert account is not None
    return account


def _blocked(
    session: Session, user_id: int, excluding: int | None = None, book: str = LIVE
) -> Decimal:
    return Decimal(_sum_open(session, PaperOrder.reserved, user_id, book, "buy", excluding))


def _sum_open(
    session: Session,
    column: Any,
    user_id: int,
    book: str,
    side: str,
    excluding: int | None,
    *where: Any,
) -> Any:
    """The sum of `column` over the user's open `side` orders in `book` (0 when none)."""
    stmt = select(sa.func.coalesce(sa.func.sum(column), 0)).where(
        PaperOrder.user_id == user_id,
        PaperOrder.book == book,
        PaperOrder.status == Status.OPEN,
        PaperOrder.side == side,
        *where,
    )
    if excluding is not None:
        stmt = stmt.where(PaperOrder.id != excluding)
    return session.exec(stmt).one()


def funds(session: Session, user_id: int, opening: Decimal, book: str = LIVE) -> FundsData:
    account = ensure_account(session, user_id, opening, book)
    cash = Decimal(account.cash)
    blocked = _blocked(session, user_id, book=book)
    return FundsData(Decimal(account.opening_balance), cash, blocked, cash - blocked)


def _held(session: Session, user_id: int, symbol: str, market: str, book: str) -> int:
    signed = sa.case((PaperFill.side == "buy", PaperFill.quantity), else_=-PaperFill.quantity)
    net = session.exec(
        select(sa.func.coalesce(sa.func.sum(signed), 0)).where(
            PaperFill.user_id == user_id,
            PaperFill.book == book,
            PaperFill.symbol == symbol,
            PaperFill.market == market,
        )
    ).one()
    return int(net)


def _open_sells(
    session: Session,
    user_id: int,
    symbol: str,
    market: str,
    book: str,
    excluding: int | None = None,
) -> int:
    where = (PaperOrder.symbol == symbol, PaperOrder.market == market)
    return int(_sum_open(session, PaperOrder.quantity, user_id, book, "sell", excluding, *where))


def _reserve(req: OrderRequest, contract: Contract, reserve_paise: int, day: date) -> Decimal:
    """Cash a buy blocks: its worst-case value plus the charges at that price."""
    if req.side != "buy":
        return ZERO
    price = from_paise(reserve_paise)
    charges = compute_charges(
        segment=contract.segment,
        intraday=req.product == Product.MIS,
        side="buy",
        market=req.market,
        quantity=req.quantity,
        price=price,
        on=day,
    )
    return price * req.quantity + charges.total


def _check_account(
    session: Session,
    user_id: int,
    req: OrderRequest,
    reserved: Decimal,
    opening: Decimal,
    book: str,
    excluding: int | None = None,
) -> None:
    if req.side == "buy":
        account = ensure_account(session, user_id, opening, book)
        available = Decimal(account.cash) - _blocked(session, user_id, excluding, book)
        if reserved > available:
            raise OrderRejected(
                f"insufficient funds: this order needs ₹{reserved:,.2f}, "
                f"available ₹{max(available, ZERO):,.2f}"
            )
        return
    held = _held(session, user_id, req.symbol, req.market, book)
    free = held - _open_sells(session, user_id, req.symbol, req.market, book, excluding)
    if req.quantity > free:
        raise OrderRejected(
            f"you can sell at most {max(free, 0)} {req.symbol} (held {held}, the rest in "
            "open sell orders); practice mode does not short-sell"
        )


def _safe_price(value: Decimal | None) -> Decimal | None:
    if value is None or not value.is_finite() or not Decimal(0) < value < Decimal(10**9):
        return None
    return value.quantize(Decimal("0.0001"))


def place_order(
    session: Session,
    user_id: int,
    req: OrderRequest,
    *,
    contract: Contract | None,
    view: MarketView | None,
    now: datetime,
    opening: Decimal,
    book: str = LIVE,
) -> OrderData:
    """Record the order in `book`, open or rejected with its reason (both are committed)."""
    _lock_user(session, user_id)
    ensure_account(session, user_id, opening, book)
    day = session_day(now)
    values: dict = dict(
        user_id=user_id,
        book=book,
        symbol=req.symbol,
        market=req.market,
        side=req.side,
        order_type=req.order_type.value,
        product=req.product.value,
        validity=req.validity.value,
        quantity=req.quantity,
        price=_safe_price(req.price),
        trigger_price=_safe_price(req.trigger_price),
        stop_trigger_price=_safe_price(req.stop_trigger_price),
        stop_price=_safe_price(req.stop_price),
        session_day=day,
        placed_at=now,
        updated_at=now,
    )
    try:
        if contract is None:
            raise OrderRejected(f"unknown symbol {req.symbol!r} on {req.market}")
        if view is None:
            raise OrderRejected(f"no price for {req.symbol} yet; try again in a moment")
        opened = session.exec(
            select(sa.func.count())
            .select_from(PaperOrder)
            .where(PaperOrder.user_id == user_id, PaperOrder.status == Status.OPEN)
        ).one()
        if opened >= MAX_OPEN_ORDERS_PER_USER:
            raise OrderRejected(f"at most {MAX_OPEN_ORDERS_PER_USER} open orders per user")
        values["segment"] = contract.segment
        accepted = validate_order(req, contract, view, now=now)
        reserved = _reserve(req, contract, accepted.reserve_price, day)
        _check_account(session, user_id, req, reserved, opening, book)
        values.update(
            status=Status.OPEN.value,
            stage="pending" if req.order_type in TRIGGERED_TYPES else "working",
            trigger_above=accepted.trigger_above,
            reserved=reserved,
        )
    except OrderRejected as exc:
        values.update(status=Status.REJECTED.value, reason=str(exc)[:300])
    row = PaperOrder(**values)
    session.add(row)
    session.flush()
    return order_data(row)


def _owned(session: Session, user_id: int, order_id: int) -> PaperOrder:
    return owned(session, PaperOrder, user_id, order_id, what="Order")


def get_order(session: Session, user_id: int, order_id: int) -> OrderData:
    return order_data(_owned(session, user_id, order_id))


def list_orders(
    session: Session,
    user_id: int,
    status: str | None = None,
    limit: int = ORDERS_LIMIT,
    book: str = LIVE,
) -> list[OrderData]:
    stmt = select(PaperOrder).where(PaperOrder.user_id == user_id, PaperOrder.book == book)
    if status:
        stmt = stmt.where(PaperOrder.status == status)
    rows = session.exec(stmt.order_by(PaperOrder.id.desc()).limit(limit)).all()
    return [order_data(r) for r in rows]


def _fenced_update(session: Session, row: PaperOrder, **values) -> None:
    """Apply `values` to an open order at the version read; Conflict if it moved on."""
    result = session.execute(
        sa.update(PaperOrder)
        .where(
            PaperOrder.id == row.id,
            PaperOrder.status == Status.OPEN,
            PaperOrder.version == row.version,
        )
        .values(version=row.version + 1, **values)
    )
    if result.rowcount != 1:
        raise Conflict(f"Order {row.id} changed meanwhile (filled, cancelled or modified)")
    session.expire(row)


def cancel_order(session: Session, user_id: int, order_id: int, now: datetime) -> OrderData:
    row = _owned(session, user_id, order_id)
    if row.status != Status.OPEN:
        raise Conflict(f"Order {order_id} is {row.status}; only open orders can be cancelled")
    _fenced_update(
        session, row, status=Status.CANCELLED.value, reason="cancelled by you", updated_at=now
    )
    return order_data(session.get(PaperOrder, order_id))


def modify_order(
    session: Session,
    user_id: int,
    order_id: int,
    changes: dict,
    *,
    contract: Contract | None,
    view: MarketView | None,
    now: datetime,
    opening: Decimal,
) -> OrderData:
    """Change quantity and prices of an open order (re-checked as if placed now). A
    triggered stop-loss or GTT is a working limit order: only its quantity and price move."""
    _lock_user(session, user_id)
    row = _owned(session, user_id, order_id)
    if row.status != Status.OPEN:
        raise Conflict(f"Order {order_id} is {row.status}; only open orders can be modified")
    kind = OrderType(row.order_type)
    working = row.stage == "working" and kind in TRIGGERED_TYPES
    if kind == OrderType.MARKET or (working and kind == OrderType.SL_M):
        raise Conflict(f"Order {order_id} is a market order being filled; it cannot be modified")
    if contract is None or view is None:
        raise ValueError(f"no price for {row.symbol} yet; try again in a moment")

    def pick(name: str) -> Decimal | None:
        value = changes.get(name)
        return value if value is not None else getattr(row, name)

    price = pick("price")
    if working and row.leg == "stop":
        price = changes.get("price") or row.stop_price
    req = OrderRequest(
        symbol=row.symbol,
        market=row.market,
        side=row.side,
        quantity=int(changes.get("quantity") or row.quantity),
        order_type=OrderType.LIMIT if working else kind,
        product=Product(row.product),
        validity=Validity.DAY if working else Validity(row.validity),
        price=Decimal(price) if price is not None else None,
        trigger_price=None if working else pick("trigger_price"),
        stop_trigger_price=None if working else pick("stop_trigger_price"),
        stop_price=None if working else pick("stop_price"),
    )
    try:
        accepted = validate_order(req, contract, view, now=now)
        reserved = _reserve(req, contract, accepted.reserve_price, row.session_day)
        _check_account(session, user_id, req, reserved, opening, row.book, excluding=order_id)
    except OrderRejected as exc:
        raise ValueError(f"modification refused: {exc}") from None
    values: dict = dict(quantity=req.quantity, reserved=reserved, updated_at=now)
    if working and row.leg == "stop":
        values["stop_price"] = req.price
    else:
        values.update(
            price=req.price,
            trigger_price=req.trigger_price,
            stop_trigger_price=req.stop_trigger_price,
            stop_price=req.stop_price,
        )
        if kind == OrderType.GTT:
            values["trigger_above"] = accepted.trigger_above
    _fenced_update(session, row, **values)
    return order_data(session.get(PaperOrder, order_id))


def list_fills(session: Session, user_id: int, book: str = LIVE) -> list[FillData]:
    rows = session.exec(
        select(PaperFill)
        .where(PaperFill.user_id == user_id, PaperFill.book == book)
        .order_by(PaperFill.filled_at, PaperFill.id)
    ).all()
    return [
        carry(
            FillData,
            r,
            id=r.id or 0,
            quantity=int(r.quantity),
            price=Decimal(r.price),
            charges=Decimal(r.charges),
        )
        for r in rows
    ]
