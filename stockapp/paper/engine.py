"""The paper-order engine: every open paper order of the cluster, met with every tick.

Modelled on the alert engine. It keeps the open orders in an in-memory `OrderBook` indexed
by instrument and trigger level (loaded at start, updated at once when this process places,
modifies or cancels one, and reloaded every few seconds to pick up other workers' orders),
keeps the hub subscribed to each ordered instrument, and evaluates on the hub's tick
listener, so each order is evaluated once per tick for the whole cluster, on the leader.
The database fences every write (see `executions.record_fill`), so an order can never fill twice
even if two processes briefly both think they lead, and orders survive restarts and leader
changes because the database, not memory, is the book of record.

Nothing slow runs on the tick path: triggers and fills go to one serial worker task that
writes them in order; reloads and the time-driven sweep (expiry, 15:20 square-off) run in
the same worker, so a reload never overtakes a write that was queued before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from stockapp.alerts.engine import is_leader
from stockapp.db.paper_models import PaperOrder
from stockapp.db.session import run_db
from stockapp.market.calendar import CLOSE, IST, OPEN, is_trading_day, next_trading_day
from stockapp.market.clock import app_now
from stockapp.market.hub import PriceHub, Subscription
from stockapp.market.instruments import Universe, load_universe
from stockapp.market.models import Key, Quote
from stockapp.market.paper import PENDING, WORKING, Evaluation, OrderBook, OrderType, WorkingOrder
from stockapp.market.paper.contracts import OptionContract, OptionPricer, resolve_contract
from stockapp.market.paper.orders import Contract, to_paise
from stockapp.market.snapshot import MarketSnapshot
from stockapp.paper import executions, store, sweep
from stockapp.runtime import Runtime, on_start, on_stop

log = logging.getLogger("stockapp.paper")

RELOAD_SECONDS = 10.0
ARRIVAL_WINDOW = timedelta(seconds=3 * RELOAD_SECONDS)
Observer = Callable[[store.OrderData, store.FillData], Awaitable[None]]


def working_order(
    row: PaperOrder, contract: Contract | None, now: datetime | None = None
) -> WorkingOrder:
    """The book's view of a stored open order.

    A limit order arrives (takes the market if marketable) at the first tick after it was
    placed, modified or triggered; one older than ARRIVAL_WINDOW when this process first
    sees it (a restart, a new leader) has already met ticks elsewhere and rests.
    """
    kind = OrderType(row.order_type)
    limit = to_paise(row.price) if row.price is not None else None
    if row.stage == WORKING and row.leg == "stop" and row.stop_price is not None:
        limit = to_paise(row.stop_price)
    if kind in (OrderType.MARKET, OrderType.SL_M) and row.stage == WORKING:
        limit = None

    def paise(v: Decimal | None) -> int | None:
        return None if v is None else to_paise(v)

    return WorkingOrder(
        id=row.id or 0,
        user_id=row.user_id,
        key=(row.symbol, row.market),
        buy=row.side == "buy",
        quantity=int(row.quantity),
        kind=kind,
        product=row.product,
        validity=row.validity,
        session_day=row.session_day,
        limit=limit,
        trigger=paise(row.trigger_price),
        stop_trigger=paise(row.stop_trigger_price),
        stop_limit=paise(row.stop_price),
        trigger_above=row.trigger_above,
        stage=PENDING if row.stage == PENDING else WORKING,
        leg=row.leg,
        version=row.version,
        band_pct=contract.band_pct if contract else 20.0,
        banded=contract.banded if contract else True,
        grid=contract.tick if contract else None,
        fresh=now is None or now - row.updated_at < ARRIVAL_WINDOW,
    )


class SessionClock:
    """Market open/closed and the session day for a moment, with the calendar consulted
    once per date (the tick path asks on every tick)."""

    def __init__(self, hours: str) -> None:
        self.hours = hours
        self._trading: dict[date, bool] = {}
        self._next_session: dict[date, date] = {}

    def _is_trading(self, day: date) -> bool:
        known = self._trading.get(day)
        if known is None:
            known = self._trading[day] = is_trading_day(day)
        return known

    def read(self, at: datetime) -> tuple[bool, date]:
        """(orders may fill now, the session day of `at`)."""
        local = at.astimezone(IST)
        day, t = local.date(), local.time()
        trading = self._is_trading(day)
        if trading and t < CLOSE:
            session = day
        else:
            session = self._next_session.get(day)
            if session is None:
                session = self._next_session[day] = next_trading_day(day)
        if self.hours != "exchange":
            return True, session
        return trading and OPEN <= t < CLOSE, session


class PaperEngine:
    # observers of every engine's fills (the live book's and each replay's)
    fill_observers: ClassVar[list[Observer]] = []

    def __init__(
        self,
        *,
        hours: str = "always",
        opening: Decimal = Decimal(1_000_000),
        reload_seconds: float = RELOAD_SECONDS,
        clock: Callable[[], datetime] = app_now,
        run: Callable[..., Awaitable] = run_db,
        book_id: str = store.LIVE,
    ) -> None:
        self.run = run  # runs fn(session, *args) in one transaction off the event loop
        self.book_id = book_id  # whose orders: the live market's, or one replay's
        self.reload_seconds = reload_seconds
        self.opening = opening
        self.clock = clock
        self.session_clock = SessionClock(hours)
        self.book = OrderBook()
        self.filled = 0
        self.refused = 0  # fills the database refused (already filled, cancelled, modified)
        self._universe: Universe | None = None
        self._hub: PriceHub | None = None
        self._sub: Subscription | None = None
        self._unlisten: Callable[[], None] | None = None
        self._observers: list[Observer] = []
        self._queue: asyncio.Queue[tuple[str, object]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: set[int] = set()  # orders with a queued trigger or fill
        self._contracts: dict[Key, Contract | None] = {}
        self._derived: dict[Key, list[OptionContract]] = {}  # underlying -> ordered options
        self._pricer: OptionPricer | None = None
        self._known: set[Key] = set()  # the instruments the structures below reflect
        self._option_keys: set[Key] = set()
        self._pricing_inputs: dict[Key, tuple] = {}
        self._stale: set[int] = set()  # orders whose trigger the database refused

    @property
    def running(self) -> bool:
        return self._hub is not None

    def configure(self, *, hours: str, opening: Decimal) -> None:
        self.session_clock = SessionClock(hours)
        self.opening = opening

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, hub: PriceHub, universe: Universe) -> None:
        if self._hub is not None:
            return
        self._hub, self._universe = hub, universe
        self._sub = hub.subscribe(label="paper-orders")
        await self.open()
        self._unlisten = hub.add_snapshot_listener(self._on_tick)
        self._tasks.append(asyncio.create_task(self._reload_loop(), name="paper-orders-reload"))

    async def open(self) -> None:
        """Start the worker and load the open orders (the tick path needs neither hub nor
        listener to be exercised: see `evaluate`)."""
        self.book = OrderBook()
        self._inflight.clear()
        self._stale.clear()
        self._known, self._option_keys, self._derived, self._pricer = set(), set(), {}, None
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._worker(), name="paper-orders-worker")]
        await self.reload_now()

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._sub is not None:
            self._sub.close()
            self._sub = None
        self._hub = None
        self._queue = None

    def add_observer(self, fn: Observer) -> Callable[[], None]:
        """Call `fn(order, fill)` for each fill this process records; returns its remover."""
        self._observers.append(fn)
        return lambda: self._observers.remove(fn) if fn in self._observers else None

    # -- changes from this process -------------------------------------------------------
    def _contract(self, key: Key) -> Contract | None:
        if key not in self._contracts:
            universe = self._universe or load_universe()
            self._contracts[key] = resolve_contract(universe, key[0], key[1], self.clock())
        return self._contracts[key]

    def order_opened(self, row: PaperOrder) -> None:
        """Evaluate a new or modified order from the next tick (no wait for a reload)."""
        if self._queue is None or row.status != "open" or row.id is None:
            return
        self.book.add(working_order(row, self._contract((row.symbol, row.market))))
        self._sync_subscription()

    def order_closed(self, order_id: int) -> None:
        if self.book.remove(order_id) is not None:
            self._sync_subscription()

    def request_reload(self) -> None:
        if self._queue is not None:
            self._queue.put_nowait(("reload", None))

    async def reload_now(self) -> None:
        """Queue a reload behind any pending writes and wait for it."""
        await self._barrier("reload")

    async def sweep_now(self) -> None:
        await self._barrier("sweep")

    async def drain(self) -> None:
        """Wait until everything queued so far is written."""
        await self._barrier("noop")

    async def _barrier(self, kind: str) -> None:
        if self._queue is None:
            return
        done = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((kind, done))
        await done

    # -- the tick path -------------------------------------------------------------------
    def _sync_subscription(self) -> None:
        """When the set of ordered instruments changed: which option contracts are priced
        off which underlying, and what the hub must keep fresh for us (incremental: only the
        instruments that gained their first or lost their last order are looked at)."""
        if not self.book.keys_changed:
            return
        self.book.keys_changed = False
        current = self.book.instruments()
        added, removed = current - self._known, self._known - current
        self._known = current
        options_changed = False
        for key in removed:
            contract = self._contracts.get(key)
            if isinstance(contract, OptionContract):
                self._option_keys.discard(key)
                siblings = self._derived.get(contract.underlying_key, [])
                if contract in siblings:
                    siblings.remove(contract)
                if not siblings:
                    self._derived.pop(contract.underlying_key, None)
                options_changed = True
        for key in added:
            contract = self._contract(key)
            if isinstance(contract, OptionContract):
                self._option_keys.add(key)
                self._derived.setdefault(contract.underlying_key, []).append(contract)
                options_changed = True
        if options_changed:
            self._pricer = OptionPricer(
                self._universe or load_universe(),
                [c for cs in self._derived.values() for c in cs],
                self._pricing_inputs,
            )
        if self._sub is not None and not self._sub.closed:
            self._sub.set_keys((current - self._option_keys) | self._derived.keys())

    def _price_options(self, batch: dict[Key, Quote], at: datetime) -> None:
        """Add quotes for the ordered option contracts of each underlying in `batch`."""
        spots = {k: batch[k].current_price for k in self._derived if k in batch}
        if spots and self._pricer is not None:
            batch.update(self._pricer.quotes(spots, at))

    def _on_tick(self, snapshot: MarketSnapshot, _changed: dict[Key, Quote]) -> None:
        hub, sub = self._hub, self._sub
        if hub is None or sub is None or sub.closed:
            return
        batch = sub.get_nowait()
        if not is_leader(hub):
            return
        for key in self.book.fresh_keys():
            contract = self._contract(key)
            if isinstance(contract, OptionContract):
                key = contract.underlying_key
            if key not in batch and (quote := snapshot.get(key)) is not None:
                batch[key] = quote
        if batch:
            self.evaluate(batch, self.clock())

    def evaluate(self, batch: dict[Key, Quote], at: datetime) -> Evaluation | None:
        """Meet the book with one tick's quotes and queue what happened for the worker."""
        is_open, day = self.session_clock.read(at)
        if not is_open or self._queue is None:
            return None
        self._sync_subscription()
        if self._derived:
            batch = dict(batch)  # the hub's batch is shared between listeners
            self._price_options(batch, at)
        result = self.book.evaluate(batch, day, at)
        if not result.fills and not result.triggers:
            return result
        filled = {f.order.id for f in result.fills}
        for trig in result.triggers:
            if trig.order.id in filled:
                continue  # recorded with its fill
            self._inflight.add(trig.order.id)
            self._queue.put_nowait(("trigger", (trig.order.id, trig.order.version, trig.leg, at)))
            trig.order.version += 1
        legs = {t.order.id: t.leg for t in result.triggers}
        for fill in result.fills:
            o = fill.order
            self._inflight.add(o.id)
            self._queue.put_nowait(("fill", (o.id, o.version, fill.price, at, legs.get(o.id))))
        if filled:
            self._sync_subscription()
        return result

    # -- the worker ----------------------------------------------------------------------
    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            kind, item = await self._queue.get()
            try:
                await self._handle(kind, item)
            except Exception:
                log.exception("paper order %s failed", kind)
                if kind in ("fill", "trigger"):
                    self._inflight.discard(item[0])  # type: ignore[index]
                    self._stale.add(item[0])  # type: ignore[index]
                    self.book.remove(item[0])  # type: ignore[index]
            finally:
                if isinstance(item, asyncio.Future) and not item.done():
                    item.set_result(None)

    async def _handle(self, kind: str, item: object) -> None:
        if kind == "reload":
            await self._reload()
        elif kind == "sweep":
            await self._sweep()
        elif kind == "trigger":
            order_id, version, leg, at = item  # type: ignore[misc]
            ok = await self.run(executions.record_trigger, order_id, version, leg, at)
            self._inflight.discard(order_id)
            if not ok:
                self._stale.add(order_id)
                self.book.remove(order_id)
        elif kind == "fill":
            order_id, version, price, at, leg = item  # type: ignore[misc]
            if order_id in self._stale:
                self._inflight.discard(order_id)
                return
            recorded = await self.run(
                executions.record_fill, order_id, version, price, at, leg=leg, opening=self.opening
            )
            self._inflight.discard(order_id)
            if recorded is None:
                self.refused += 1
                return
            self.filled += 1
            order, fill = recorded
            for observer in [*self._observers, *PaperEngine.fill_observers]:
                try:
                    await observer(order, fill)
                except Exception:
                    log.exception("paper fill observer failed")

    async def _reload(self) -> None:
        """Replace the book with the database's open orders. An order this process already
        holds at the same version keeps its in-memory state (resting or arriving)."""
        rows = await self.run(executions.open_orders, self.book_id)
        held = self.book.orders
        now = self.clock()
        orders = []
        for row in rows:
            mine = held.get(row.id)
            if row.id in self._inflight:
                if mine is not None:  # a trigger is being written: memory is ahead
                    orders.append(mine)
                continue  # a fill is being written
            if mine is not None and mine.version == row.version:
                orders.append(mine)
            else:
                orders.append(working_order(row, self._contract((row.symbol, row.market)), now))
        self._stale.clear()
        self.book.replace(orders)
        self._sync_subscription()

    async def _sweep(self) -> None:
        cancelled, created = await self.run(sweep.sweep, self.clock(), self.book_id)
        for order_id in cancelled:
            self.book.remove(order_id)
        for row in created:
            self.order_opened(row)
        if cancelled or created:
            self._sync_subscription()

    async def _reload_loop(self) -> None:
        while True:
            await asyncio.sleep(self.reload_seconds)
            if self._queue is None:
                continue
            if self._hub is not None and is_leader(self._hub):
                self._queue.put_nowait(("sweep", None))
            self._queue.put_nowait(("reload", None))


paper_engine = PaperEngine()


@on_start
async def _start_engine(rt: Runtime) -> None:
    paper_engine.configure(
        hours=rt.settings.market_hours, opening=rt.settings.paper_opening_balance
    )
    await paper_engine.start(rt.require_hub(), rt.universe)


@on_stop
async def _stop_engine(_rt: Runtime) -> None:
    await paper_engine.stop()
