"""Log-in throttling under parallel attack, on SQLite and PostgreSQL, and per client IP.

Parallel wrong passwords for one user never produce a 5xx, and every attempt is counted:
exactly `login_max_failures` are checked, the rest answer 429. Password spraying (one
guess each on many usernames) and bulk registration from one address are throttled by
the per-IP limits, with the shipped default limits.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.engine import make_url

from stockapp.settings import Settings
from tests.security.conftest import PASSWORD, SecServer, start_api_process, stop_process

PARALLEL = 30
MAX_FAILURES = Settings.model_fields["login_max_failures"].default


@pytest.fixture(scope="module")
def pg_server(tmp_root, postgres_url) -> Iterator[SecServer]:
    from tests.integration.conftest import admin_execute

    name = f"stockapp_sec_{uuid.uuid4().hex[:10]}"
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    server = start_api_process(tmp_root, "security-pg", STOCKAPP_DATABASE_URL=url)
    yield server
    stop_process(server.proc)
    admin_execute(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def default_limits_server(tmp_root) -> Iterator[SecServer]:
    """The shipped per-IP limits (the test session sets generous ones for other suites)."""
    server = start_api_process(
        tmp_root,
        "security-limits",
        STOCKAPP_LOGIN_IP_LIMIT=Settings.model_fields["login_ip_limit"].default,
        STOCKAPP_REGISTER_IP_LIMIT=Settings.model_fields["register_ip_limit"].default,
    )
    yield server
    stop_process(server.proc)


def _parallel_wrong_guesses(base: str) -> tuple[Counter, httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    name = f"race_{uuid.uuid4().hex[:8]}"
    r = client.post("/api/v1/auth/register", json={"username": name, "password": PASSWORD})
    assert r.status_code == 201, r.text

    def guess(i: int) -> int:
        data = {"username": name, "password": f"wrong-guess-{i:04d}"}
        return client.post("/api/v1/auth/token", data=data).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        codes = Counter(pool.map(guess, range(PARALLEL)))
    return codes, client, name


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_parallel_wrong_passwords_are_all_counted_and_never_fail(backend, request):
    server = request.getfixturevalue("sec_server" if backend == "sqlite" else "pg_server")
    codes, client, name = _parallel_wrong_guesses(server.url)
    try:
        assert set(codes) <= {401, 429}, codes
        assert codes[401] == MAX_FAILURES and codes[429] == PARALLEL - MAX_FAILURES, codes
        right = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        assert right.status_code == 429, "locked: even the right password waits"
    finally:
        client.close()


def test_password_spraying_across_usernames_is_throttled_per_ip(default_limits_server):
    login_limit = int(Settings.model_fields["login_ip_limit"].default.split("/")[0])
    with httpx.Client(base_url=default_limits_server.url, timeout=30) as client:
        codes = []
        for i in range(30):
            data = {"username": f"spray_{i}_{uuid.uuid4().hex[:6]}", "password": "Summer2026!"}
            r = client.post("/api/v1/auth/token", data=data)
            codes.append(r.status_code)
        assert codes[:login_limit] == [401] * login_limit
        assert codes[login_limit:] == [429] * (30 - login_limit)
        assert int(r.headers["Retry-After"]) >= 1 and "attempts" in r.json()["detail"]


def test_bulk_registration_is_throttled_per_ip(default_limits_server):
    register_limit = int(Settings.model_fields["register_ip_limit"].default.split("/")[0])
    with httpx.Client(base_url=default_limits_server.url, timeout=30) as client:
        codes = []
        for _ in range(register_limit + 3):
            body = {"username": f"bulk_{uuid.uuid4().hex[:8]}", "password": PASSWORD}
            r = client.post("/api/v1/auth/register", json=body)
            codes.append(r.status_code)
        assert codes == [201] * register_limit + [429] * 3
        assert int(r.headers["Retry-After"]) >= 1
