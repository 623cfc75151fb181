"""State of the Alerts page: the user's alerts, each one's live distance to its trigger, and
what fired. Fired events arrive by push (the toast hook below), never by polling."""

from __future__ import annotations

import reflex as rx

from stockapp import formatting as fmt
from stockapp.components.alert_dialog import AlertFormMixin
from stockapp.market.alerts import CONDITION_LABELS, WEEK52_CONDITIONS, AlertRule, trigger_level
from stockapp.market.models import Instrument, Key
from stockapp.services import alerts as svc
from stockapp.services.alerts import ltp_text
from stockapp.services.instruments import known
from stockapp.services.quotes import latest
from stockapp.state import toasts
from stockapp.state.auth import current_user_id
from stockapp.state.combobox import ComboboxMixin
from stockapp.state.live import LiveMixin, live
from stockapp.state.views import key_str

EVENTS_SHOWN = 50


def value_text(a: svc.AlertData) -> str:
    if a.condition in WEEK52_CONDITIONS:
        return "—"
    if a.condition.startswith("change_pct"):
        return fmt.pct(a.value)
    return fmt.number(a.value)


def status_text(a: svc.AlertData) -> str:
    if not a.active:
        return "Triggered"
    return "Active" if a.armed else "Fired · re-arms when clear"


def alert_row_view(a: svc.AlertData) -> dict[str, str]:
    return {
        "id": str(a.id),
        "symbol": a.symbol,
        "k": key_str((a.symbol, a.market)),
        "cond": CONDITION_LABELS.get(a.condition, a.condition),
        "value": value_text(a),
        "repeat": "Repeat" if a.repeat else "Once",
        "status": status_text(a),
        "active": "1" if a.active else "",
    }


def event_row(e: svc.EventData) -> dict[str, str]:
    return {
        "id": str(e.id),
        "symbol": e.symbol,
        "message": e.message,
        "at": fmt.ist_time(e.triggered_at),
        "hook": e.webhook_status or "",
    }


def distance(rule: AlertRule, key: Key) -> dict[str, str]:
    quote = latest(key)
    level = trigger_level(rule, quote) if quote else None
    if quote is None or level is None or quote.current_price <= 0:
        return {"abs": "—", "pct": ""}
    gap = level - quote.current_price
    return {"abs": fmt.signed(gap), "pct": fmt.pct(gap / quote.current_price * 100)}


class AlertsState(AlertFormMixin, ComboboxMixin, LiveMixin, rx.State):
    alerts: list[dict[str, str]] = []
    dist: dict[str, dict[str, str]] = {}
    events: list[dict[str, str]] = []
    notice: str = ""
    webhook_url: str = ""
    loaded: bool = False
    _rules: list[AlertRule] = []

    async def _refresh(self, uid: int) -> None:
        alerts = await svc.alerts(uid)
        self.events = [event_row(e) for e in await svc.events(uid, EVENTS_SHOWN)]
        self._rules = [svc.rule_of(a, uid) for a in alerts if a.active]
        self.alerts = [alert_row_view(a) for a in alerts]
        self.quotes = live.track(self, {r.key for r in self._rules})
        self._recompute()

    def _recompute(self, changed: set[str] | None = None) -> None:
        dist = dict(self.dist) if changed is not None else {}
        for rule in self._rules:
            if changed is None or key_str(rule.key) in changed:
                dist[str(rule.id)] = distance(rule, rule.key)
        self.dist = dist

    def _apply_live(self, snapshot, changed) -> None:
        super()._apply_live(snapshot, changed)
        self._recompute({key_str(k) for k in changed})

    @rx.event
    async def load(self):
        self.error, self.notice = "", ""
        uid = await current_user_id(self)
        if uid is None:
            return
        await self._refresh(uid)
        self.webhook_url = await svc.webhook(uid)
        self.loaded = True

    # -- create form ---------------------------------------------------------------------
    async def _combo_chosen(self, inst: Instrument):
        self.pick(inst.symbol, inst.market)

    @rx.event
    def pick(self, symbol: str, market: str):
        if not known(symbol, market):
            return
        self.symbol, self.market = symbol, market
        self._combo_reset(key_str((symbol, market)))
        if self.condition.startswith("price") or not self.value:
            self.value = ltp_text(symbol, market)

    @rx.event
    async def create(self):
        self.notice = ""  # an error below must not sit beside the last success
        if not self.symbol:
            self.error = "Choose a symbol first"
            return
        try:
            data = await self._create_alert()
        except ValueError as exc:
            self.error = str(exc)
            return
        self.error = ""
        self.notice = f"Alert #{data.id} on {data.symbol} is watching."
        uid = await current_user_id(self)
        if uid is not None:
            await self._refresh(uid)

    @rx.event
    async def delete(self, alert_id: str):
        uid = await current_user_id(self)
        if uid is None or not str(alert_id).isdigit():
            return
        try:
            await svc.delete(uid, int(alert_id))
        except svc.NotFound:
            # someone else's alert, or gone already: the engine must keep evaluating it
            self.error = "That alert no longer exists"
        await self._refresh(uid)

    @rx.event
    def set_webhook_url(self, value: str):
        self.webhook_url = value

    @rx.event
    async def save_webhook(self):
        uid = await current_user_id(self)
        if uid is None:
            return
        try:
            saved = await svc.set_webhook(uid, self.webhook_url)
        except ValueError as exc:
            self.error = str(exc)
            return
        self.webhook_url, self.error = saved or "", ""
        self.notice = "Webhook saved" if saved else "Webhook removed"


@toasts.on_push
async def _on_fired(root: rx.State, event: svc.EventData) -> None:
    """Runs under the tab's state lock when one of its user's alerts fires."""
    state = await root.get_state(AlertsState)
    if state.loaded:
        await state._refresh(event.user_id)
