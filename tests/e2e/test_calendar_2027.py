"""The app with its clock moved into January 2027, a year whose holiday list NSE has not
published in any source the app reads: the options page lists the January monthly on the
Monday before Republic Day and says the calendar is an estimate.

This needs its own server (STOCKAPP_SIM_START is read at start-up, and the simulated market
only moves forward, so the session server cannot be sent to 2027 and back).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import free_port, need
from tests.e2e.conftest import ROOT, AppServer, Page, app_env, private_web_dir, real_errors

SIM_START = "2027-01-20T10:00:00+05:30"


@pytest.fixture(scope="module")
def server_2027(tmp_root, chromium_path) -> Iterator[AppServer]:
    need(
        (ROOT / ".tools/js/node_modules/.bin/bun").exists(),
        "bun/node not installed (run make test)",
    )
    tmp = tmp_root / "sim2027"
    tmp.mkdir(exist_ok=True)
    port = free_port()
    env = app_env(
        tmp,
        PORT=str(port),
        STOCKAPP_ALLOWED_ORIGINS=f"http://127.0.0.1:{port},http://localhost:{port}",
        REFLEX_WEB_WORKDIR=str(private_web_dir(tmp)),
        STOCKAPP_SIM_START=SIM_START,
    )
    server = AppServer(port, env, tmp / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page_2027(browser, server_2027) -> Iterator[Page]:
    context = browser.new_context(base_url=server_2027.url, viewport={"width": 1280, "height": 900})
    p = Page(context.new_page())
    p.set_default_timeout(20_000)
    yield p
    context.close()


def _eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_options_page_in_january_2027(page_2027, server_2027):
    with httpx.Client(base_url=server_2027.url, timeout=10) as c:
        status = c.get("/api/v1/market/status").json()
        expiries = c.get("/api/v1/options/NIFTY/expiries").json()
    assert status["calendar_verified"] is False
    assert status["calendar_note"] == "holiday calendar estimated for 2027"
    assert expiries["expiries"][0] == "2027-01-25"
    assert expiries["contracts"][0]["kind"] == "monthly"

    page = page_2027
    page.goto("/options/NIFTY")
    page.wait_for_selector("#chain-table tbody tr")
    assert "2027-01-25" in page.locator("#options-expiry").inner_text()
    note = page.locator("#options-calendar-note")
    assert "holiday calendar estimated for 2027" in note.inner_text()
    assert _eventually(lambda: page.locator("#calendar-note").count() == 1)
    assert "estimated for 2027" in page.locator("#calendar-note").inner_text()
    # days to expiry count from the simulated 20 Jan 2027 10:00 IST to 25 Jan 15:30
    days = float(page.locator("#chain-days").inner_text())
    assert 5.0 < days < 5.3
    page.click("#options-expiry")
    options = page.locator("[role=option]").all_inner_texts()
    assert "2027-01-25 · monthly (est.)" in options
    assert not any(o.startswith("2027-01-26") for o in options)
    assert real_errors(page.errors) == []
