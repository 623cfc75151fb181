"""Factory for `uvicorn --factory`: the standalone API as the hardening suite serves it.

With `SEC_EXPORT_GATE` naming a folder, a trades export can be held in the middle of its
work, so that a test can look at the server while the export is provably in progress: when
the file `armed` exists there, the next export removes it, creates `started`, and waits
(blocking, as real work does) until `release` exists, for at most `GATE_WAIT` seconds."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi import FastAPI

GATE_WAIT = 30.0


def _gated(fn, gate: Path):
    def held(*args, **kwargs):
        try:
            (gate / "armed").unlink()
        except FileNotFoundError:
            return fn(*args, **kwargs)
        (gate / "started").touch()
        deadline = time.monotonic() + GATE_WAIT
        while not (gate / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return fn(*args, **kwargs)

    return held


def make_app() -> FastAPI:
    from stockapp.api import portfolio
    from stockapp.api.app import create_api

    if gate := os.environ.get("SEC_EXPORT_GATE"):
        portfolio.trades_to_csv = _gated(portfolio.trades_to_csv, Path(gate))
    return create_api(standalone=True)
