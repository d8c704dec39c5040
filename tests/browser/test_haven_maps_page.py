"""In real Chromium: a worker sets one school's map distance with the keyboard, downloads every
school's map as a ZIP, and the page then shows them as printed; a visitor prints one school's map
from its page."""

import re
import zipfile

import pytest

from tests.browser.conftest import accessibility_violations
from tests.browser.test_havens import log_in
from tests.factories import add_user
from tests.mapping.haven_maps.conftest import ALDER, BIRCH, add_haven, schools  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def borough(db_session, schools):  # noqa: F811
    add_haven(db_session, schools, "Corner Shop", 150, 0)
    add_user(db_session, "worker", "worker@example.org")
    db_session.commit()


def test_a_worker_sets_a_distance_and_downloads_every_schools_map(page, borough, tmp_path):
    log_in(page)
    page.goto("/mapping/haven-maps")
    assert page.get_by_role("heading", name="Haven maps for schools").is_visible()
    assert "2 of 2 schools" in page.locator("#changed-summary").inner_text()
    assert accessibility_violations(page) == []

    distance = page.get_by_label(re.compile("Distance from Birch Academy in metres"))
    distance.fill("1500")
    distance.press("Enter")  # submits its own small form
    page.wait_for_load_state()
    assert "Birch Academy: the map now reaches 1500 m." in page.locator(".flash").inner_text()
    assert page.get_by_label(re.compile("Distance from Birch Academy")).input_value() == "1500"

    page.get_by_label("Both").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the maps (ZIP)").click()
    target = tmp_path / "maps.zip"
    download.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert pdfs == sorted([f"{ALDER}-alder-primary-school-A4.pdf",
                           f"{ALDER}-alder-primary-school-A3.pdf",
                           f"{BIRCH}-birch-academy-A4.pdf", f"{BIRCH}-birch-academy-A3.pdf"])

    page.goto("/mapping/haven-maps")
    assert "0 of 2 schools" in page.locator("#changed-summary").inner_text()
    assert page.get_by_text("Up to date").count() == 2


def test_a_visitor_prints_a_schools_map_from_its_page(page, borough):
    page.goto(f"/schools/{ALDER}")
    link = page.get_by_role("link", name="A4 handout (PDF)")
    assert link.get_attribute("href") == f"/schools/{ALDER}/haven-map.pdf?size=A4"
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    assert accessibility_violations(page) == []
