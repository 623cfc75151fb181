"""NSE options on paper: contract names, listing checks, lots, the 0.05 tick, prices off the
underlying, and the close-out of expiring positions at 15:20 IST on the expiry day."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from stockapp.db.models import User
from stockapp.db.paper_models import PaperFill, PaperOrder
from stockapp.db.session import make_engine
from stockapp.market.instruments import load_universe
from stockapp.market.models import Quote
from stockapp.market.options import build_chain
from stockapp.market.paper import MarketView, OrderRejected, OrderRequest, OrderType, validate_order
from stockapp.market.paper.contracts import (
    OptionContract,
    OptionSpec,
    option_quotes,
    parse_option_symbol,
    resolve_contract,
)
from stockapp.paper import store
from stockapp.paper.engine import PaperEngine

UNIVERSE = load_universe()
NOW = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # Tuesday 10:00 IST, a NIFTY expiry day
EXPIRY = date(2026, 12, 1)
SYMBOL = "NIFTY26DEC0126000CE"
NIFTY = ("NIFTY 50", "india_nse")
OPENING = D(1_000_000)


def test_names_round_trip_and_resolve_only_listed_contracts():
    spec = parse_option_symbol("nifty 26dec01 26000 ce")
    assert spec == OptionSpec("NIFTY 50", EXPIRY, D(26000), True)
    assert spec.symbol == SYMBOL
    assert OptionSpec("NIFTY BANK", date(2026, 12, 29), D("59000"), False).symbol == (
        "BANKNIFTY26DEC2959000PE"
    )
    assert parse_option_symbol("RELIANCE26DEC291400PE") == OptionSpec(
        "RELIANCE", date(2026, 12, 29), D(1400), False
    )
    c = resolve_contract(UNIVERSE, SYMBOL, "india_nse", NOW)
    assert isinstance(c, OptionContract)
    # NIFTY's lot for contracts expiring after 30 Dec 2025 is 65 (NSE/FAOP/70616)
    assert (c.segment, c.lot_size, c.tick, c.banded) == ("options", 65, 5, False)
    assert resolve_contract(UNIVERSE, "NIFTY26DEC0126025CE", "india_nse", NOW) is None  # strike
    assert resolve_contract(UNIVERSE, "NIFTY26DEC0226000CE", "india_nse", NOW) is None  # date
    assert resolve_contract(UNIVERSE, SYMBOL, "india_bse", NOW) is None
    assert resolve_contract(UNIVERSE, "NIFTY 50", "india_nse", NOW) is None  # an index
    assert resolve_contract(UNIVERSE, "INFY", "india_nse", NOW).segment == "equity"


def test_option_orders_need_whole_lots_and_the_005_grid():
    c = resolve_contract(UNIVERSE, SYMBOL, "india_nse", NOW)
    view = MarketView(ltp=12000, prev_close=11000)

    def check(**kw):
        base = dict(symbol=SYMBOL, market="india_nse", side="buy", quantity=65)
        base.update(kw)
        base.setdefault("order_type", OrderType.LIMIT)
        return validate_order(OrderRequest(**base), c, view, now=NOW)

    with pytest.raises(OrderRejected, match="multiple of the lot size 65"):
        check(quantity=50, price=D(120))
    with pytest.raises(OrderRejected, match=r"multiple of 0\.05"):
        check(price=D("120.02"))
    assert check(quantity=130, price=D("450.05")).limit == 45005  # no band on options
    late = datetime(2026, 12, 1, 9, 50, tzinfo=UTC)  # 15:20 IST on the expiry day
    with pytest.raises(OrderRejected, match="expires today"):
        validate_order(
            OrderRequest(symbol=SYMBOL, market="india_nse", side="buy", quantity=65,
                         order_type=OrderType.MARKET),
            c, view, now=late,
        )  # fmt: skip


def test_contracts_are_priced_as_the_chain_prices_them():
    c = resolve_contract(UNIVERSE, SYMBOL, "india_nse", NOW)
    under = UNIVERSE.get(*NIFTY)
    q = option_quotes(under, 26010.0, [c], NOW)[(SYMBOL, "india_nse")]
    chain = build_chain(under, 26010.0, EXPIRY, NOW)
    row = next(r for r in chain.rows if r.strike == 26000.0)
    assert (q.current_price, q.bid, q.ask) == (row.call.ltp, row.call.bid, row.call.ask)


@pytest.fixture
def lite(tmp_path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'paper.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(User(id=1, username="u", password_hash="x"))
        s.commit()
    yield engine
    engine.dispose()


def _runner(engine: sa.Engine):
    async def run(fn, *args, **kwargs):
        def call():
            with Session(engine, expire_on_commit=False) as session:
                result = fn(session, *args, **kwargs)
                session.commit()
                return result

        return await asyncio.to_thread(call)

    return run


def _nifty(price: float, at: datetime) -> Quote:
    return Quote("NIFTY 50", "india_nse", price, price, price, price, price, 0, at)


async def test_an_option_fills_off_its_underlying_and_is_closed_out_on_expiry_day(lite):
    contract = resolve_contract(UNIVERSE, SYMBOL, "india_nse", NOW)
    now = {"t": NOW}
    with Session(lite) as s:
        placed = store.place_order(
            s,
            1,
            OrderRequest(symbol=SYMBOL, market="india_nse", side="buy", quantity=65,
                         order_type=OrderType.MARKET),
            contract=contract,
            view=MarketView(12000, 12000, 12050),
            now=NOW,
            opening=OPENING,
        )  # fmt: skip
        s.commit()
    assert placed.status == "open", placed.reason
    engine = PaperEngine(run=_runner(lite), opening=OPENING, clock=lambda: now["t"])
    await engine.open()
    try:
        ask = option_quotes(UNIVERSE.get(*NIFTY), 26010.0, [contract], NOW)[(SYMBOL, "india_nse")]
        engine.evaluate({NIFTY: _nifty(26010.0, NOW)}, NOW)  # the hub quotes the index only
        await engine.drain()
        with Session(lite) as s:
            (fill,) = s.exec(select(PaperFill)).all()
        assert (fill.segment, fill.quantity, fill.price) == ("options", 65, D(str(ask.ask)))
        assert fill.brokerage == D(20)  # a flat ₹20 per executed option order
        now["t"] = datetime(2026, 12, 1, 9, 50, tzinfo=UTC)  # 15:20 IST
        await engine.sweep_now()
        await engine.sweep_now()
        engine.evaluate({NIFTY: _nifty(25990.0, now["t"])}, now["t"])
        await engine.drain()
    finally:
        await engine.stop()
    with Session(lite) as s:
        closing = s.exec(select(PaperOrder).where(PaperOrder.source == "expiry")).all()
        fills = s.exec(select(PaperFill)).all()
    assert [(o.side, o.quantity, o.status) for o in closing] == [("sell", 65, "executed")]
    assert sum(f.quantity if f.side == "buy" else -f.quantity for f in fills) == 0


class _Sub:
    closed = False
    keys: set = set()

    def set_keys(self, keys) -> None:
        self.keys = set(keys)


async def test_the_hub_keeps_underlyings_of_ordered_options_fresh(lite):
    from stockapp.market.paper import WorkingOrder

    engine = PaperEngine(run=_runner(lite), opening=OPENING, clock=lambda: NOW)
    await engine.open()
    sub = engine._sub = _Sub()  # what the hub subscription would receive

    def add(oid: int, key) -> None:
        engine.book.add(
            WorkingOrder(oid, 1, key, True, 75, OrderType.LIMIT, "cnc", "day", EXPIRY, limit=5)
        )
        engine._sync_subscription()

    try:
        add(1, (SYMBOL, "india_nse"))
        add(2, ("NIFTY26DEC0126000PE", "india_nse"))
        add(3, ("INFY", "india_nse"))
        assert sub.keys == {NIFTY, ("INFY", "india_nse")}
        engine.book.remove(1)
        engine._sync_subscription()
        assert sub.keys == {NIFTY, ("INFY", "india_nse")}  # the put still needs NIFTY
        engine.book.remove(2)
        engine._sync_subscription()
        assert sub.keys == {("INFY", "india_nse")}
    finally:
        engine._sub = None
        await engine.stop()
