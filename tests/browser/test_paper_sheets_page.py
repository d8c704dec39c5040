"""In real Chromium, on a phone-sized screen: a teacher uploads a photographed worksheet, sees it
squared up with its areas outlined, leaves nothing out, chooses the class's reasons and times
and adds it to the class map; the page passes axe's serious and critical checks throughout."""

import pytest
from geoalchemy2.shape import to_shape
from shapely.geometry import box
from sqlalchemy import func, select

from mapping.models import PupilMap, Zone
from mapping.paper import sheet
from tests.browser.conftest import accessibility_violations
from tests.browser.test_heatmap_page import log_in
from tests.core.accounts.helpers import login
from tests.mapping.conftest import open_session, teacher  # noqa: F401 (fixtures)
from tests.mapping.paper.test_review import _coloured_photo, _page_to_lonlat, _printed_page

pytestmark = pytest.mark.browser
NEW_OUTLINE = box(85, 125, 105, 145)  # page mm, inside the session's area


def test_a_teacher_uploads_checks_and_adds_a_sheet_from_a_phone(
        app, page, db_session, open_session, tmp_path):  # noqa: F811
    client = app.test_client()  # prints the real worksheet to colour in
    assert login(client, "teacher@example.org").status_code == 302
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(_coloured_photo(_printed_page(client, open_session.id)))

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "teacher@example.org")
    page.goto(f"/mapping/sessions/{open_session.id}")
    page.get_by_role("link", name="Upload and check paper sheets").click()
    page.wait_for_url(f"**/mapping/sessions/{open_session.id}/paper")
    assert accessibility_violations(page) == []
    page.get_by_label("Photos (JPEG or PNG) or a PDF of scans").set_input_files(str(photo))
    page.get_by_role("button", name="Upload and read").click()
    page.wait_for_url(f"**/mapping/sessions/{open_session.id}/paper")
    assert "1 sheet(s) received" in page.get_by_role("status").first.inner_text()
    preview = page.get_by_role("img", name="Sheet 1 with 2 area(s) outlined")
    assert preview.is_visible()
    assert page.locator(".paper-preview polygon").count() == 2
    assert page.evaluate("document.querySelector('.paper-preview image').getBBox().width") > 0
    assert accessibility_violations(page) == []

    # area 1 is redrawn by clicking round a new square on the sheet
    kind = "unsafe" if "red, unsafe" in page.get_by_text("Leave out area 1").inner_text() \
        else "safe"
    page.get_by_role("button", name="Redraw area 1").click()
    frame = page.locator(".paper-preview").bounding_box()
    per_mm = frame["width"] / sheet.PAGE_MM[0]
    for x, y in NEW_OUTLINE.exterior.coords[:-1]:
        page.mouse.click(frame["x"] + x * per_mm, frame["y"] + y * per_mm)
    page.get_by_role("button", name="Finish the outline").click()
    assert "Area 1 redrawn." in page.locator(".redraw-status").inner_text()
    assert accessibility_violations(page) == []

    page.get_by_label("Dark or badly lit").check()
    page.get_by_label("Busy and bright").check()
    page.get_by_label("After school").check()
    page.get_by_role("button", name="Add the ticked sheets to the class map").click()
    page.wait_for_url(f"**/mapping/sessions/{open_session.id}/paper")
    assert "Sheet 1: added with 2 area(s)." in page.get_by_role("status").first.inner_text()
    assert "On the class map: sheet 1." in page.locator("#added + p").inner_text()
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 1
    redrawn = db_session.scalars(select(Zone).where(Zone.kind == kind)).one()
    expected = _page_to_lonlat(db_session, open_session.id, NEW_OUTLINE)
    drawn = to_shape(redrawn.geom)
    assert drawn.intersection(expected).area / drawn.union(expected).area > 0.9
    assert accessibility_violations(page) == []
