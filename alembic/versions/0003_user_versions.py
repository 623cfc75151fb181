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


# Plain ALTER TABLE (SQLite 3.35+ drops columns natively): a batch rebuild of `users` would
# lose the expression index on lower(username).


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "users", sa.Column("book_version", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("users", "book_version")
    op.drop_column("users", "token_version")
