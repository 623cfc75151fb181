"""The paper-order engine against real databases: fills recorded once across a leader
that dies mid-tick (two engines, one PostgreSQL), orders surviving a restart, and the
15:20 IST intraday square-off."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from stockapp.db.migrate import ensure_database, upgrade
from stockapp.db.models import User
from stockapp.db.paper_models import PaperAccount, PaperFill, PaperOrder
from stockapp.db.session import make_engine
from stockapp.market.models import Instrument, Quote
from stockapp.market.paper import MarketView, OrderRequest, OrderType, Product, equity_contract
from stockapp.paper import executions, store
from stockapp.paper.engine import PaperEngine

KEY = ("ACME", "india_nse")
T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # Thursday 10:30 IST
OPENING = D(1_000_000)
CONTRACT = equity_contract(Instrument("ACME", "india_nse", "Acme", band_pct=20.0), T0.date())


def runner(engine: sa.Engine, *, die_before_commit: bool = False):
    """Like run_db, against `engine`; optionally the process "dies" after writing a fill
    but before its commit reaches the database."""

    async def run(fn, *args, **kwargs):
        def call():
            with Session(engine, expire_on_commit=False) as session:
                try:
                    result = fn(session, *args, **kwargs)
                    if die_before_commit and fn is executions.record_fill:
                        raise ConnectionResetError("the leader died mid-write")
                    session.commit()
                    return result
                except BaseException:
                    session.rollback()
                    raise

        return await asyncio.to_thread(call)

    return run


def quote(price: float, at: datetime = T0) -> Quote:
    return Quote("ACME", "india_nse", price, 100.0, price, price, 100.0, 1, at)


def place(engine: sa.Engine, *, at: datetime = T0, **kw) -> store.OrderData:
    base = dict(symbol="ACME", market="india_nse", side="buy", quantity=10)
    base.update(kw)
    base.setdefault("order_type", OrderType.LIMIT)
    with Session(engine, expire_on_commit=False) as s:
        out = store.place_order(
            s,
            1,
            OrderRequest(**base),
            contract=CONTRACT,
            view=MarketView(10000, 10000),
            now=at,
            opening=OPENING,
        )
        s.commit()
    assert out.status == "open", out.reason
    return out


def fills(engine: sa.Engine) -> list[PaperFill]:
    with Session(engine) as s:
        return list(s.exec(select(PaperFill)).all())


def cash(engine: sa.Engine) -> D:
    with Session(engine) as s:
        return D(s.get(PaperAccount, 1).cash)


def _with_user(engine: sa.Engine) -> sa.Engine:
    with Session(engine) as s:
        s.add(User(id=1, username=f"u{uuid.uuid4().hex[:6]}", password_hash="x"))
        s.commit()
    return engine


@pytest.fixture
def pg(postgres_url) -> Iterator[sa.Engine]:
    name = f"stockapp_paper_{uuid.uuid4().hex[:8]}"
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    yield _with_user(engine)
    engine.dispose()
    admin = make_engine(postgres_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def lite(tmp_path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'paper.db'}")
    SQLModel.metadata.create_all(engine)
    yield _with_user(engine)
    engine.dispose()


@pytest.mark.postgres
async def test_leader_killed_mid_tick_then_successor_fills_once(pg):
    order = place(pg, price=D(99))
    leader = PaperEngine(run=runner(pg, die_before_commit=True), opening=OPENING)
    successor = PaperEngine(run=runner(pg), opening=OPENING)
    await leader.open()
    await successor.open()
    try:
        assert order.id in leader.book.orders and order.id in successor.book.orders
        # the leader sees the price cross the limit and dies while writing the fill
        leader.evaluate({KEY: quote(98.5)}, T0)
        await leader.drain()
        assert fills(pg) == []
        await leader.stop()
        # the successor takes over and meets the same tick: it fills, once
        successor.evaluate({KEY: quote(98.5)}, T0 + timedelta(seconds=1))
        await successor.drain()
        assert [(f.order_id, f.price) for f in fills(pg)] == [(order.id, D(99))]
        # a zombie that still thinks it leads (and saw the order open) is refused
        zombie = PaperEngine(run=runner(pg), opening=OPENING)
        await zombie.open()
        zombie.book.add(_stale_copy(order.id, pg))
        zombie.evaluate({KEY: quote(98.0)}, T0 + timedelta(seconds=2))
        await zombie.drain()
        assert zombie.refused == 1 and len(fills(pg)) == 1
        await zombie.stop()
    finally:
        await successor.stop()
    assert cash(pg) == OPENING - D(990) - fills(pg)[0].charges


def _stale_copy(order_id: int, engine: sa.Engine):
    """The order as a process saw it before it filled (status open, version 0)."""
    from stockapp.paper.engine import working_order

    with Session(engine) as s:
        row = s.get(PaperOrder, order_id)
        row.status = "open"
        row.version = 0
        row.stage = "working"
        return working_order(row, CONTRACT)


@pytest.mark.postgres
async def test_two_leaders_racing_on_one_tick_fill_once(pg):
    ids = [place(pg, price=D(99)).id for _ in range(5)]
    a = PaperEngine(run=runner(pg), opening=OPENING)
    b = PaperEngine(run=runner(pg), opening=OPENING)
    await a.open()
    await b.open()
    try:
        a.evaluate({KEY: quote(98.0)}, T0)
        b.evaluate({KEY: quote(98.0)}, T0)
        await asyncio.gather(a.drain(), b.drain())
        assert sorted(f.order_id for f in fills(pg)) == sorted(ids)
        assert a.filled + b.filled == 5 and a.refused + b.refused == 5
    finally:
        await a.stop()
        await b.stop()


async def test_orders_survive_a_restart_and_triggers_are_remembered(lite):
    sl = place(lite, order_type=OrderType.SL, price=D(102), trigger_price=D(101))
    first = PaperEngine(run=runner(lite), opening=OPENING)
    await first.open()
    first.evaluate({KEY: quote(100.0)}, T0)
    first.evaluate({KEY: quote(101.0)}, T0)  # triggers; 101.01 is within the 102 limit
    await first.drain()
    await first.stop()
    assert [f.price for f in fills(lite)] == [D("101.01")]
    gtt = place(
        lite,
        order_type=OrderType.GTT,
        validity="gtt",
        price=D(95),
        trigger_price=D(95),
    )
    restarted = PaperEngine(run=runner(lite), opening=OPENING)
    await restarted.open()
    try:
        assert set(restarted.book.orders) == {gtt.id}
        assert sl.id not in restarted.book.orders
    finally:
        await restarted.stop()


async def test_intraday_positions_are_squared_off_at_1520_ist(lite):
    now = {"t": T0}
    engine = PaperEngine(
        run=runner(lite), opening=OPENING, hours="exchange", clock=lambda: now["t"]
    )
    place(lite, order_type=OrderType.MARKET, product=Product.MIS)
    resting = place(lite, product=Product.MIS, price=D(90))
    delivery = place(lite, order_type=OrderType.MARKET, quantity=5)
    await engine.open()
    try:
        engine.evaluate({KEY: quote(100.0)}, T0)
        await engine.drain()
        assert len(fills(lite)) == 2
        before = datetime(2026, 11, 26, 9, 49, 59, tzinfo=UTC)  # 15:19:59 IST
        now["t"] = before
        await engine.sweep_now()
        assert resting.id in engine.book.orders
        at_1520 = datetime(2026, 11, 26, 9, 50, tzinfo=UTC)
        now["t"] = at_1520
        await engine.sweep_now()
        await engine.sweep_now()  # idempotent: still one square-off order
        assert resting.id not in engine.book.orders
        engine.evaluate({KEY: quote(104.0, at_1520)}, at_1520)
        await engine.drain()
    finally:
        await engine.stop()
    with Session(lite) as s:
        orders = {o.id: o for o in s.exec(select(PaperOrder)).all()}
    assert orders[resting.id].status == "cancelled"
    assert "15:20" in orders[resting.id].reason
    squares = [o for o in orders.values() if o.source == "square_off"]
    assert len(squares) == 1
    sq = squares[0]
    assert (sq.side, sq.quantity, sq.status, sq.fill_price) == ("sell", 10, "executed", D("103.99"))
    assert orders[delivery.id].status == "executed"  # delivery is left alone
    net = sum(f.quantity if f.side == "buy" else -f.quantity for f in fills(lite))
    assert net == 5  # only the delivery shares remain


async def test_no_fill_outside_market_hours_with_exchange_hours(lite):
    place(lite, order_type=OrderType.MARKET)
    engine = PaperEngine(run=runner(lite), opening=OPENING, hours="exchange")
    await engine.open()
    try:
        evening = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 17:30 IST
        saturday = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
        assert engine.evaluate({KEY: quote(100.0, evening)}, evening) is None
        assert engine.evaluate({KEY: quote(100.0, saturday)}, saturday) is None
        await engine.drain()
        assert fills(lite) == []
        monday = datetime(2026, 11, 30, 3, 46, tzinfo=UTC)  # 09:16 IST
        engine.evaluate({KEY: quote(100.0, monday)}, monday)
        await engine.drain()
        assert len(fills(lite)) == 1
    finally:
        await engine.stop()


async def test_a_reload_keeps_a_resting_order_resting(lite):
    """A limit that already met a tick rests through the periodic reload: when the price
    later falls through it, it fills at its limit, not at the market as a new arrival."""
    order = place(lite, price=D(99))
    engine = PaperEngine(run=runner(lite), opening=OPENING, clock=lambda: T0 + timedelta(seconds=5))
    await engine.open()
    try:
        engine.evaluate({KEY: quote(100.0)}, T0)  # arrives; not marketable: rests
        await engine.reload_now()
        engine.evaluate({KEY: quote(97.0)}, T0 + timedelta(seconds=6))
        await engine.drain()
    finally:
        await engine.stop()
    assert [(f.order_id, f.price) for f in fills(lite)] == [(order.id, D(99))]


async def test_observers_hear_of_each_recorded_fill(lite):
    order = place(lite, order_type=OrderType.MARKET)
    engine = PaperEngine(run=runner(lite), opening=OPENING)
    heard: list[tuple[int, int]] = []

    async def observe(o, f) -> None:
        heard.append((o.id, f.order_id))

    remove = engine.add_observer(observe)
    await engine.open()
    try:
        engine.evaluate({KEY: quote(100.0)}, T0)
        await engine.drain()
        remove()
        assert heard == [(order.id, order.id)]
    finally:
        await engine.stop()
