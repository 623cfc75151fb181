"""Paper-order persistence shared by the REST API and the order engine.

Per-user functions take the owner's id and answer `NotFound` for anyone else's order, so ids
cannot be probed. Placement records every order, accepted or rejected (with its reason), in
the caller's transaction. The engine's writes are fenced: a fill or trigger applies only to
an order that is still open at the version the engine saw, and a fill writes the order's
status, the fill row and the cash movement in one transaction, so two processes that both
think they lead can never fill an order twice, and nothing is ever half-written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from stockapp.db.errors import Conflict, NotFound
from stockapp.db.models import User
from stockapp.db.paper_models import PaperAccount, PaperFill, PaperOrder
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
    square_off_at,
    to_paise,
    validate_order,
)
from stockapp.market.paper.contracts import parse_option_symbol
from stockapp.market.paper.orders import GTT_LIFETIME, TRIGGERED_TYPES

ORDERS_LIMIT = 500
MAX_OPEN_ORDERS_PER_USER = 200
SQUARE_OFF_LOOKBACK = timedelta(days=10)
OPTION_LOOKBACK = timedelta(days=400)  # the farthest listed expiry is months away
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OrderData:
    id: int
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


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def order_data(o: PaperOrder) -> OrderData:
    return OrderData(
        id=o.id or 0,
        symbol=o.symbol,
        market=o.market,
        side=o.side,
        order_type=o.order_type,
        product=o.product,
        validity=o.validity,
        quantity=int(o.quantity),
        price=_f(o.price),
        trigger_price=_f(o.trigger_price),
        stop_trigger_price=_f(o.stop_trigger_price),
        stop_price=_f(o.stop_price),
        status=o.status,
        triggered=o.order_type in TRIGGERED_TYPES and o.stage == "working",
        leg=o.leg,
        reason=o.reason,
        source=o.source,
        session_day=o.session_day.isoformat(),
        fill_price=_f(o.fill_price),
        filled_at=iso_ms(o.filled_at) if o.filled_at else None,
        placed_at=iso_ms(o.placed_at),
        updated_at=iso_ms(o.updated_at),
    )


def _lock_user(session: Session, user_id: int) -> None:
    """Serialise a user's placements (PostgreSQL row lock) so two concurrent buys cannot
    both spend the same free cash."""
    session.exec(select(User.id).where(User.id == user_id).with_for_update())


def ensure_account(session: Session, user_id: int, opening: Decimal) -> PaperAccount:
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


def _blocked(session: Session, user_id: int, excluding: int | None = None) -> Decimal:
    stmt = select(sa.func.coalesce(sa.func.sum(PaperOrder.reserved), 0)).where(
        PaperOrder.user_id == user_id,
        PaperOrder.status == Status.OPEN,
        PaperOrder.side == "buy",
    )
    if excluding is not None:
        stmt = stmt.where(PaperOrder.id != excluding)
    return Decimal(session.exec(stmt).one())


def funds(session: Session, user_id: int, opening: Decimal) -> FundsData:
    account = ensure_account(session, user_id, opening)
    cash = Decimal(account.cash)
    blocked = _blocked(session, user_id)
    return FundsData(Decimal(account.opening_balance), cash, blocked, cash - blocked)


def _held(session: Session, user_id: int, symbol: str, market: str) -> int:
    signed = sa.case((PaperFill.side == "buy", PaperFill.quantity), else_=-PaperFill.quantity)
    net = session.exec(
        select(sa.func.coalesce(sa.func.sum(signed), 0)).where(
            PaperFill.user_id == user_id, PaperFill.symbol == symbol, PaperFill.market == market
        )
    ).one()
    return int(net)


def _open_sells(
    session: Session, user_id: int, symbol: str, market: str, excluding: int | None = None
) -> int:
    stmt = select(sa.func.coalesce(sa.func.sum(PaperOrder.quantity), 0)).where(
        PaperOrder.user_id == user_id,
        PaperOrder.symbol == symbol,
        PaperOrder.market == market,
        PaperOrder.status == Status.OPEN,
        PaperOrder.side == "sell",
    )
    if excluding is not None:
        stmt = stmt.where(PaperOrder.id != excluding)
    return int(session.exec(stmt).one())


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
    excluding: int | None = None,
) -> None:
    if req.side == "buy":
        account = ensure_account(session, user_id, opening)
        available = Decimal(account.cash) - _blocked(session, user_id, excluding)
        if reserved > available:
            raise OrderRejected(
                f"insufficient funds: this order needs ₹{reserved:,.2f}, "
                f"available ₹{max(available, ZERO):,.2f}"
            )
        return
    held = _held(session, user_id, req.symbol, req.market)
    free = held - _open_sells(session, user_id, req.symbol, req.market, excluding)
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
) -> OrderData:
    """Record the order, open or rejected with its reason (both are committed)."""
    _lock_user(session, user_id)
    ensure_account(session, user_id, opening)
    day = session_day(now)
    values: dict = dict(
        user_id=user_id,
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
        _check_account(session, user_id, req, reserved, opening)
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
    row = session.get(PaperOrder, order_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"Order {order_id} not found")
    return row


def get_order(session: Session, user_id: int, order_id: int) -> OrderData:
    return order_data(_owned(session, user_id, order_id))


def list_orders(
    session: Session, user_id: int, status: str | None = None, limit: int = ORDERS_LIMIT
) -> list[OrderData]:
    stmt = select(PaperOrder).where(PaperOrder.user_id == user_id)
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
        _check_account(session, user_id, req, reserved, opening, excluding=order_id)
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


def list_fills(session: Session, user_id: int) -> list[FillData]:
    rows = session.exec(
        select(PaperFill)
        .where(PaperFill.user_id == user_id)
        .order_by(PaperFill.filled_at, PaperFill.id)
    ).all()
    return [
        FillData(
            id=r.id or 0,
            order_id=r.order_id,
            symbol=r.symbol,
            market=r.market,
            side=r.side,
            product=r.product,
            quantity=int(r.quantity),
            price=Decimal(r.price),
            charges=Decimal(r.charges),
            filled_at=r.filled_at,
        )
        for r in rows
    ]


# -- engine ----------------------------------------------------------------------------------


def open_orders(session: Session) -> list[PaperOrder]:
    return list(session.exec(select(PaperOrder).where(PaperOrder.status == Status.OPEN)).all())


def open_order(session: Session, order_id: int) -> PaperOrder | None:
    row = session.get(PaperOrder, order_id)
    return row if row is not None and row.status == Status.OPEN else None


def record_trigger(session: Session, order_id: int, version: int, leg: str, at: datetime) -> bool:
    result = session.execute(
        sa.update(PaperOrder)
        .where(
            PaperOrder.id == order_id,
            PaperOrder.status == Status.OPEN,
            PaperOrder.version == version,
            PaperOrder.stage == "pending",
        )
        .values(stage="working", leg=leg, version=version + 1, updated_at=at)
    )
    return result.rowcount == 1


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
    result = session.execute(
        sa.update(PaperOrder)
        .where(
            PaperOrder.id == order_id,
            PaperOrder.status == Status.OPEN,
            PaperOrder.version == version,
        )
        .values(**values)
    )
    if result.rowcount != 1:
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
    fill = PaperFill(
        order_id=order_id,
        user_id=row.user_id,
        symbol=row.symbol,
        market=row.market,
        side=row.side,
        segment=row.segment,
        product=row.product,
        quantity=row.quantity,
        price=price,
        session_day=row.session_day if row.product == Product.MIS else day,
        filled_at=at,
        charges=charges.total,
        **{k: v for k, v in charges.as_dict().items() if k != "total"},
    )
    session.add(fill)
    ensure_account(session, row.user_id, opening)
    delta = -(turnover + charges.total) if row.side == "buy" else turnover - charges.total
    session.execute(
        sa.update(PaperAccount)
        .where(PaperAccount.user_id == row.user_id)
        .values(cash=PaperAccount.cash + delta, updated_at=at)
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
    )
    return order_data(row), data


def sweep(session: Session, now: datetime) -> tuple[list[int], list[PaperOrder]]:
    """Time-driven changes, idempotent and safe from any number of processes:
    day orders expire at their session's close, open intraday orders are cancelled at
    15:20 IST and each intraday position left open is squared off by a market order (one
    per user, instrument and session: a unique key), GTTs expire after a year.

    Returns (ids of cancelled orders, new square-off orders).
    """
    today = session_day(now)
    cancelled: list[int] = []

    def cancel(where: list, reason: str) -> None:
        ids = list(
            session.exec(
                select(PaperOrder.id).where(
                    PaperOrder.status == Status.OPEN, PaperOrder.source == "user", *where
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
                PaperOrder.segment == "options",
                PaperOrder.source == "user",
            )
        ).all()
        if _expiry_passed(o.symbol, now)
    ]
    if expired:
        cancel([PaperOrder.id.in_(expired)], "the contract expires: orders closed at 15:20 IST")
    created = _square_off(session, now, squared_days)
    created += _settle_expiring(session, now)
    return cancelled, created


def _expiry_passed(symbol: str, now: datetime) -> bool:
    spec = parse_option_symbol(symbol)
    return spec is not None and square_off_at(spec.expiry) <= now


def _settle_expiring(session: Session, now: datetime) -> list[PaperOrder]:
    """Close option positions at 15:20 IST on their expiry day with a market order (the
    paper book does not model exercise and settlement)."""
    rows = session.exec(
        select(PaperFill).where(
            PaperFill.segment == "options", PaperFill.filled_at >= now - OPTION_LOOKBACK
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
        key = f"expiry:{user_id}:{symbol}:{market}"
        row = _closing_order(session, user_id, symbol, market, qty, now, key, "expiry")
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


def _recent_days(now: datetime) -> list[date]:
    today = session_day(now)
    return [today - timedelta(days=i) for i in range(SQUARE_OFF_LOOKBACK.days + 1)]


def _square_off(session: Session, now: datetime, days: list[date]) -> list[PaperOrder]:
    if not days:
        return []
    rows = session.exec(
        select(PaperFill).where(PaperFill.product == Product.MIS, PaperFill.session_day.in_(days))
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
        key = f"{user_id}:{symbol}:{market}:{day.isoformat()}"
        row = _closing_order(
            session,
            user_id,
            symbol,
            market,
            qty,
            now,
            key,
            "square_off",
            product=Product.MIS.value,
            day=day,
            segment=segment,
        )
        if row is not None:
            created.append(row)
    return created


def to_paise_or_none(value: Decimal | None) -> int | None:
    return None if value is None else to_paise(value)
