"""SQLModel tables. Money columns are Numeric (exact); times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops tzinfo otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts_column(**kw) -> sa.Column:
    return sa.Column(UtcDateTime(), **kw)


MONEY = sa.Numeric(18, 4)


def cascade_fk(target: str, *, index: bool = False, unique: bool = False) -> sa.Column:
    """A required reference to `target` ("table.id"): deleting that row deletes this one."""
    return sa.Column(
        sa.ForeignKey(target, ondelete="CASCADE"),
        index=index,
        unique=unique or None,
        nullable=False,
    )


def user_fk(index: bool = False) -> sa.Column:
    """The owner column of a per-user table: deleting the user deletes the row."""
    return cascade_fk("users.id", index=index)


def required_string(length: int) -> sa.Column:
    return sa.Column(sa.String(length), nullable=False)


class User(SQLModel, table=True):
    __tablename__ = "users"
    # usernames are one account whatever their case (`Ravi` is `ravi`): unique on lower()
    __table_args__ = (sa.Index("uq_users_username_lower", sa.text("lower(username)"), unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    password_hash: str = Field(sa_column=required_string(255))
    webhook_url: str | None = Field(default=None, sa_column=sa.Column(sa.String(2048)))
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))
    # bumped by log-out and password change: tokens carrying an older `ver` are revoked
    token_version: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    # bumped by every change to the user's trades: keys the cached FIFO positions
    book_version: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )


class InstrumentRow(SQLModel, table=True):
    """Reference data seeded from the shipped universe (searchable in SQL)."""

    __tablename__ = "instruments"
    symbol: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    market: str = Field(sa_column=sa.Column(sa.String(16), primary_key=True))
    name: str = Field(sa_column=sa.Column(sa.String(128), nullable=False, index=True))
    kind: str = Field(sa_column=required_string(8))
    isin: str = Field(default="", sa_column=sa.Column(sa.String(12), nullable=False))
    sector: str = Field(default="", sa_column=sa.Column(sa.String(64), nullable=False))
    industry: str = Field(default="", sa_column=sa.Column(sa.String(96), nullable=False))
    fno: bool = False
    lot_size: int = 1


class Watchlist(SQLModel, table=True):
    __tablename__ = "watchlists"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_watchlist_user_name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=user_fk(index=True))
    name: str = Field(sa_column=required_string(64))
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class WatchlistItem(SQLModel, table=True):
    __tablename__ = "watchlist_items"
    __table_args__ = (
        sa.UniqueConstraint("watchlist_id", "symbol", "market", name="uq_watchlist_item"),
    )
    id: int | None = Field(default=None, primary_key=True)
    watchlist_id: int = Field(sa_column=cascade_fk("watchlists.id", index=True))
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    position: int = 0
    added_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class Trade(SQLModel, table=True):
    __tablename__ = "trades"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "trade_id", name="uq_trade_user_broker_id"),
        sa.Index("ix_trades_user_time", "user_id", "traded_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=user_fk())
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    side: str = Field(sa_column=required_string(4))
    quantity: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    price: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    fees: Decimal = Field(default=Decimal(0), sa_column=sa.Column(MONEY, nullable=False))
    traded_at: datetime = Field(sa_column=ts_column(nullable=False))
    note: str = Field(default="", sa_column=sa.Column(sa.String(500), nullable=False))
    trade_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=user_fk(index=True))
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    condition: str = Field(sa_column=required_string(32))
    value: float = 0.0
    repeat: bool = False
    active: bool = True
    armed: bool = True  # a repeating alert re-arms once its condition stops holding
    last_triggered_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class AlertEvent(SQLModel, table=True):
    __tablename__ = "alert_events"
    __table_args__ = (sa.Index("ix_alert_events_user_time", "user_id", "triggered_at"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(sa_column=cascade_fk("alerts.id", index=True))
    user_id: int = Field(sa_column=user_fk())
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    condition: str = Field(sa_column=required_string(32))
    value: float = 0.0
    price: float = 0.0
    message: str = Field(default="", sa_column=sa.Column(sa.String(500), nullable=False))
    webhook_status: str | None = Field(default=None, sa_column=sa.Column(sa.String(200)))
    triggered_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class Screen(SQLModel, table=True):
    __tablename__ = "screens"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_screen_user_name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=user_fk(index=True))
    name: str = Field(sa_column=required_string(64))
    criteria: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class LoginFailure(SQLModel, table=True):
    """Failed log-ins per username, for throttling that holds across workers."""

    __tablename__ = "login_failures"
    username: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


# Paper trading's tables live in their own module; imported here so that every user of the
# metadata (alembic, create_all) sees them.
from stockapp.db import paper_models, replay_models  # noqa: E402, F401
