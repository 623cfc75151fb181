"""Market-replay sessions: one row per replay a user has started.

A replay is pure data (which session, how fast, and one clock anchor), so any worker that
reads the row shows the same replayed moment; see stockapp.market.replay.clock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from stockapp.db.models import MONEY, _now, ts_column, user_fk


class ReplaySession(SQLModel, table=True):
    __tablename__ = "replay_sessions"
    id: str = Field(sa_column=sa.Column(sa.String(32), primary_key=True))
    user_id: int = Field(sa_column=user_fk(index=True))
    day: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    speed: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    start_ms: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    end_ms: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    anchor_wall_ms: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    anchor_at_ms: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    paused: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    # the replay's own paper account: practice inside a replay never touches the live one
    opening_balance: Decimal = Field(
        default=Decimal(0), sa_column=sa.Column(MONEY, nullable=False, server_default="0")
    )
    cash: Decimal = Field(
        default=Decimal(0), sa_column=sa.Column(MONEY, nullable=False, server_default="0")
    )
    created_at: datetime = Field(default_factory=_now, sa_column=ts_column(nullable=False))
