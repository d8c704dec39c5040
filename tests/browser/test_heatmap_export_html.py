"""In real Chromium: the emailed heatmap HTML opens from a file, with nothing but map tiles
fetched from elsewhere, every cell drawn, and hostile names shown as text."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mapping.heatmap_exports import standalone_html
from tests.browser.conftest import BLANK_PNG, TILE_HOST
from tests.mapping.test_heatmap_exports import (
    HAVENS,
    HOSTILE,
    NOTES,
    SCHOOLS,
    TILE_URL,
    outline,
    unsafe_cells,
)

pytestmark = pytest.mark.browser
VENDOR = Path(__file__).resolve().parents[2] / "static/vendor/leaflet"


@pytest.fixture
def saved_page(tmp_path) -> Path:
    """The export written to disk with our real Leaflet inlined, as a planner would save it."""
    path = tmp_path / "heatmap.html"
    path.write_text(standalone_html(
        unsafe_cells(), title="Heatmap " + HOSTILE, notes=NOTES, outline=outline(),
        schools=SCHOOLS, havens=HAVENS, tile_url=TILE_URL, attribution="OpenStreetMap",
        leaflet_js=(VENDOR / "leaflet.js").read_text(),
        leaflet_css=(VENDOR / "leaflet.css").read_text()), encoding="utf-8")
    return path


def test_saved_html_draws_every_cell_offline(browser, saved_page):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    blocked, tiles, problems = [], [], []

    def handle(route):
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        elif urlsplit(url).netloc == TILE_HOST:
            tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", handle)
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                     dialog.dismiss()))
    try:
        tab.goto(saved_page.as_uri())
        tab.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 0")
        features = unsafe_cells()["features"]
        cells = tab.locator("path.leaflet-interactive.heat-cell")
        assert cells.count() == len(features)
        fills = sorted(cells.evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
        assert fills == ["#cb181d", "#fb6a4a", "#fcae91", "#fee5d9"]
        assert tab.locator("path.marker-school").count() == 1
        assert tab.locator("path.marker-haven").count() == 1
        legend = tab.locator(".heat-legend")
        assert HOSTILE in legend.inner_text() and "more than 3 in 5" in legend.inner_text()
        assert tab.title() == "Heatmap " + HOSTILE
        tab.locator("path.marker-school").dispatch_event("mouseover")
        assert tab.locator(".leaflet-tooltip").inner_text().strip() == HOSTILE
        tab.wait_for_function("document.querySelectorAll('img.leaflet-tile-loaded').length > 0")
    finally:
        context.close()
    assert problems == []
    assert blocked == []
    assert tiles
