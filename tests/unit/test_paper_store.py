"""Paper-order persistence on a real SQLite database: placement records accepted and
rejected orders, fills are fenced (never twice), cash moves with the fill in one go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from sqlmodel import Session, SQLModel

from stockapp.db.errors import Conflict, NotFound
from stockapp.db.models import User
from stockapp.db.paper_models import PaperFill
from stockapp.db.session import make_engine
from stockapp.market.models import Instrument
from stockapp.market.paper import MarketView, OrderRequest, OrderType, equity_contract
from stockapp.paper import executions, store

NOW = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # Thursday 10:30 IST
OPENING = D(1_000_000)
INST = Instrument("ACME", "india_nse", "Acme", band_pct=20.0)
CONTRACT = equity_contract(INST, NOW.date())
VIEW = MarketView(ltp=250000, prev_close=250000)  # 2,500.00


@pytest.fixture
def session(tmp_path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'paper.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        s.add(User(id=1, username="a", password_hash="x"))
        s.add(User(id=2, username="b", password_hash="x"))
        s.commit()
        yield s
    engine.dispose()


def place(session: Session, user: int = 1, **kw) -> store.OrderData:
    base = dict(symbol="ACME", market="india_nse", side="buy", quantity=10)
    base.update(kw)
    base.setdefault("order_type", OrderType.LIMIT)
    return store.place_order(
        session,
        user,
        OrderRequest(**base),
        contract=CONTRACT,
        view=VIEW,
        now=NOW,
        opening=OPENING,
    )


def test_accepted_order_blocks_funds_and_rejected_ones_are_recorded_with_a_reason(session):
    o = place(session, price=D(2500))
    assert o.status == "open" and o.reason == ""
    f = store.funds(session, 1, OPENING)
    # 10 x 2,500 plus the delivery buy charges of the contract-note test (29.69)
    assert f.blocked == D("25029.69") and f.available == OPENING - D("25029.69")
    bad = place(session, price=D("2500.03"))
    assert bad.status == "rejected" and "tick grid" in bad.reason
    broke = place(session, quantity=400, price=D(2500))
    assert broke.status == "rejected" and broke.reason.startswith("insufficient funds")
    short = place(session, side="sell", price=D(2500))
    assert short.status == "rejected" and "does not short-sell" in short.reason
    unknown = store.place_order(
        session,
        1,
        OrderRequest(
            symbol="NOPE", market="india_nse", side="buy", quantity=1, order_type=OrderType.MARKET
        ),
        contract=None,
        view=None,
        now=NOW,
        opening=OPENING,
    )
    assert unknown.status == "rejected" and "unknown symbol" in unknown.reason
    assert [o.status for o in store.list_orders(session, 1)] == [
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "open",
    ]


def test_a_fill_lands_once_with_cash_and_charges(session):
    o = place(session, price=D(2500))
    first = executions.record_fill(session, o.id, 0, 250000, NOW, opening=OPENING)
    again = executions.record_fill(session, o.id, 0, 250000, NOW, opening=OPENING)
    assert first is not None and again is None
    order, fill = first
    assert order.status == "executed" and fill.charges == D("29.69")
    f = store.funds(session, 1, OPENING)
    assert f.cash == OPENING - D(25000) - D("29.69") and f.blocked == 0
    assert session.query(PaperFill).count() == 1


def test_modified_or_cancelled_orders_refuse_a_stale_fill(session):
    o = place(session, price=D(2500))
    store.modify_order(
        session,
        1,
        o.id,
        {"price": D(2490)},
        contract=CONTRACT,
        view=VIEW,
        now=NOW,
        opening=OPENING,
    )
    assert executions.record_fill(session, o.id, 0, 250000, NOW, opening=OPENING) is None
    store.cancel_order(session, 1, o.id, NOW)
    assert executions.record_fill(session, o.id, 1, 249000, NOW, opening=OPENING) is None
    with pytest.raises(Conflict):
        store.cancel_order(session, 1, o.id, NOW)


def test_another_users_order_is_not_found(session):
    o = place(session, price=D(2500))
    with pytest.raises(NotFound):
        store.get_order(session, 2, o.id)
    with pytest.raises(NotFound):
        store.cancel_order(session, 2, o.id, NOW)
    assert store.list_orders(session, 2) == []
