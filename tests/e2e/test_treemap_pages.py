"""Sectors and Recommendations share one squarified treemap: tile area follows market cap
(within 10%), labels fit or hide, nothing is clipped, and picking a sector leaves the table
its full width."""

from __future__ import annotations

import pytest

TILE_AREAS_JS = """(sel) => [...document.querySelectorAll(sel + ' .tm-cell')].map(c => {
  const r = c.getBoundingClientRect(); return [c.querySelector('.tm-tile').id, r.width * r.height];
})"""
LABELS_FIT_JS = """(sel) => [...document.querySelectorAll(sel + ' .tm-name, ' + sel + ' .tm-sub')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.closest('.tm-tile').id + ': ' + e.innerText)"""


def _caps(page) -> dict[str, float]:
    rows = page.locator("#sector-table tbody tr").all()
    caps = {}
    for row in rows:
        cells = row.locator("td, th").all_inner_texts()
        slug = (row.get_attribute("id") or "").removeprefix("sector-row-")
        cap = next(c for c in cells if c.strip().endswith("L Cr"))
        caps[f"sector-tile-{slug}"] = float(cap.replace("L Cr", "").replace(",", ""))
    return caps


def test_sector_tiles_are_sized_by_market_cap_and_labels_fit(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/sectors")
    page.wait_for_selector("#sector-heatmap .tm-cell")
    areas = dict(page.evaluate(TILE_AREAS_JS, "#sector-heatmap"))
    caps = _caps(page)
    assert set(areas) == set(caps)
    total_area, total_cap = sum(areas.values()), sum(caps.values())
    for tile, cap in caps.items():
        if cap / total_cap < 0.005:
            continue  # a sliver's 1px border is more than 10% of it
        assert areas[tile] / total_area == pytest.approx(cap / total_cap, rel=0.10), tile
    assert page.evaluate(LABELS_FIT_JS, "#sector-heatmap") == []


def test_picking_a_sector_keeps_the_table_full_width(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/sectors")
    page.wait_for_selector("#sector-table tbody tr")
    before = page.locator("#sector-table").bounding_box()["width"]
    page.locator("#sector-heatmap .tm-tile").first.click()
    page.wait_for_selector("#sector-panel")
    after = page.locator("#sector-table").bounding_box()["width"]
    assert after >= before - 1


def test_recommendations_heat_map_is_not_clipped(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/recommendations")
    page.wait_for_selector("#heat-map .tm-cell")
    box = page.locator("#heat-map").bounding_box()
    # no inner scrolling box hiding tiles (the old map scrolled at 380 px), and every tile
    # lies inside the map
    assert page.evaluate("getComputedStyle(document.querySelector('#heat-map')).overflowY") in (
        "visible",
        "hidden",
    )
    outside = page.evaluate(
        """() => { const m = document.querySelector('#heat-map').getBoundingClientRect();
          return [...document.querySelectorAll('#heat-map .tm-cell')].filter(c => {
            const r = c.getBoundingClientRect();
            return r.left < m.left - 1 || r.top < m.top - 1 || r.right > m.right + 1 ||
                   r.bottom > m.bottom + 1; }).length; }"""
    )
    assert outside == 0
    areas = page.evaluate(TILE_AREAS_JS, "#heat-map")
    assert len(areas) > 100
    assert sum(a for _, a in areas) == pytest.approx(box["width"] * box["height"], rel=0.02)
    assert page.evaluate(LABELS_FIT_JS, "#heat-map") == []
