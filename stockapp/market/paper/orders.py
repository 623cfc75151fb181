"""Paper orders: their kinds, the session they belong to, and the checks at placement.

Prices inside the order model are integer paise (exact, and cheap to compare on the tick
path); money (funds, charges) is Decimal.

Kinds (as NSE and Zerodha's Kite define them):
  market   fills at the next evaluated tick at the market price.
  limit    fills at the limit or better.
  sl       stop-loss limit: waits for the trigger, then works as a limit order.
  sl_m     stop-loss market: waits for the trigger, then fills at market.
  gtt      good-till-triggered single: a trigger (above or below the price when placed)
           that then places a limit order.
  gtt_oco  one-cancels-other: a target trigger and a stop trigger, each with its limit
           price; whichever is hit first places its limit order, the other is dropped.

Products: cnc (delivery) and mis (intraday, squared off at 15:20 IST). Validity: day (until
15:30 IST of the order's session) or gtt (one year, as Kite's GTT).

Session day: an order placed on a trading day before 15:30 IST belongs to that day; one
placed later, or on a holiday, belongs to the next trading day (like an after-market order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from stockapp.market.calendar import CLOSE, IST, is_trading_day, next_trading_day
from stockapp.market.models import Instrument
from stockapp.market.options import lot_size_for
from stockapp.market.paper.charges import Segment
from stockapp.market.ticksize import price_band, tick_size

SQUARE_OFF = time(15, 20)
GTT_LIFETIME = timedelta(days=365)
HUNDRED = Decimal(100)


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    SL = "sl"
    SL_M = "sl_m"
    GTT = "gtt"
    GTT_OCO = "gtt_oco"


class Product(StrEnum):
    CNC = "cnc"
    MIS = "mis"


class Validity(StrEnum):
    DAY = "day"
    GTT = "gtt"


class Status(StrEnum):
    OPEN = "open"
    EXECUTED = "executed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


TRIGGERED_TYPES = frozenset({OrderType.SL, OrderType.SL_M, OrderType.GTT, OrderType.GTT_OCO})
LIMIT_PRICED = frozenset({OrderType.LIMIT, OrderType.SL, OrderType.GTT, OrderType.GTT_OCO})


class OrderRejected(ValueError):
    """An order that cannot be accepted; the message is the reason shown to the user."""


def to_paise(price: Decimal | float) -> int:
    return int((Decimal(str(price)) * HUNDRED).to_integral_value())


def from_paise(paise: int) -> Decimal:
    return (Decimal(paise) / HUNDRED).quantize(Decimal("0.01"))


def tick_paise(price_paise: int) -> int:
    return round(tick_size(price_paise / 100) * 100)


# -- contracts -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Contract:
    """What paper trading needs to know about a tradable instrument."""

    symbol: str
    market: str
    segment: Segment
    lot_size: int
    band_pct: float | None
    tick: int | None = None  # fixed tick in paise; None: NSE's price-linked equity ticks
    banded: bool = True  # options have no daily price band
    expiry: date | None = None  # derivatives: orders close at 15:20 IST on this day


def lot_size(inst: Instrument, segment: Segment, expiry: date) -> int:
    """Shares per lot of `inst` in `segment`: the one place paper orders take lot sizes from.

    Cash-market equities trade in single shares; a derivative in the lot NSE set for the
    contract's expiry (the dated table in `stockapp.market.options.lots`).
    """
    if segment == "equity":
        return 1
    return max(lot_size_for(inst, expiry), 1)


def equity_contract(inst: Instrument, on: date) -> Contract:
    return Contract(inst.symbol, inst.market, "equity", lot_size(inst, "equity", on), inst.band_pct)


# -- sessions ------------------------------------------------------------------------------
def session_day(at: datetime) -> date:
    local = at.astimezone(IST)
    day = local.date()
    if is_trading_day(day) and local.time() < CLOSE:
        return day
    return next_trading_day(day)


def square_off_at(day: date) -> datetime:
    return datetime.combine(day, SQUARE_OFF, tzinfo=IST)


def close_at(day: date) -> datetime:
    return datetime.combine(day, CLOSE, tzinfo=IST)


def market_open(at: datetime, hours: str) -> bool:
    """Whether a paper order may fill at `at`: always with simulated round-the-clock hours,
    else only in the normal market of a trading day (09:15-15:30 IST)."""
    if hours != "exchange":
        return True
    from stockapp.market.calendar import OPEN

    local = at.astimezone(IST)
    return is_trading_day(local.date()) and OPEN <= local.time() < CLOSE


# -- requests and validation ---------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    symbol: str
    market: str
    side: str  # buy | sell
    quantity: int
    order_type: OrderType
    product: Product = Product.CNC
    validity: Validity = Validity.DAY
    price: Decimal | None = None  # limit price (target leg's for OCO)
    trigger_price: Decimal | None = None  # SL/GTT trigger (target trigger for OCO)
    stop_trigger_price: Decimal | None = None  # OCO stop leg
    stop_price: Decimal | None = None  # OCO stop leg's limit

    def __post_init__(self) -> None:
        for name, enum in (
            ("order_type", OrderType),
            ("product", Product),
            ("validity", Validity),
        ):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                allowed = ", ".join(e.value for e in enum)
                raise OrderRejected(f"{name} must be one of {allowed}, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class Accepted:
    """An order that passed every check: its prices in paise and what it reserves."""

    limit: int | None
    trigger: int | None
    stop_trigger: int | None
    stop_limit: int | None
    trigger_above: bool | None  # GTT single: fires when the price rises to the trigger
    reserve_price: int  # paise per share used to block funds for a buy


@dataclass(frozen=True, slots=True)
class MarketView:
    ltp: int  # paise
    prev_close: int  # paise
    ask: int | None = None  # paise, when the instrument has a book


def _inr(paise: int) -> str:
    return f"₹{from_paise(paise):,}"


def _check_price(
    name: str, value: Decimal | None, band: tuple[int, int] | None, grid: int | None = None
) -> int:
    if value is None:
        raise OrderRejected(f"{name} is required for this order type")
    if not value.is_finite() or value <= 0:
        raise OrderRejected(f"{name} must be a positive price")
    if value != value.quantize(Decimal("0.01")):
        raise OrderRejected(f"{name} {value} has more than two decimals")
    paise = to_paise(value)
    tick = grid or tick_paise(paise)
    if paise % tick:
        raise OrderRejected(
            f"{name} {from_paise(paise)} is not on the tick grid: use a multiple of "
            f"{from_paise(tick)}"
        )
    if band is None:
        return paise
    low, high = band
    if not low <= paise <= high:
        raise OrderRejected(
            f"{name} {from_paise(paise)} is outside today's price band "
            f"{from_paise(low)}-{from_paise(high)}"
        )
    return paise


def band_paise(prev_close: int, band_pct: float | None) -> tuple[int, int]:
    low, high = price_band(prev_close / 100, band_pct)
    return round(low * 100), round(high * 100)


def validate_order(
    req: OrderRequest, contract: Contract, view: MarketView, *, now: datetime
) -> Accepted:
    """Every check that needs no account state; raises OrderRejected with the reason."""
    if req.side not in ("buy", "sell"):
        raise OrderRejected("side must be buy or sell")
    if isinstance(req.quantity, bool) or not isinstance(req.quantity, int) or req.quantity <= 0:
        raise OrderRejected("quantity must be a whole number greater than zero")
    if req.quantity % contract.lot_size:
        raise OrderRejected(
            f"quantity {req.quantity} is not a multiple of the lot size {contract.lot_size}"
        )
    gtt = req.order_type in (OrderType.GTT, OrderType.GTT_OCO)
    if gtt != (req.validity == Validity.GTT):
        raise OrderRejected("GTT orders need validity gtt, and only GTT orders may have it")
    if req.product == Product.MIS:
        if gtt:
            raise OrderRejected("GTT orders are for delivery (cnc) only")
        local = now.astimezone(IST)
        if session_day(now) == local.date() and local.time() >= SQUARE_OFF:
            raise OrderRejected("intraday (mis) orders are closed after 15:20 IST; use cnc")
    if contract.expiry is not None and now >= square_off_at(contract.expiry):
        raise OrderRejected(
            f"{contract.symbol} expires today: orders close at 15:20 IST on its expiry day"
        )
    band = band_paise(view.prev_close, contract.band_pct) if contract.banded else None
    grid = contract.tick

    def check(name: str, value: Decimal | None) -> int:
        return _check_price(name, value, band, grid)

    limit = trigger = stop_trigger = stop_limit = None
    above: bool | None = None
    kind = req.order_type
    if kind in LIMIT_PRICED:
        limit = check("price", req.price)
    elif req.price is not None:
        raise OrderRejected(f"a {kind.value} order takes no price")
    if kind in TRIGGERED_TYPES:
        trigger = check("trigger_price", req.trigger_price)
    elif req.trigger_price is not None:
        raise OrderRejected(f"a {kind.value} order takes no trigger_price")
    buy = req.side == "buy"
    ltp = view.ltp
    if kind in (OrderType.SL, OrderType.SL_M):
        assert trigger is not None
        if buy and trigger <= ltp:
            raise OrderRejected(f"a buy stop-loss needs a trigger above the last price {_inr(ltp)}")
        if not buy and trigger >= ltp:
            raise OrderRejected(
                f"a sell stop-loss needs a trigger below the last price {_inr(ltp)}"
            )
        if limit is not None and (limit < trigger if buy else limit > trigger):
            raise OrderRejected(
                "a stop-loss limit price must be at or beyond its trigger "
                "(buy: at or above, sell: at or below)"
            )
    if kind == OrderType.GTT:
        assert trigger is not None
        if trigger == ltp:
            raise OrderRejected("the GTT trigger must differ from the last price")
        above = trigger > ltp
    if kind == OrderType.GTT_OCO:
        assert trigger is not None
        stop_trigger = check("stop_trigger_price", req.stop_trigger_price)
        stop_limit = check("stop_price", req.stop_price)
        # a sell OCO: target above the price, stop below; a buy OCO the other way round
        ok = (stop_trigger < ltp < trigger) if not buy else (trigger < ltp < stop_trigger)
        if not ok:
            raise OrderRejected(
                "an OCO needs its target trigger and stop trigger on either side of the last "
                f"price {_inr(ltp)} (sell: stop below, target above; buy: the reverse)"
            )
    elif req.stop_trigger_price is not None or req.stop_price is not None:
        raise OrderRejected("only gtt_oco orders take stop_trigger_price and stop_price")
    if buy:
        candidates = [p for p in (limit, stop_limit) if p is not None]
        if kind in (OrderType.MARKET, OrderType.SL_M):
            base = trigger if kind == OrderType.SL_M and trigger else ltp
            worst = base + (grid or tick_paise(base))
            if kind == OrderType.MARKET and view.ask:
                worst = max(worst, view.ask)
            candidates.append(min(worst, band[1]) if band else worst)
        reserve = max(candidates)
    else:
        reserve = 0
    return Accepted(limit, trigger, stop_trigger, stop_limit, above, reserve)
