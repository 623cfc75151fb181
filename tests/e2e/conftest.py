"""The real app (`reflex run --env prod`, frontend + backend on one port) and a headless
Chromium driven by Playwright. One server per test session; pages get a fresh context."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, need

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


class AppServer:
    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log = port, env, log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240) -> None:
        subprocess.run(
            [sys.executable, "-m", "stockapp.db.migrate"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.proc = subprocess.Popen(
            [
                "reflex",
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(self.port),
                "--backend-port",
                str(self.port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"app exited early; see {self.log}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if (
                    httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200
                    and httpx.get(f"{self.url}/", timeout=2).status_code == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app did not start in {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    bin_dirs = [str(ROOT / ".tools/js/node_modules/.bin"), str(Path(sys.executable).parent)]
    env = {
        **os.environ,
        "PATH": os.pathsep.join([*bin_dirs, os.environ.get("PATH", "")]),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "STOCKAPP_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
        "STOCKAPP_TICK_INTERVAL": "0.5",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def private_web_dir(tmp: Path) -> Path:
    """The test server builds into its own copy of .web, so it never disturbs a running
    `make run` (or another test session) that builds into the project's .web."""
    target = tmp / "web"
    if not target.exists() and (ROOT / ".web" / "package.json").exists():
        source = ROOT / ".web"

        def outputs(directory: str, names: list[str]) -> list[str]:  # the old build only
            return (
                [n for n in names if n in {"build", ".react-router"}]
                if Path(directory) == source
                else []
            )

        shutil.copytree(source, target, symlinks=True, ignore=outputs)
    return target


@pytest.fixture(scope="session")
def app_server(tmp_root, chromium_path) -> Iterator[AppServer]:
    need(
        (ROOT / ".tools/js/node_modules/.bin/bun").exists(),
        "bun/node not installed (run make test)",
    )
    port = free_port()
    env = app_env(
        tmp_root,
        PORT=str(port),
        STOCKAPP_ALLOWED_ORIGINS=f"http://127.0.0.1:{port},http://localhost:{port}",
        REFLEX_WEB_WORKDIR=str(private_web_dir(tmp_root)),
    )
    server = AppServer(port, env, tmp_root / "e2e-server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A Playwright page that records console errors and page errors."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status} {r.url}"),
        )

    def __getattr__(self, name):
        return getattr(self.page, name)


@pytest.fixture
def page(browser, app_server) -> Iterator[Page]:
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    p = Page(context.new_page())
    p.set_default_timeout(20_000)
    yield p
    context.close()


def api_user(app_server: AppServer) -> tuple[str, str, str]:
    """Register a user through the API; returns (username, password, token)."""
    name, password = f"e2e_{uuid.uuid4().hex[:8]}", "e2e-password-1"
    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        assert (
            c.post(
                "/api/v1/auth/register", json={"username": name, "password": password}
            ).status_code
            == 201
        )
        token = c.post("/api/v1/auth/token", data={"username": name, "password": password}).json()[
            "access_token"
        ]
    return name, password, token


def login_via_ui(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_selector("#nav-username")


def texts_change(page: Page, selector: str, seconds: float = 8.0) -> bool:
    """True when the text of `selector` changes within `seconds` (prices moving live)."""
    first = page.locator(selector).first.inner_text()
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(0.25)
        if page.locator(selector).first.inner_text() != first:
            return True
    return False


def real_errors(errors: list[str]) -> list[str]:
    """Console errors that are the app's fault (the closed network makes none here)."""
    return [e for e in errors if "Failed to load resource" not in e]
