"""In real Chromium: a planner logs an action against a hot spot through the form, a teacher
near the place reads it under "You said, we did", and the terms comparison draws its map."""

import pytest
from sqlalchemy import text

from tests.browser.conftest import accessibility_violations
from tests.browser.test_heatmap_page import log_in
from tests.browser.test_hotspots_page import planted  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import _planted

pytestmark = pytest.mark.browser
PATROLS = "Extra patrols Tue-Thu 15:00-17:00 from 3 March"


def test_a_logged_action_reaches_the_teacher_near_the_place(page, planted):  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "planner@example.org")
    page.goto("/mapping/hotspots")
    page.get_by_role("link", name="Log an action for hot spot 1").click()
    page.wait_for_url("**/mapping/hotspots/actions/new?*")
    assert "After school" in page.locator("#area-title + dl").inner_text()
    assert accessibility_violations(page) == []
    page.get_by_label("What was done, or will be").fill(PATROLS)
    page.get_by_label("Starts (or happened) on").fill("2027-03-03")
    page.get_by_label("Under way").check()
    page.get_by_role("button", name="Log the action").click()
    page.wait_for_url("**/mapping/hotspots/actions")
    assert "Action logged for hot spot 1" in page.get_by_role("status").inner_text()
    row = page.locator("tbody tr").first
    assert PATROLS in row.inner_text() and "Under way" in row.inner_text()
    assert accessibility_violations(page) == []

    page.context.clear_cookies()
    log_in(page, "t0@example.org")  # teaches at the school about 600 m from hot spot 1
    page.goto("/mapping/school-heatmap")
    section = page.locator("#you-said-we-did")
    assert PATROLS in section.inner_text()
    assert "Pupils said they feel unsafe after school" in section.inner_text()
    assert "Under way since 3 March 2027" in section.inner_text()
    assert accessibility_violations(page) == []


@pytest.fixture
def two_terms(app, db_session, planted):  # noqa: F811
    """The planted maps moved to the spring term, and a new term of the same places."""
    for table in ("pupil_map", "zone_cell"):
        db_session.execute(text(f"UPDATE {table} SET term = '2026-spring'"))  # noqa: S608
    sessions = list(db_session.scalars(text("SELECT id FROM mapping_session ORDER BY id")))
    from mapping.models import MappingSession
    _planted(app, db_session, [db_session.get(MappingSession, s) for s in sessions])
    db_session.commit()


def test_the_terms_comparison_draws_its_map_and_legend(page, two_terms):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "planner@example.org")
    page.goto("/mapping/hotspots")
    page.get_by_role("link", name="Compare two terms").click()
    page.wait_for_url("**/mapping/hotspots/compare*")
    assert "What changed between Spring 2026 and" in page.locator("h1").inner_text()
    page.wait_for_function("document.querySelectorAll('#compare-map path').length >= 2")
    assert page.locator(".change-legend li").count() == 10
    assert "hexagons and" in page.locator("#compare-status").inner_text()
    buttons = page.locator("button.show-area")
    if buttons.count():
        buttons.first.click()
        page.wait_for_selector(".leaflet-popup-content")
    assert accessibility_violations(page) == []
