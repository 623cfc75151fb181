"""market replay sessions

Revision ID: 0004_replay
Revises: 0003_user_versions
"""

from collections.abc import Sequence

import sqlalchemy as sa

import stockapp.db.models
from alembic import op

revision: str = "0004_replay"
down_revision: str | None = "0003_user_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("speed", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("anchor_wall_ms", sa.BigInteger(), nullable=False),
        sa.Column("anchor_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", stockapp.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_replay_sessions_user_id"), "replay_sessions", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_replay_sessions_user_id"), table_name="replay_sessions")
    op.drop_table("replay_sessions")
