"""The logged-in user's price alerts for the Alerts page and the alert dialog: storage and
the alert engine kept in step (an alert stored is evaluated at once; one deleted stops)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from stockapp.alerts import store
from stockapp.alerts.engine import alert_engine
from stockapp.db.session import run_db
from stockapp.market.alerts import WEEK52_CONDITIONS, AlertRule, InvalidRule
from stockapp.market.hub import PriceHub
from stockapp.market.models import MARKETS
from stockapp.services.instruments import known
from stockapp.services.market import hub as running_hub
from stockapp.services.market import on_hub_start
from stockapp.services.quotes import latest

AlertData = store.AlertData
EventData = store.EventData
NotFound = store.NotFound


def parse_value(condition: str, text: str) -> float:
    """The form's value as a number; 52-week alerts take none."""
    if condition in WEEK52_CONDITIONS:
        return 0.0
    try:
        return float(str(text).replace(",", "").replace("₹", "").strip())
    except ValueError as exc:
        raise InvalidRule("Enter a number for the value") from exc


async def create(
    uid: int, symbol: str, market: str, condition: str, value: str, repeat: bool
) -> AlertData:
    """Validate and store an alert; the engine starts evaluating it at once.

    Raises InvalidRule (a ValueError) with a message fit for the form."""
    if market not in MARKETS or not known(symbol, market):
        raise InvalidRule(f"Unknown symbol {symbol!r}")
    number = parse_value(condition, value)
    data = await run_db(store.create_alert, uid, symbol, market, condition, number, repeat)
    alert_engine.alert_created(data, uid)
    return data


async def delete(uid: int, alert_id: int) -> None:
    """Raises NotFound for another user's alert, which the engine then keeps evaluating."""
    await run_db(store.delete_alert, uid, alert_id)
    alert_engine.alert_deleted(alert_id)


async def alerts(uid: int) -> list[AlertData]:
    return await run_db(store.list_alerts, uid)


async def events(uid: int, limit: int) -> list[EventData]:
    return await run_db(store.list_events, uid, limit)


def rule_of(alert: AlertData, uid: int) -> AlertRule:
    return store.rule_of(alert, uid)


async def webhook(uid: int) -> str:
    return await run_db(store.get_webhook, uid) or ""


async def set_webhook(uid: int, url: str) -> str | None:
    """The URL saved (None: removed); ValueError for one that may not be called."""
    return await run_db(store.set_webhook, uid, url)


# -- fired alerts, across workers -----------------------------------------------------------
def on_fired(observer: Callable[[EventData], Awaitable[None]]) -> None:
    """Call `observer` (on the leader) with every alert event the engine records."""
    alert_engine.add_observer(observer)


async def broadcast(payload: bytes) -> bool:
    """Send `payload` to every worker's broadcast listeners; False when no hub runs."""
    hub = running_hub()
    if hub is None:
        return False
    await hub.backend.broadcast(payload)
    return True


def on_broadcast(listener: Callable[[bytes], Awaitable[None]]) -> None:
    """Register `listener` for every broadcast, from each start of the hub on."""

    async def _listen(hub: PriceHub) -> None:
        hub.backend.on_broadcast(listener)

    on_hub_start(_listen)


def ltp_text(symbol: str, market: str) -> str:
    """The last price as the alert form's default value ("" when unknown)."""
    quote = latest((symbol, market)) if symbol else None
    return f"{quote.current_price:.2f}" if quote else ""
