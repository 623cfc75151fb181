"""The fill model: how a paper order meets a stream of ticks.

Prices are integer paise. A tick gives the last traded price (LTP), and a bid and ask when
the feed has a book (the simulator and Yahoo give neither).

Market price: a buy pays the ask, a sell gets the bid; without a book, one tick away from
the LTP (LTP + tick for a buy, LTP - tick for a sell), the cost of crossing a one-tick
spread. It is clamped into the day's price band (nothing trades beyond a circuit limit).

Rules, per evaluated tick:
  market      fills at the market price at the first tick it is evaluated on.
  limit       *on arrival* (the first tick after it is placed or triggered) it is
              marketable when the market price is at the limit or better, and then fills
              at the market price (a marketable limit takes the book, like any order).
              Otherwise it rests, and fills at a later tick whose LTP reaches the limit
              (buy: LTP <= limit; sell: LTP >= limit) *at the limit price*: the price path
              between two ticks is unknown, so it is assumed to have traded through the
              limit. Exception, the gap: at the first tick of a new session (the previous
              tick seen for the instrument was on an earlier session day) the price jumped
              there without trading in between, so a resting limit that the opening price
              went through fills at that opening LTP, which is better than the limit.
  sl / sl_m   trigger when the LTP reaches the trigger (buy: LTP >= trigger; sell:
              LTP <= trigger). sl then works as a limit at its price, arriving on the
              triggering tick; sl_m as a market order, filling on the triggering tick. A gap
              through a stop therefore fills sl_m at the gap price (less a tick), while an sl
              whose limit the gap jumped over stays open, unfilled, as on the exchange.
  gtt         triggers when the LTP reaches the trigger from the side it was placed on,
              then works as a limit at its price (arriving on that tick).
  gtt_oco     the first leg whose trigger is reached works as a limit at that leg's price;
              the other leg is dropped.
Every fill price is on the tick grid and inside the band: LTPs, bids and asks are; limit
prices are checked at placement; LTP +/- one tick lands on the grid by construction of the
NSE tick bands (see ticksize.py). Orders fill in full, never in part.

Evaluation is indexed: per instrument, orders waiting for the price to fall to a level sit
in one heap and those waiting for it to rise in another, so a tick costs one heap peek per
instrument unless something actually triggers or fills.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from stockapp.market.models import Key, Quote
from stockapp.market.paper.orders import OrderType, band_paise, tick_paise

PENDING = "pending"  # waiting for a trigger (sl, sl_m, gtt, gtt_oco)
WORKING = "working"  # a market or limit order in the market
TARGET, STOP = "target", "stop"


@dataclass(slots=True, eq=False)
class WorkingOrder:
    id: int
    user_id: int
    key: Key
    buy: bool
    quantity: int
    kind: OrderType
    product: str
    validity: str
    session_day: date
    limit: int | None = None
    trigger: int | None = None
    stop_trigger: int | None = None
    stop_limit: int | None = None
    trigger_above: bool | None = None
    stage: str = WORKING
    leg: str = ""
    version: int = 0
    band_pct: float | None = 20.0
    banded: bool = True  # options have no price band
    grid: int | None = None  # a fixed tick in paise (options: 5), else price-linked
    fresh: bool = True  # not yet evaluated since placed or triggered
    epoch: int = 0  # index entries from an older epoch are stale

    @property
    def is_market(self) -> bool:
        """Works at market: a market order, or a triggered sl_m."""
        return self.stage == WORKING and self.limit is None

    @property
    def due_now(self) -> bool:
        """Evaluated at the next tick whatever the price: market orders and arrivals."""
        return self.stage == WORKING and (self.fresh or self.limit is None)


@dataclass(frozen=True, slots=True)
class Tick:
    ltp: int
    prev_close: int
    bid: int | None = None
    ask: int | None = None
    gap: bool = False

    @classmethod
    def of(cls, quote: Quote, gap: bool = False) -> Tick:
        bid = getattr(quote, "bid", None)
        ask = getattr(quote, "ask", None)
        return cls(
            ltp=round(quote.current_price * 100),
            prev_close=round(quote.prev_close * 100),
            bid=round(bid * 100) if bid else None,
            ask=round(ask * 100) if ask else None,
            gap=gap,
        )


def market_price(
    buy: bool, tick: Tick, band_pct: float | None, grid: int | None = None, banded: bool = True
) -> int:
    if banded and tick.prev_close > 0:
        low, high = band_paise(tick.prev_close, band_pct)
    else:
        low, high = 1, 1 << 62
    step = grid or tick_paise(tick.ltp)
    if buy:
        price = tick.ask if tick.ask else tick.ltp + step
        return min(max(price, low), high)
    price = tick.bid if tick.bid else tick.ltp - step
    return max(min(price, high), low, step if grid else 1)


@dataclass(frozen=True, slots=True)
class Fill:
    order: WorkingOrder
    price: int  # paise
    at: datetime


@dataclass(frozen=True, slots=True)
class Trigger:
    order: WorkingOrder
    leg: str  # "" for sl/sl_m/gtt; target or stop for an OCO
    at: datetime


def _reached_trigger(o: WorkingOrder, ltp: int) -> str | None:
    """The leg whose trigger `ltp` reaches ("" for single-trigger kinds), else None."""
    assert o.trigger is not None
    if o.kind == OrderType.GTT_OCO:
        assert o.stop_trigger is not None
        if o.buy:
            if ltp <= o.trigger:
                return TARGET
            return STOP if ltp >= o.stop_trigger else None
        if ltp >= o.trigger:
            return TARGET
        return STOP if ltp <= o.stop_trigger else None
    rising = o.trigger_above if o.kind == OrderType.GTT else o.buy
    hit = ltp >= o.trigger if rising else ltp <= o.trigger
    return "" if hit else None


def apply_trigger(o: WorkingOrder, leg: str) -> None:
    """Turn a triggered order into the market or limit order it places."""
    o.stage = WORKING
    o.leg = leg
    o.fresh = True
    if o.kind == OrderType.SL_M:
        o.limit = None
    elif leg == STOP:
        o.limit = o.stop_limit


def step(o: WorkingOrder, tick: Tick) -> tuple[str | None, int | None]:
    """Evaluate one order at one tick: (leg triggered now or None, fill price or None).

    Mutates `o` (stage, freshness); pure otherwise.
    """
    triggered: str | None = None
    if o.stage == PENDING:
        triggered = _reached_trigger(o, tick.ltp)
        if triggered is None:
            return None, None
        apply_trigger(o, triggered)
    if o.limit is None:
        return triggered, market_price(o.buy, tick, o.band_pct, o.grid, o.banded)
    if o.fresh:
        o.fresh = False
        price = market_price(o.buy, tick, o.band_pct, o.grid, o.banded)
        marketable = price <= o.limit if o.buy else price >= o.limit
        return triggered, (price if marketable else None)
    crossed = tick.ltp <= o.limit if o.buy else tick.ltp >= o.limit
    if not crossed:
        return triggered, None
    return triggered, (tick.ltp if tick.gap else o.limit)


@dataclass(slots=True)
class _KeyIndex:
    down: list[tuple[int, int, int, int]] = field(default_factory=list)  # (-level, seq, id, ep)
    up: list[tuple[int, int, int, int]] = field(default_factory=list)  # (level, seq, id, ep)
    now: dict[int, int] = field(default_factory=dict)  # id -> epoch

    def __len__(self) -> int:
        return len(self.now) + len(self.down) + len(self.up)


@dataclass(slots=True)
class Evaluation:
    fills: list[Fill] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)


class OrderBook:
    """Every open paper order of the cluster, indexed by instrument and trigger level."""

    def __init__(self) -> None:
        self.orders: dict[int, WorkingOrder] = {}
        self._index: dict[Key, _KeyIndex] = {}
        self._seq = itertools.count()
        self._last_day: dict[Key, date] = {}
        self._fresh_keys: set[Key] = set()
        self._per_key: dict[Key, int] = {}  # open orders per instrument
        self.keys_changed = False  # an instrument gained its first or lost its last order

    def __len__(self) -> int:
        return len(self.orders)

    def instruments(self) -> set[Key]:
        """Every instrument with an open order."""
        return set(self._per_key)

    def fresh_keys(self) -> set[Key]:
        """Instruments with orders that have not met a tick yet (evaluate on the latest quote)."""
        return self._fresh_keys

    def add(self, order: WorkingOrder) -> None:
        self.remove(order.id)
        self.orders[order.id] = order
        count = self._per_key.get(order.key, 0)
        self._per_key[order.key] = count + 1
        self.keys_changed |= count == 0
        self._place(order)
        if order.due_now:
            self._fresh_keys.add(order.key)

    def remove(self, order_id: int) -> WorkingOrder | None:
        order = self.orders.pop(order_id, None)
        if order is not None:
            order.epoch += 1  # its index entries go stale
            count = self._per_key[order.key] - 1
            if count:
                self._per_key[order.key] = count
            else:
                del self._per_key[order.key]
                self.keys_changed = True
        return order

    def replace(self, orders: Iterable[WorkingOrder]) -> None:
        self.orders.clear()
        self._index.clear()
        self._fresh_keys.clear()
        self._per_key.clear()
        self.keys_changed = True
        for order in orders:
            self.add(order)

    def _place(self, o: WorkingOrder) -> None:
        o.epoch += 1
        idx = self._index.get(o.key)
        if idx is None:
            idx = self._index[o.key] = _KeyIndex()
        seq = next(self._seq)
        if o.due_now:
            idx.now[o.id] = o.epoch
            return
        for level, rising in self._levels(o):
            if rising:
                heapq.heappush(idx.up, (level, seq, o.id, o.epoch))
            else:
                heapq.heappush(idx.down, (-level, seq, o.id, o.epoch))

    @staticmethod
    def _levels(o: WorkingOrder) -> list[tuple[int, bool]]:
        """(price level, acts when the price rises to it) for each condition of `o`."""
        if o.stage == WORKING:
            assert o.limit is not None
            return [(o.limit, not o.buy)]
        assert o.trigger is not None
        if o.kind == OrderType.GTT_OCO:
            assert o.stop_trigger is not None
            return [(o.trigger, not o.buy), (o.stop_trigger, o.buy)]
        rising = o.trigger_above if o.kind == OrderType.GTT else o.buy
        return [(o.trigger, bool(rising))]

    def _candidates(self, idx: _KeyIndex, ltp: int) -> list[WorkingOrder]:
        out: dict[int, WorkingOrder] = {}
        orders = self.orders
        for oid, epoch in idx.now.items():
            o = orders.get(oid)
            if o is not None and o.epoch == epoch:
                out[oid] = o
        idx.now.clear()
        down, up = idx.down, idx.up
        while down and -down[0][0] >= ltp:
            _, _, oid, epoch = heapq.heappop(down)
            o = orders.get(oid)
            if o is not None and o.epoch == epoch:
                out[oid] = o
        while up and up[0][0] <= ltp:
            _, _, oid, epoch = heapq.heappop(up)
            o = orders.get(oid)
            if o is not None and o.epoch == epoch:
                out[oid] = o
        return list(out.values())

    def evaluate(self, batch: Mapping[Key, Quote], day: date, at: datetime) -> Evaluation:
        """Meet each order of the instruments in `batch` with its quote; filled orders leave
        the book (the caller persists them, and re-adds any the database refuses to record)."""
        result = Evaluation()
        last_day = self._last_day
        index = self._index
        for key, quote in batch.items():
            idx = index.get(key)
            if idx is None or not len(idx):
                continue
            seen = last_day.get(key)
            last_day[key] = day
            ltp = round(quote.current_price * 100)
            candidates = self._candidates(idx, ltp)
            if not candidates:
                continue
            tick = Tick.of(quote, gap=seen is not None and seen < day)
            for o in sorted(candidates, key=lambda o: o.id):
                triggered, price = step(o, tick)
                if triggered is not None:
                    result.triggers.append(Trigger(o, triggered, at))
                if price is not None:
                    self.remove(o.id)
                    result.fills.append(Fill(o, price, at))
                else:
                    self._place(o)
        self._fresh_keys.difference_update(batch)
        return result
