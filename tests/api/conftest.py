"""A real HTTP server (uvicorn on a free loopback port) running the standalone API with the
simulated market, shared by the API and /ws tests of a session."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.conftest import free_port


class ServerThread:
    def __init__(self, app, port: int):
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("API test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def api_server(migrated_db) -> Iterator[str]:
    from stockapp.api.app import create_api

    port = free_port()
    server = ServerThread(create_api(standalone=True), port)
    server.start()
    base = f"http://127.0.0.1:{port}"
    # the hub needs a moment for its first tick
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    yield base
    server.stop()


@pytest.fixture
def client(api_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server, timeout=10) as c:
        yield c


def register_and_login(
    client: httpx.Client, username: str | None = None, password: str = "correct horse battery"
) -> tuple[str, dict]:
    username = username or f"user_{uuid.uuid4().hex[:10]}"
    r = client.post("/api/v1/auth/register", json={"username": username, "password": password})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    return token, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user(client) -> tuple[str, dict]:
    return register_and_login(client)
