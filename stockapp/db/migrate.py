"""`python -m stockapp.db.migrate`: create the database if needed, upgrade to head, seed.

Safe to run from several workers at once: PostgreSQL upgrades run under an advisory lock
(alembic/env.py) and seeding is an idempotent upsert.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command
from stockapp.db.seed import seed_instruments
from stockapp.db.session import make_engine
from stockapp.settings import PROJECT_DIR, get_settings

log = logging.getLogger("stockapp.migrate")


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(PROJECT_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_DIR / "alembic"))
    cfg.attributes["database_url"] = database_url
    return cfg


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named in the URL when it does not exist yet."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or not url.database:
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).first()
            if not exists:
                # another worker may create it first (DuplicateDatabase, or a unique
                # violation on pg_database when both CREATEs run at the same moment)
                with contextlib.suppress(sa.exc.ProgrammingError, sa.exc.IntegrityError):
                    conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()


def upgrade(database_url: str | None = None) -> None:
    url = database_url or get_settings().database_url
    ensure_database(url)
    command.upgrade(alembic_config(url), "head")


def downgrade(database_url: str | None = None, target: str = "base") -> None:
    url = database_url or get_settings().database_url
    command.downgrade(alembic_config(url), target)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    url = get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        n = seed_instruments(engine)
    finally:
        engine.dispose()
    print(f"database ready ({make_url(url).get_backend_name()}), {n} instruments")


if __name__ == "__main__":
    main()
