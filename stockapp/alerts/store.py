"""Alert persistence shared by the REST API, the Alerts page and the engine.

Per-user functions take the owner's id and answer `NotFound` for anyone else's alert, so
ids cannot be probed. `record_firing` is the only way an alert fires: one transaction that
flips the alert with an optimistic check (armed and active) and inserts the event, so two
evaluators racing on the same alert can never both record it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from stockapp.alerts import destinations
from stockapp.db.crud import owned
from stockapp.db.errors import NotFound
from stockapp.db.models import Alert, AlertEvent, User
from stockapp.market.alerts import AlertRule, Firing, validate_rule
from stockapp.market.models import iso_ms, utcnow
from stockapp.records import carry
from stockapp.settings import get_settings

MAX_ALERTS_PER_USER = 200
EVENTS_LIMIT = 200
MAX_WEBHOOK_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class AlertData:
    id: int
    symbol: str
    market: str
    condition: str
    value: float
    repeat: bool
    active: bool
    armed: bool
    last_triggered_at: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class EventData:
    id: int
    alert_id: int
    user_id: int
    symbol: str
    market: str
    condition: str
    value: float
    price: float
    message: str
    webhook_status: str | None
    triggered_at: str

    def as_dict(self) -> dict:
        return asdict(self)


def _alert_data(a: Alert) -> AlertData:
    last = a.last_triggered_at
    return carry(
        AlertData,
        a,
        last_triggered_at=iso_ms(last) if last else None,
        created_at=iso_ms(a.created_at),
    )


def _event_data(e: AlertEvent) -> EventData:
    return carry(EventData, e, triggered_at=iso_ms(e.triggered_at))


def rule_of(a: Alert | AlertData, user_id: int) -> AlertRule:
    return carry(AlertRule, a, user_id=user_id)


def _owned(session: Session, user_id: int, alert_id: int) -> Alert:
    return owned(session, Alert, user_id, alert_id, what="Alert")


# -- per user ------------------------------------------------------------------------------


def create_alert(
    session: Session,
    user_id: int,
    symbol: str,
    market: str,
    condition: str,
    value: float,
    repeat: bool,
) -> AlertData:
    validate_rule(condition, value)
    count = session.exec(
        select(sa.func.count()).select_from(Alert).where(Alert.user_id == user_id)
    ).one()
    if count >= MAX_ALERTS_PER_USER:
        raise ValueError(f"At most {MAX_ALERTS_PER_USER} alerts per user")
    alert = Alert(
        user_id=user_id,
        symbol=symbol,
        market=market,
        condition=condition,
        value=float(value),
        repeat=bool(repeat),
    )
    session.add(alert)
    session.flush()
    return _alert_data(alert)


def list_alerts(session: Session, user_id: int) -> list[AlertData]:
    rows = session.exec(
        select(Alert).where(Alert.user_id == user_id).order_by(Alert.id.desc())
    ).all()
    return [_alert_data(a) for a in rows]


def get_alert(session: Session, user_id: int, alert_id: int) -> AlertData:
    return _alert_data(_owned(session, user_id, alert_id))


def delete_alert(session: Session, user_id: int, alert_id: int) -> None:
    session.delete(_owned(session, user_id, alert_id))


def list_events(session: Session, user_id: int, limit: int = EVENTS_LIMIT) -> list[EventData]:
    rows = session.exec(
        select(AlertEvent)
        .where(AlertEvent.user_id == user_id)
        .order_by(AlertEvent.triggered_at.desc(), AlertEvent.id.desc())
        .limit(limit)
    ).all()
    return [_event_data(e) for e in rows]


def check_webhook_url(url: str | None) -> str | None:
    """'' or None clears the webhook; otherwise an absolute http(s) URL to a public
    destination (see `destinations`; DestinationRefused is a ValueError)."""
    if not url or not url.strip():
        return None
    url = url.strip()
    if len(url) > MAX_WEBHOOK_LENGTH:
        raise ValueError(f"webhook_url is longer than {MAX_WEBHOOK_LENGTH} characters")
    allow_private = get_settings().webhook_allow_private
    url = destinations.check_url(url, allow_private=allow_private)
    if not allow_private:
        host = urlsplit(url).hostname or ""
        if destinations.literal_address(host) is None:
            try:
                addresses = destinations.resolve(host, 443)
            except OSError:
                addresses = []  # not resolvable now: checked again at every delivery
            if addresses:
                destinations.check_addresses(addresses, allow_private=False)
    return url


def get_webhook(session: Session, user_id: int) -> str | None:
    user = session.get(User, user_id)
    return user.webhook_url if user else None


def set_webhook(session: Session, user_id: int, url: str | None) -> str | None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    user.webhook_url = check_webhook_url(url)
    session.add(user)
    return user.webhook_url


# -- engine --------------------------------------------------------------------------------


def active_rules(session: Session) -> list[AlertRule]:
    rows = session.exec(select(Alert).where(Alert.active == sa.true())).all()
    return [rule_of(a, a.user_id) for a in rows]


def record_firing(
    session: Session, firing: Firing, at: datetime | None = None
) -> tuple[EventData, str | None] | None:
    """Flip the alert and insert its event; None when it was already fired or deleted.

    Returns the event and the owner's webhook URL.
    """
    rule = firing.rule
    at = at or utcnow()
    values: dict = {"armed": False, "last_triggered_at": at}
    if not rule.repeat:
        values["active"] = False
    result = session.execute(
        sa.update(Alert)
        .where(Alert.id == rule.id, Alert.armed == sa.true(), Alert.active == sa.true())
        .values(**values)
    )
    if result.rowcount != 1:
        return None
    event = AlertEvent(
        alert_id=rule.id,
        user_id=rule.user_id,
        symbol=rule.symbol,
        market=rule.market,
        condition=rule.condition,
        value=rule.value,
        price=firing.price,
        message=firing.message,
        triggered_at=at,
    )
    session.add(event)
    session.flush()
    return _event_data(event), get_webhook(session, rule.user_id)


def rearm(session: Session, alert_id: int) -> None:
    session.execute(
        sa.update(Alert)
        .where(Alert.id == alert_id, Alert.active == sa.true(), Alert.repeat == sa.true())
        .values(armed=True)
    )


def set_webhook_status(session: Session, event_id: int, status: str) -> None:
    session.execute(
        sa.update(AlertEvent).where(AlertEvent.id == event_id).values(webhook_status=status[:200])
    )
