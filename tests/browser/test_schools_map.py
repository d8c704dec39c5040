"""In real Chromium: log in, open the schools map; nothing is loaded from outside but tiles."""

import re

import pytest

from tests.browser.conftest import accessibility_violations
from tests.factories import PASSWORD, add_borough, add_school, add_user

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.pwned=1">Hostile School'


@pytest.fixture
def borough_with_schools(db_session):
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School", lon=-0.01, lat=51.45)
    add_school(db_session, 100002, "Birch Academy", lon=0.01, lat=51.455)
    add_school(db_session, 100003, HOSTILE, lon=0.0, lat=51.445)
    add_user(db_session, "worker", "worker@example.org")
    db_session.commit()


def test_log_in_and_open_the_schools_map(page, borough_with_schools):
    page.goto("/login")
    page.get_by_label("Email").fill("worker@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Log out").is_visible() or page.get_by_text(
        "Log out").count() == 1
    page.goto("/schools")
    markers = page.locator("path.marker-school")
    markers.first.wait_for()
    assert markers.count() == 3
    assert page.locator(".leaflet-tile-loaded").count() > 0
    assert page.outside.tiles, "the configured tile server was used"


def test_school_names_in_popups_are_text_not_html(page, borough_with_schools):
    page.goto("/schools")
    markers = page.locator("path.marker-school")
    markers.first.wait_for()
    popup = page.locator(".leaflet-popup-content")
    texts = []
    for index in range(markers.count()):
        markers.nth(index).dispatch_event("click")
        popup.last.wait_for()
        texts += popup.all_inner_texts()
    hostile = next(text for text in texts if "Hostile" in text)
    assert '<img src=x onerror="window.pwned=1">Hostile School' in hostile
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.evaluate("() => window.pwned") is None


def test_schools_page_has_no_serious_accessibility_problems(page, borough_with_schools):
    page.goto("/schools")
    page.locator("path.marker-school").first.wait_for()
    assert accessibility_violations(page) == []


def test_login_page_has_no_serious_accessibility_problems_and_works_by_keyboard(
        page, borough_with_schools):
    page.goto("/login")
    assert accessibility_violations(page) == []
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "email"
    page.keyboard.type("worker@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(#content)?$"))  # a redirect keeps the skip link's #
    assert page.get_by_text("worker@example.org").count() >= 1
