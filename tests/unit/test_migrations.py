"""Alembic: upgrade to head and downgrade to base on SQLite and PostgreSQL; autogenerate
sees the SQLModel tables (no drift between models and migrations)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import stockapp.db.models  # noqa: F401
from stockapp.db.migrate import downgrade, ensure_database, upgrade
from stockapp.db.session import make_engine

TABLES = {
    "paper_orders",
    "paper_fills",
    "paper_accounts",
    "users",
    "instruments",
    "watchlists",
    "watchlist_items",
    "trades",
    "alerts",
    "alert_events",
    "screens",
    "login_failures",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _no_drift(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def _round_trip(url: str) -> None:
    upgrade(url)
    assert _tables(url) >= TABLES
    _no_drift(url)
    downgrade(url, "base")
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) >= TABLES


def test_sqlite_upgrade_downgrade(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_postgres_upgrade_downgrade(postgres_url):
    name = f"stockapp_mig_{uuid.uuid4().hex[:8]}"
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    ensure_database(url)
    try:
        _round_trip(url)
    finally:
        admin = make_engine(postgres_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
