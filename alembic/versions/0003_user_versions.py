"""users.token_version (log-out and password change revoke earlier tokens) and
users.book_version (bumped by every trade change; keys the cached FIFO positions)

Revision ID: 0003_user_versions
Revises: 0002_username_case
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_user_versions"
down_revision: str | None = "0002_username_case"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("book_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("book_version")
        batch_op.drop_column("token_version")
