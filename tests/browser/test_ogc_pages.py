"""In real Chromium: the OGC API's HTML pages, followed from the landing page by keyboard."""

from datetime import date

import pytest

from tests.browser.conftest import accessibility_violations
from tests.factories import add_borough, add_school, add_user
from tests.havens.conftest import make_haven

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.pwned=1">Hostile Café'


@pytest.fixture
def public_layers(app, db_session):
    add_borough(db_session)
    add_school(db_session, 100001, "Alder Primary School", lon=-0.01, lat=51.45)
    worker = add_user(db_session, "worker", "worker@example.org")
    with app.app_context():
        make_haven(db_session, worker, name=HOSTILE, lon=0.0, lat=51.451,
                   signed_up_on=date(2026, 11, 2))
        make_haven(db_session, worker, name="Prospect Only", lon=0.001, lat=51.452)
    db_session.commit()


def test_an_analyst_browses_from_the_landing_page_to_a_haven(page, public_layers):
    page.goto("/ogc?f=html")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Safe Havens OGC API")
    page.get_by_role("link", name="The collections").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ogc/collections?f=html")
    assert page.get_by_role("heading", name="Safe Havens").count() == 1
    assert page.get_by_text("Where pupils feel unsafe").count() == 0, "planners only"
    page.get_by_role("region", name="Safe Havens").get_by_role(
        "link", name="Browse the features").click()
    cells = page.locator("tbody tr")
    assert cells.count() == 1, "only the active haven"
    assert HOSTILE in cells.first.inner_text()
    assert page.evaluate("() => window.pwned") is None
    cells.first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE
    assert page.locator("dd").filter(has_text="24/7").count() == 1, "opening hours, OSM syntax"


def test_the_pages_have_no_serious_accessibility_problems(page, public_layers):
    for path in ("/ogc?f=html", "/ogc/collections?f=html", "/ogc/collections/havens?f=html",
                 "/ogc/collections/havens/items?f=html",
                 "/ogc/collections/havens/queryables?f=html",
                 "/ogc/collections/havens/schema?f=html", "/ogc/conformance?f=html"):
        page.goto(path)
        assert accessibility_violations(page) == [], path
