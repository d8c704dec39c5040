"""In real Chromium, on a phone: a planner compares pupils' feelings with recorded crime."""

import pytest

from tests.browser.conftest import accessibility_violations
from tests.browser.test_heatmap_page import log_in
from tests.crimes.conftest import crowd  # noqa: F401
from tests.crimes.test_pages import HOSTILE, crimes  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_comparison_page_has_its_map_legend_and_table(page, db_session, crowd,  # noqa: F811
                                                          crimes):  # noqa: F811
    db_session.commit()
    log_in(page, "planner@example.org")
    page.goto("/mapping/perception-crime")
    page.wait_for_selector("#crime-map path.leaflet-interactive")
    assert page.locator("#crime-map path.leaflet-interactive").count() >= 5
    assert page.get_by_role("heading", name="How to read it").is_visible()
    assert page.get_by_text("Crimes recorded, pupils did not mark it").first.is_visible()
    table = page.get_by_role("table", name="furthest apart")
    assert table.is_visible() and HOSTILE in table.inner_text()  # shown as text, not run
    table.get_by_role("button", name="Show on map").first.click()
    assert "crimes recorded" in page.locator("#crime-status").inner_text()
    assert page.locator(".leaflet-popup-content").is_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    assert accessibility_violations(page) == []
