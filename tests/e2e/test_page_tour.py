"""A tour of all twelve pages at 1440x900 and 390x844, light and dark, as a logged-in user
with a watchlist row, a trade and an alert:

- axe-core (pinned in tools/js-package.json) finds no critical or serious violation on any
  page, in either theme, at either size;
- at 390 px no page body scrolls sideways (wide tables scroll inside their own region);
- a screenshot of every page in every combination lands in tests/e2e/screenshots/
  (git-ignored, left after the run for people to look at).

Each page is visited once per combination; the tests below read what the tour recorded.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.conftest import api_user, login_via_ui
from tests.e2e.pages import AXE_JS, PAGES, VIEWPORTS, axe_violations, fill_account, settle

# one tour visits 48 pages (with axe and a screenshot each) before the first test reads it
pytestmark = pytest.mark.timeout(1200)

SHOTS = Path(__file__).parent / "screenshots"
SCHEMES = ("light", "dark")
BLOCKING = ("critical", "serious")
# rule ids allowed per page while they cannot reach zero yet: {(scheme, page): {rule: nodes}}
CEILINGS: dict[tuple[str, str], dict[str, int]] = {}

# what sticks out past the right edge without a scrolling box of its own to hold it: at
# 390 px that is content cut off (or a body that scrolls sideways)
OVERFLOW_JS = """() => {
  const w = window.innerWidth;
  const held = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if ((o === 'auto' || o === 'scroll') && a.getBoundingClientRect().right <= w + 1) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > w + 1 && !held(e);
  }).slice(0, 5).map(e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' +
    String(e.className).split(' ')[0]) + ' right=' + Math.round(e.getBoundingClientRect().right));
  return {scroll: document.documentElement.scrollWidth, inner: w, wide};
}"""


@pytest.fixture(scope="module")
def tour(browser, app_server) -> dict[tuple[str, str], dict[str, dict]]:
    need(AXE_JS.exists(), "axe-core not installed (run make test)")
    SHOTS.mkdir(exist_ok=True)
    name, password, token = api_user(app_server)
    fill_account(app_server.url, token)
    seen: dict[tuple[str, str], dict[str, dict]] = {}
    for scheme, (label, (width, height)) in itertools.product(SCHEMES, VIEWPORTS.items()):
        context = browser.new_context(
            base_url=app_server.url,
            viewport={"width": width, "height": height},
            color_scheme=scheme,
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        login_via_ui(page, name, password)
        results: dict[str, dict] = {}
        for slug, path, ready in PAGES:
            page.goto(path)
            settle(page, ready)
            record: dict = {"overflow": page.evaluate(OVERFLOW_JS), "axe": axe_violations(page)}
            page.screenshot(
                path=SHOTS / f"{slug}-{label}-{scheme}.png",
                full_page=True,
                animations="disabled",  # the live dots pulse for ever
                timeout=90_000,
            )
            results[slug] = record
        seen[(scheme, label)] = results
        context.close()
    return seen


@pytest.mark.parametrize("label", VIEWPORTS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_critical_or_serious_accessibility_violations(tour, scheme, label):
    problems = []
    for slug, record in tour[(scheme, label)].items():
        allowed = CEILINGS.get((scheme, slug), {})
        for v in record["axe"]:
            if v["impact"] in BLOCKING and len(v["nodes"]) > allowed.get(v["id"], 0):
                first = v["nodes"][0]
                problems.append(
                    f"{slug}: {v['impact']} {v['id']} x{len(v['nodes'])} "
                    f"e.g. {first['target']} {first['summary'][-120:]!r}"
                )
    assert problems == [], "\n".join(problems)


def test_every_page_has_a_main_landmark(tour):
    for slug, record in tour[("light", "desktop")].items():
        ids = {v["id"] for v in record["axe"]}
        assert "landmark-one-main" not in ids, slug


def test_no_page_scrolls_sideways_on_a_phone(tour):
    for scheme in SCHEMES:
        for slug, record in tour[(scheme, "phone")].items():
            o = record["overflow"]
            assert o["scroll"] <= o["inner"], (scheme, slug, o)
            assert o["wide"] == [], (scheme, slug, o)


def test_screenshots_of_every_page_are_left_for_people(tour):
    for slug, _, _ in PAGES:
        for label, scheme in itertools.product(VIEWPORTS, SCHEMES):
            shot = SHOTS / f"{slug}-{label}-{scheme}.png"
            assert shot.exists() and shot.stat().st_size > 5_000, shot
