"""Shared fixtures. The environment is fixed before any stockapp module reads settings:
a throw-away SQLite database, a fast tick, and a test JWT secret.

Tests that need PostgreSQL, Redis or Chromium skip with a reason when those are absent,
except under CI=true, where such a skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="stockapp-tests-"))
os.environ.setdefault("STOCKAPP_ENV", "test")
os.environ["STOCKAPP_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
os.environ["STOCKAPP_JWT_SECRET"] = "test-secret-" + "x" * 40
os.environ.setdefault("STOCKAPP_TICK_INTERVAL", "0.25")
# suites register and log in many users from 127.0.0.1: per-IP limits generous enough
# for them (tests/security/test_login_limits.py runs a server with the shipped defaults)
TEST_IP_LIMIT = "100000/minute"
os.environ.setdefault("STOCKAPP_LOGIN_IP_LIMIT", TEST_IP_LIMIT)
os.environ.setdefault("STOCKAPP_REGISTER_IP_LIMIT", TEST_IP_LIMIT)
os.environ.pop("STOCKAPP_REDIS_URL", None)
os.environ.pop("REFLEX_REDIS_URL", None)

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(available: bool, reason: str) -> None:
    """Skip when a service is missing, but fail under CI where it must be present."""
    if available:
        return
    if CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


@pytest.fixture(scope="session")
def migrated_db() -> str:
    from stockapp.db.migrate import upgrade
    from stockapp.db.seed import seed_instruments
    from stockapp.db.session import get_engine

    url = os.environ["STOCKAPP_DATABASE_URL"]
    upgrade(url)
    seed_instruments(get_engine())
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    need(port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    return PG_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    need(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium not found at {CHROMIUM}",
    )
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: sync Playwright keeps an event loop running in the main
    thread for the rest of the session, which asyncio tests cannot share."""
    browser_fixtures = {"browser", "page"}
    items.sort(key=lambda item: bool(browser_fixtures & set(getattr(item, "fixturenames", ()))))
