"""Seeding reference data: the shipped instrument universe into `instruments` (upsert)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from stockapp.db.models import InstrumentRow
from stockapp.market.instruments import load_universe

SEED_LOCK_ID = 727_002  # next to alembic/env.py's migration lock


def seed_instruments(engine: sa.Engine) -> int:
    universe = load_universe()
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":  # workers starting together seed in turn
            session.execute(sa.text(f"SELECT pg_advisory_xact_lock({SEED_LOCK_ID})"))
        existing = {
            (r.symbol, r.market): r for r in session.exec(sa.select(InstrumentRow)).scalars()
        }
        for inst in universe.all():
            row = existing.get(inst.key) or InstrumentRow(symbol=inst.symbol, market=inst.market)
            row.name, row.kind, row.isin = inst.name, inst.kind, inst.isin
            row.sector, row.industry = inst.sector, inst.industry
            row.fno, row.lot_size = inst.fno, inst.lot_size
            session.add(row)
        session.commit()
    return len(universe)
