"""In real Chromium: a planner opens the hot spots and sees the ranked areas on maps."""

import pytest

from mapping import services
from tests.browser.conftest import accessibility_violations
from tests.browser.test_heatmap_page import log_in
from tests.factories import add_borough, add_school, add_user
from tests.mapping.conftest import lonlat
from tests.mapping.test_hotspots import _planted

pytestmark = pytest.mark.browser


@pytest.fixture
def planted(app, db_session):
    """Three schools whose pupils marked an after-school place and an evening place."""
    add_borough(db_session)
    sessions = []
    for n, dx in enumerate((0, 300, -300)):
        urn = 100001 + n
        add_school(db_session, urn, f"School {n}", lon=lonlat(dx, 0)[0], lat=lonlat(dx, 0)[1])
        teacher = add_user(db_session, "teacher", f"t{n}@example.org", school_urns=[urn])
        with app.app_context():
            sessions.append(services.create_session(
                db_session=db_session, teacher=teacher, school_urn=urn, class_label="7A",
                year_group=7))
    _planted(app, db_session, sessions)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()


@pytest.mark.parametrize("width", [1280, 390])  # a desktop, and a phone
def test_planner_sees_ranked_areas_with_maps(page, planted, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "planner@example.org")
    page.goto("/mapping/hotspots")
    areas = page.locator(".hotspot")
    assert areas.count() == 2
    assert "After school" in areas.nth(0).inner_text()
    assert "15:00 and 17:00 on school days" in areas.nth(0).inner_text()
    # Leaflet drew the areas' outlines on the overview map and on each small map.
    page.wait_for_function("document.querySelectorAll('#hotspot-map path').length >= 2")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.hotspot-map')).every("
        "m => m.querySelector('path.leaflet-interactive, canvas'))")
    assert page.locator(".area-rank").count() == 2
    assert page.get_by_role("link", name="Patrol briefing (PDF)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert accessibility_violations(page) == []
