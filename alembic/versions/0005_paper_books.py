"""paper orders and fills in books: the live market's ("") or a replay's; a replay's account

Revision ID: 0005_paper_books
Revises: 0004_replay
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_paper_books"
down_revision: str | None = "0004_replay"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=18, scale=4)


def upgrade() -> None:
    for table in ("paper_orders", "paper_fills"):
        op.add_column(
            table, sa.Column("book", sa.String(length=32), nullable=False, server_default="")
        )
    op.create_index(
        "ix_paper_orders_book_status", "paper_orders", ["book", "status"], unique=False
    )
    for column in ("opening_balance", "cash"):
        op.add_column(
            "replay_sessions", sa.Column(column, MONEY, nullable=False, server_default="0")
        )


def downgrade() -> None:
    for column in ("cash", "opening_balance"):
        op.drop_column("replay_sessions", column)
    op.drop_index("ix_paper_orders_book_status", table_name="paper_orders")
    for table in ("paper_fills", "paper_orders"):
        op.drop_column(table, "book")
