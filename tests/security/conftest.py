"""Servers for the hardening suite.

`sec_server`: the standalone API in its own process (uvicorn with its access log on, a fast
tick and a short lag budget for /ws), logging to a file the tests read back. A separate
process keeps its settings and event loop apart from the API tests' in-process server.

`app_server`/`browser`: the real Reflex app and Chromium of the browser tests; when the
browser tests already started them in this session they are reused rather than built twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, AppServer, Page, app_env

try:
    from tests.e2e.conftest import private_web_dir
except ImportError:  # older harness: builds into the project's .web
    private_web_dir = None

PASSWORD = "sec-suite-password-1"
PORTFOLIO_CAP = 5000  # STOCKAPP_PORTFOLIO_MAX_TRADES of the suite's servers: quick to fill


@dataclass
class SecServer:
    url: str
    log: Path
    proc: subprocess.Popen
    db: Path | None = None  # its SQLite file
    export_gate: Path | None = None  # holds a trades export on request (standalone.py)

    @property
    def ws(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy in {timeout}s:\n{log.read_text()[-3000:]}")


def _server_command(server: str, port: int) -> list[str]:
    """uvicorn (the suite's default, access log on) or granian, which `reflex run --env
    prod` serves with: their WebSocket send paths differ (granian's send never blocks)."""
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "info",
            "tests.security.standalone:make_app",
        ]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.security.standalone:make_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws",
        "websockets-sansio",
        "--log-level",
        "info",
        "--access-log",
    ]


def start_api_process(tmp: Path, name: str, server: str = "uvicorn", **env_extra: str) -> SecServer:
    port = free_port()
    db = tmp / f"{name}.db"
    env = {
        **os.environ,
        "STOCKAPP_DATABASE_URL": f"sqlite:///{db}",
        "STOCKAPP_TICK_INTERVAL": "0.1",
        "STOCKAPP_WS_LAG_TICKS_BEFORE_CLOSE": "20",
        "STOCKAPP_WS_TOKEN_RECHECK_SECONDS": "1",
        # the abuse tests open a thousand sockets as one user from loopback
        "STOCKAPP_WS_MAX_CONNECTIONS_PER_USER": "100000",
        "STOCKAPP_WS_MAX_CONNECTIONS_PER_IP": "100000",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "STOCKAPP_PORTFOLIO_MAX_TRADES": str(PORTFOLIO_CAP),
        **env_extra,
    }
    subprocess.run(
        [sys.executable, "-m", "stockapp.db.migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = tmp / f"{name}.log"
    proc = subprocess.Popen(
        _server_command(server, port),
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
    except RuntimeError:
        stop_process(proc)
        raise
    return SecServer(url, log, proc, db)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture(scope="session")
def sec_server(tmp_root) -> Iterator[SecServer]:
    gate = tmp_root / "export-gate"  # see tests/security/standalone.py
    gate.mkdir(exist_ok=True)
    server = start_api_process(tmp_root, "security-api", SEC_EXPORT_GATE=str(gate))
    server.export_gate = gate
    yield server
    stop_process(server.proc)


@pytest.fixture
def api(sec_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sec_server.url, timeout=15) as c:
        yield c


def new_user(client: httpx.Client) -> tuple[str, str, dict[str, str]]:
    """Register and log in a fresh user: (username, token, auth headers)."""
    name = f"sec_{uuid.uuid4().hex[:10]}"
    r = client.post("/api/v1/auth/register", json={"username": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    return name, token, {"Authorization": f"Bearer {token}"}


def _started_elsewhere(request: pytest.FixtureRequest, name: str):
    """The value of a session fixture of the same name another folder's conftest already
    set up in this session, or None (reads pytest's fixture registry; any change there
    just means a fresh server)."""
    manager = request._fixturemanager
    by_node = getattr(manager, "_arg2node2fixturedefs", {}).get(name, {})
    for node, fixturedefs in by_node.items():
        if getattr(node, "nodeid", "").startswith("tests/security"):
            continue
        for fixturedef in fixturedefs:
            cached = getattr(fixturedef, "cached_result", None)
            if cached is not None and cached[2] is None:
                return cached[0]
    return None


@pytest.fixture(scope="session")
def app_server(request, tmp_root, chromium_path) -> Iterator[AppServer]:
    """A fresh server of the security suite's own (not the browser tests' long-lived one):
    after the e2e and cluster suites, log-ins through the reused server's pages stopped
    completing in a full run, while the same tests pass on a fresh server."""
    from tests.conftest import need

    tmp_root = tmp_root / "security-app"
    tmp_root.mkdir(exist_ok=True)

    need((ROOT / ".tools/js/node_modules/.bin/bun").exists(), "bun/node not installed")
    port = free_port()
    extra = {"STOCKAPP_ALLOWED_ORIGINS": f"http://127.0.0.1:{port},http://localhost:{port}"}
    if private_web_dir is not None:  # build into a private copy of .web, as the e2e tests do
        extra["REFLEX_WEB_WORKDIR"] = str(private_web_dir(tmp_root))
    env = app_env(tmp_root, PORT=str(port), **extra)
    server = AppServer(port, env, tmp_root / "security-app-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(request, chromium_path):
    reused = _started_elsewhere(request, "browser")
    if reused is not None:
        yield reused
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_server) -> Iterator[Page]:
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    p = Page(context.new_page())
    p.set_default_timeout(20_000)
    yield p
    context.close()
