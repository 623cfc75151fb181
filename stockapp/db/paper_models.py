"""Paper-trading tables: virtual orders, their fills, and each user's virtual cash.

An order is written once when placed (open, or rejected with its reason) and then changes
only through fenced updates (`WHERE status = 'open' AND version = :seen`), so a fill, a
cancel and a modification can never both apply; `paper_fills.order_id` is unique as a last
guard against a second fill.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from stockapp.db.models import MONEY, _now, cascade_fk, required_string, ts_column, user_fk


def _book_column() -> sa.Column:
    # "" is the live market's book; a replay's orders and fills carry its replay id
    return sa.Column(sa.String(32), nullable=False, server_default="")


class PaperOrder(SQLModel, table=True):
    __tablename__ = "paper_orders"
    __table_args__ = (
        sa.Index("ix_paper_orders_user_time", "user_id", "placed_at"),
        sa.Index("ix_paper_orders_status", "status"),
        sa.Index("ix_paper_orders_book_status", "book", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=user_fk())
    book: str = Field(default="", sa_column=_book_column())
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    side: str = Field(sa_column=required_string(4))
    segment: str = Field(default="equity", sa_column=sa.Column(sa.String(8), nullable=False))
    order_type: str = Field(sa_column=required_string(8))
    product: str = Field(sa_column=required_string(4))
    validity: str = Field(sa_column=required_string(4))
    quantity: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    price: Decimal | None = Field(default=None, sa_column=sa.Column(MONEY))
    trigger_price: Decimal | None = Field(default=None, sa_column=sa.Column(MONEY))
    stop_trigger_price: Decimal | None = Field(default=None, sa_column=sa.Column(MONEY))
    stop_price: Decimal | None = Field(default=None, sa_column=sa.Column(MONEY))
    trigger_above: bool | None = Field(default=None, sa_column=sa.Column(sa.Boolean))
    status: str = Field(sa_column=required_string(10))
    stage: str = Field(default="working", sa_column=sa.Column(sa.String(8), nullable=False))
    leg: str = Field(default="", sa_column=sa.Column(sa.String(8), nullable=False))
    reason: str = Field(default="", sa_column=sa.Column(sa.String(300), nullable=False))
    session_day: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    reserved: Decimal = Field(default=Decimal(0), sa_column=sa.Column(MONEY, nullable=False))
    version: int = 0
    source: str = Field(default="user", sa_column=sa.Column(sa.String(12), nullable=False))
    square_off_key: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(120), unique=True, nullable=True)
    )
    fill_price: Decimal | None = Field(default=None, sa_column=sa.Column(MONEY))
    filled_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    placed_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))


class PaperFill(SQLModel, table=True):
    __tablename__ = "paper_fills"
    __table_args__ = (sa.Index("ix_paper_fills_user_time", "user_id", "filled_at"),)
    id: int | None = Field(default=None, primary_key=True)
    book: str = Field(default="", sa_column=_book_column())
    order_id: int = Field(sa_column=cascade_fk("paper_orders.id", unique=True))
    user_id: int = Field(sa_column=user_fk())
    symbol: str = Field(sa_column=required_string(32))
    market: str = Field(sa_column=required_string(16))
    side: str = Field(sa_column=required_string(4))
    segment: str = Field(default="equity", sa_column=sa.Column(sa.String(8), nullable=False))
    product: str = Field(sa_column=required_string(4))
    quantity: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    price: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    brokerage: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    stt: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    exchange: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    sebi: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    stamp: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    gst: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    charges: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    session_day: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    filled_at: datetime = Field(sa_column=ts_column(nullable=False))


class PaperAccount(SQLModel, table=True):
    __tablename__ = "paper_accounts"
    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    opening_balance: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    cash: Decimal = Field(sa_column=sa.Column(MONEY, nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))
