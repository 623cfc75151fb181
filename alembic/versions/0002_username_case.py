"""usernames unique without regard to case

Revision ID: 0002_username_case
Revises: 0002_paper

`Ravi` and `ravi` are one account from now on: a unique index on lower(username). Existing
accounts whose names differ only in case keep the oldest one's name; each later one is
renamed to `<name>-<id>` (reported on the console) so the index can be built, and its owner
logs in with that name. Log-in failure counts are keyed by the lower-case name from now on,
so the old (transient) counts are dropped.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002_username_case"
down_revision: str | None = "0002_paper"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
log = logging.getLogger("alembic.runtime.migration")


def _rename_case_duplicates() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    taken = {name.lower() for _, name in rows}
    seen: set[str] = set()
    for user_id, name in rows:
        if name.lower() not in seen:
            seen.add(name.lower())
            continue
        suffix = f"-{user_id}"
        new = name[: 64 - len(suffix)] + suffix
        while new.lower() in taken:
            suffix += "x"
            new = name[: 64 - len(suffix)] + suffix
        taken.add(new.lower())
        seen.add(new.lower())
        conn.execute(
            sa.text("UPDATE users SET username = :new WHERE id = :id"), {"new": new, "id": user_id}
        )
        log.warning("username %r (id %s) clashes with an older account: now %r", name, user_id, new)


def upgrade() -> None:
    _rename_case_duplicates()
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.execute("DELETE FROM login_failures")


def downgrade() -> None:
    op.drop_index("uq_users_username_lower", table_name="users")
